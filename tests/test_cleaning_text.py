"""Text cleaning runs its patterns in Arrow: the whitespace class it spells out is exactly Python's \\s."""

from __future__ import annotations

import re
import sys

import pandas as pd

from icp_assistant.tools.ingest.clean_report import ColumnReport
from icp_assistant.tools.ingest.distinct_text import SPACE, clean_multi


def test_the_spelt_out_whitespace_class_is_pythons_whitespace() -> None:
    pythons = [c for c in map(chr, range(sys.maxunicode + 1)) if re.fullmatch(r"\s", c)]
    spelt = [c for c in map(chr, range(sys.maxunicode + 1)) if re.fullmatch(SPACE, c)]
    assert spelt == pythons


def test_multi_valued_cells_split_on_any_whitespace_python_knows() -> None:
    cells = pd.Series(["a\x0b;\u3000b", "c\x1c/\x85d", "e\xa0+\u2003f", "g, h"], dtype="str")
    cleaned = clean_multi(cells, ColumnReport("tech_stack", "Tech", "multi"))
    assert cleaned.tolist() == ["a; b", "c; d", "e; f", "g; h"]
