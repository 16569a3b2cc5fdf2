"""The Arrow CSV writer gives the bytes pandas' ``to_csv(index=False)`` gives, for every column type it renders and for
hostile text (delimiters, quotes, line breaks, formula starts, non-Latin text); other types are left to pandas."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icp_assistant.tools.store import csv_text

TEXT = st.text(alphabet=st.sampled_from(list("ab ,;\"'\r\n\t=+-@é€日 ")), max_size=8)


def _both(frame: pd.DataFrame, header: bool = True) -> tuple[bytes, bytes]:
    expected, written = io.BytesIO(), io.BytesIO()
    frame.to_csv(expected, index=False, header=header)
    csv_text.write(frame, written, header=header)
    return expected.getvalue(), written.getvalue()


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 40))
    text = st.lists(st.one_of(TEXT, st.none()), min_size=n, max_size=n)
    floats = st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64), st.none()), min_size=n,
                      max_size=n)  # fmt: skip
    floats32 = st.lists(st.one_of(st.floats(width=32), st.none()), min_size=n, max_size=n)
    ints = st.lists(st.integers(-(2**63), 2**63 - 1), min_size=n, max_size=n)
    maybe_ints = st.lists(st.one_of(st.integers(-(2**40), 2**40), st.none()), min_size=n, max_size=n)
    bools = st.lists(st.booleans(), min_size=n, max_size=n)
    maybe_bools = st.lists(st.one_of(st.booleans(), st.none()), min_size=n, max_size=n)
    columns = {
        "text": pd.array(draw(text), dtype="str"),
        "object text": pd.Series(draw(text), dtype=object),
        "float": pd.Series(draw(floats), dtype="float64"),
        "float32": pd.Series(draw(floats32), dtype="float32"),
        "int": pd.Series(draw(ints), dtype="int64"),
        "Int64": pd.array(draw(maybe_ints), dtype="Int64"),
        "bool": pd.Series(draw(bools), dtype=bool),
        "boolean": pd.array(draw(maybe_bools), dtype="boolean"),
        "int64[pyarrow]": pd.array(draw(maybe_ints), dtype="int64[pyarrow]"),
        "UInt8": pd.array([None if v is None else abs(v) % 256 for v in draw(maybe_ints)], dtype="UInt8"),
    }
    chosen = draw(st.lists(st.sampled_from(sorted(columns)), min_size=2, max_size=8, unique=True))
    headers = draw(st.lists(TEXT, min_size=len(chosen), max_size=len(chosen), unique=True))
    return pd.DataFrame({h: columns[c] for h, c in zip(headers, chosen, strict=True)})


@settings(max_examples=150, deadline=None)
@given(frames(), st.booleans())
def test_same_bytes_as_pandas(frame: pd.DataFrame, header: bool) -> None:
    expected, written = _both(frame, header)
    assert written == expected


def test_batches_join_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows rendered in several batches on several threads come out in the frame's order."""
    monkeypatch.setattr(csv_text, "BATCH_ROWS", 7)
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"row": np.arange(1, 101), "name": pd.array([f"a,{i}" for i in range(100)], dtype="str"),
                          "value": rng.random(100)})  # fmt: skip
    expected, written = _both(frame)
    assert written == expected
    assert written.count(b"\n") == 101


def test_floats_as_pandas_writes_them() -> None:
    frame = pd.DataFrame({"x": [490.0, 1e16, 0.1, -0.0, np.nan, np.inf, 1 / 3], "y": ["a"] * 7})
    expected, written = _both(frame)
    assert written == expected
    assert written.decode().splitlines()[1:4] == ["490.0,a", "1e+16,a", "0.1,a"]


def test_quotes_only_what_csv_quotes() -> None:
    frame = pd.DataFrame({"a": ['say "hi"', "x,y", "line\nbreak", "plain", None], "b": [1, 2, 3, 4, 5]})
    expected, written = _both(frame)
    assert written == expected
    assert b'"say ""hi"""' in written and b'"x,y"' in written and b"plain,4" in written


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(pd.to_datetime(["2024-01-02", None, "2024-03-04"])),  # dates: pandas formats them
        pd.Series([1, "a", None], dtype=object),  # mixed objects: pandas str()-s them
        pd.Series(["x", "y", "x"], dtype="category"),
        pd.Series([0.5, None, 2.0], dtype="float64[pyarrow]"),  # Arrow floats: pandas formats them its own way
        pd.Series([True, None, False], dtype="bool[pyarrow]"),
    ],
)
def test_other_types_left_to_pandas(column: pd.Series) -> None:
    frame = pd.DataFrame({"k": pd.array(["p", "q,r", None], dtype="str"), "v": column})
    expected, written = _both(frame)
    assert written == expected


def test_headers_other_than_text_left_to_pandas() -> None:
    frame = pd.DataFrame([[1, "a"], [2, "b,c"]], columns=pd.MultiIndex.from_tuples([("x", "1"), ("y", "2")]))
    expected, written = _both(frame)
    assert written == expected
    numbered = pd.DataFrame({0: [1.5, 2.0], 1.5: ["p", "q"]})
    assert _both(numbered)[1] == _both(numbered)[0]


def test_one_column_and_no_rows() -> None:
    """One column: csv writes an empty cell as "" (pandas does it); no rows: the header alone."""
    one = pd.DataFrame({"only": pd.array(["a", None, ""], dtype="str")})
    assert _both(one)[1] == _both(one)[0]
    empty = pd.DataFrame({"a": pd.array([], dtype="str"), "b": pd.Series([], dtype="float64")})
    expected, written = _both(empty)
    assert written == expected == b"a,b\n"
