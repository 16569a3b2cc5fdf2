"""Work done once per distinct value of a column, then spread back to its rows.

A million-row export holds a few hundred labels (stages, countries, lifecycle statuses); looking each row up in a
dict costs a hash of every cell as a Python object, looking up each distinct value costs a few hundred.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from pandas.api.extensions import take


def map_distinct(values: pd.Series, mapping: Mapping[object, object]) -> pd.Series:
    """``values.astype("object").map(mapping)`` (missing where the mapping has no key, dtype as pandas infers it),
    looked up once per distinct value."""
    codes, distinct = pd.factorize(values)
    looked_up = pd.Series(np.asarray(distinct, dtype=object), dtype="object").map(mapping)
    return pd.Series(take(looked_up.array, codes, allow_fill=True), index=values.index, name=values.name)
