"""Random streams, the date window and array helpers (pyarrow strings, counts, ids, dates)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .specs import SegmentSpec
from .vocab import MISSING, STR

_STREAMS = ("profiles", "firmographics", "names", "ids", "deals", "outcomes", "noise", "messy")


def _streams(seed: int) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(_STREAMS, children, strict=True)}


@dataclass(frozen=True)
class _Window:
    start: np.datetime64  # first day
    days: int  # last day - first day

    @classmethod
    def parse(cls, start: str, end: str) -> _Window:
        first = np.datetime64(pd.Timestamp(start).date(), "D")
        last = np.datetime64(pd.Timestamp(end).date(), "D")
        if last < first:
            raise ValueError(f"end {end} is before start {start}")
        return cls(first, int((last - first) // np.timedelta64(1, "D")))

    @property
    def end_year(self) -> int:
        return int(str(self.start + np.timedelta64(self.days, "D"))[:4])


def _arrow(values: Iterable[str | None]) -> pa.Array:
    return pa.array(list(values), type=pa.string())


def _take(vocab: Sequence[str | None], codes: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Strings by index into a vocabulary (fast for millions of rows); ``missing`` rows become null."""
    indices = pa.array(np.asarray(codes, dtype=np.int64), mask=missing)
    return _arrow(vocab).take(indices)


def _format_unique(keys: np.ndarray, fmt: Callable[[int], str | None], missing: np.ndarray | None = None) -> pa.Array:
    """Format each distinct integer key once, then expand: Python work per distinct value, not per row."""
    keys = np.asarray(keys, dtype=np.int64)
    if missing is not None:
        keys = np.where(missing, keys[~missing].min(initial=0), keys)
    low, high = (int(keys.min()), int(keys.max())) if len(keys) else (0, 0)
    if high - low < min(len(keys), 20_000):  # dense: no sort needed
        return _take([fmt(k) for k in range(low, high + 1)], keys - low, missing)
    uniques, inverse = np.unique(keys, return_inverse=True)
    return _take([fmt(int(k)) for k in uniques], inverse, missing)


def _series(values: pa.Array | np.ndarray) -> pd.Series:
    if isinstance(values, pa.Array):
        return pd.Series(values, dtype=STR)
    return pd.Series(values)


def _counts(shares: Sequence[float], n: int) -> np.ndarray:
    """Integer counts proportional to shares that sum to n (largest remainder)."""
    raw = np.asarray(shares, dtype=float) / sum(shares) * n
    counts = np.floor(raw).astype(np.int64)
    short = n - int(counts.sum())
    counts[np.argsort(-(raw - counts), kind="stable")[:short]] += 1
    return counts


def _unique_ids(rng: np.random.Generator, n: int, low: int = 2_000_000_000, high: int = 40_000_000_000) -> np.ndarray:
    """n distinct HubSpot-like record ids, in draw order."""
    ids = np.empty(0, dtype=np.int64)
    while len(ids) < n:
        draw = np.concatenate([ids, rng.integers(low, high, n - len(ids) + n // 50 + 8)])
        _, first = np.unique(draw, return_index=True)
        ids = draw[np.sort(first)]
    return ids[:n]


def _pick(rng: np.random.Generator, weights: Sequence[float], n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _by_profile(segments: Sequence[SegmentSpec], attribute: str, profiles: np.ndarray) -> np.ndarray:
    return np.array([getattr(s, attribute) for s in segments], dtype=float)[profiles]


# ------------------------------------------------------------------------------- date columns
def _dates(window: _Window, days: np.ndarray, minutes: np.ndarray | None = None) -> np.ndarray:
    """Typed datetimes (NaT where missing)."""
    missing = days == MISSING
    stamps = (window.start + np.where(missing, 0, days).astype("timedelta64[D]")).astype("datetime64[s]")
    if minutes is not None:
        stamps = stamps + (minutes * 60).astype("timedelta64[s]")
    return np.where(missing, np.datetime64("NaT", "s"), stamps)


def _date_text(window: _Window, days: np.ndarray, fmt: str, minutes: np.ndarray | None = None) -> pa.Array:
    missing = days == MISSING

    def day(code: int) -> str:
        return pd.Timestamp(window.start + np.timedelta64(code, "D")).strftime(fmt)

    text = _format_unique(days, day, missing)
    if minutes is None:
        return text
    clock = _take([f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60)], minutes, missing)
    return pc.binary_join_element_wise(text, clock, " ")
