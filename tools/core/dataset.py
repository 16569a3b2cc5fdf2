"""The dataset type: what a loaded export is, for every layer that reads one (loading and saving it is
:mod:`..store.datasets`)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .fields import Kinds
from .schemas import DatasetCard


@dataclass
class Dataset:
    """A loaded dataset: cleaned accounts (one row per account), deals, column kinds and its card."""

    name: str
    accounts: pd.DataFrame
    deals: pd.DataFrame | None
    kinds: Kinds
    card: DatasetCard

    def sources(self) -> dict[str, str]:
        """Header in the source file -> column in the dataset, for mapped fields."""
        return {f.source: f.field for f in self.card.fields if f.source and f.source != f.field}
