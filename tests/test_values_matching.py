"""The column regex tests give pandas' own answers (``str.contains`` / ``str.fullmatch`` with ``na=False``) on texts
written to tell RE2 and Python apart, and refuse a pattern the two engines read differently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from icp_assistant.tools.core.values import matching
from icp_assistant.tools.core.values.guesses import _DAY_FIRST_EVIDENCE, _EU_EVIDENCE, _US_EVIDENCE
from icp_assistant.tools.core.values.number_series import _FAST_NUMBER

TEXTS = [
    "1.234,5",
    "12,5",
    "0,125",
    "1,234.56",
    "1.234.567",
    "12.5\n",  # Python's $ also matches before a final line break, RE2's does not: pandas hands these to Python
    "12.5\nx",
    "25/03/2021",
    "03/25/2021\n",
    "####",
    "###\n",
    "#",
    "١٢٣",  # Arabic-Indic digits: not [0-9] for either engine
    "ｱｲｳ 12,5",
    "-1,234",
    "",
    " 12.5 ",
    None,
]
PATTERNS = [_EU_EVIDENCE, _US_EVIDENCE, _DAY_FIRST_EVIDENCE, *_FAST_NUMBER.values(), "#{3,}", "^[0-9.]+$", "5$|b"]


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("dtype", ["str", object])
@pytest.mark.parametrize("newlines", [True, False])
def test_each_test_gives_pandas_answer(pattern: str, dtype: object, newlines: bool) -> None:
    texts = pd.Series([t for t in TEXTS if newlines or t is None or "\n" not in t], dtype=dtype)
    np.testing.assert_array_equal(
        matching.contains(texts, pattern), texts.str.contains(pattern, regex=True, na=False).to_numpy(dtype=bool)
    )
    np.testing.assert_array_equal(
        matching.fullmatch(texts, pattern), texts.str.fullmatch(pattern, na=False).to_numpy(dtype=bool)
    )


def test_the_line_break_cases_really_differ_between_the_engines() -> None:
    """Without the hand-over to pandas, a text ending in a line break would be read otherwise (so the test above can
    fail)."""
    import pyarrow.compute as pc

    texts = pd.Series(["12.5\n"], dtype="str")
    assert texts.str.contains("^[0-9.]+$", regex=True).iloc[0]
    assert not pc.match_substring_regex(texts.array.__arrow_array__(), "^[0-9.]+$")[0].as_py()
    assert matching.contains(texts, "^[0-9.]+$").tolist() == [True]


@pytest.mark.parametrize("pattern", [r"\d+", r"\s", r"\bword", r"(?=x)", r"(a)\1", r"x\Z", r"\u00e9"])
def test_a_pattern_the_engines_read_differently_is_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="read differently by RE2 and Python"):
        matching.contains(pd.Series(["x"], dtype="str"), pattern)
