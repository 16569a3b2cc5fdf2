"""Drift between a reference sample of accounts and a recent one: the statistics of an ICP's quarterly review.

Coverage and mix are read apart. Coverage is the share of rows with a value: a column that empties (92% -> 41%
filled) or whose values were renamed ("Fintech" -> "Financial Technology") is an export change, not a market
change. Mix is the distribution *among filled rows*, as a population stability index (PSI) over the reference's
categories (rarer ones and values the reference never had pooled into "Other") or over 10 reference quantile bins
for numbers (empty inner bins merged). PSI < 0.1 reads as no drift, 0.1-0.25 moderate, > 0.25 significant: conventions
from credit scoring, not laws. KS (numbers) and chi-square with Cramer's V (categories) are reported, but the
verdict reads effect sizes only: with large samples every p-value is tiny. Multi-valued cells ("Salesforce;
HubSpot") count once per value: shares are of filled rows having each value, while PSI and chi-square run on
value mentions (a row with two values counts twice, so that p-value is approximate).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from icp_assistant.tools.core.errors import ColumnError, InsufficientDataError, OptionError, listing
from icp_assistant.tools.core.stats import MIN_N, round_sig

from .review_schemas import AttributeDrift, DriftReport, Kind, Level

KINDS: tuple[Kind, ...] = ("category", "multi", "number")
EPSILON = 1e-4  # share given to an empty cell so that the PSI stays finite
NUMBER_BINS = 10
MAX_CATEGORIES = 30  # reference values kept as bins; rarer ones pool into "Other"
MODERATE, SIGNIFICANT = 0.1, 0.25
COVERAGE_CHANGE = 0.15  # absolute change in the filled share that counts as coverage drift
RECODING_SHARE = 0.30  # share of recent filled rows with values the reference never had
RECODING_MIN_REFERENCE = 20  # filled reference rows needed before unseen values mean a recoding
MAX_NEW_VALUES, MAX_SHIFTS = 5, 3
OTHER = "Other"


class _Table(NamedTuple):  # rows per bin in each sample; a multi-valued row counts once in each bin it has
    labels: list[str]
    reference: np.ndarray
    recent: np.ndarray


def psi(reference_shares: np.ndarray, recent_shares: np.ndarray, epsilon: float = EPSILON) -> float:
    """Population stability index, sum of (recent - reference) x ln(recent / reference) over the bins.

    Shares below ``epsilon`` (empty cells) are raised to it so that the index stays finite. Always >= 0.
    """
    ref, rec = np.asarray(reference_shares, dtype=float), np.asarray(recent_shares, dtype=float)
    if ref.ndim != 1 or ref.shape != rec.shape or ref.size == 0:
        raise OptionError(f"PSI needs two share vectors of the same length; got shapes {ref.shape} and {rec.shape}.")
    if not epsilon > 0:
        raise OptionError(f"epsilon must be > 0, got {epsilon}; the default is {EPSILON}.")
    for label, shares in (("reference", ref), ("recent", rec)):
        if not np.isfinite(shares).all() or shares.min() < 0 or abs(shares.sum() - 1) > 1e-3:
            raise OptionError(f"{label} shares must be >= 0 and sum to 1, not {shares.sum():.4g}: pass count / total.")
    ref, rec = np.maximum(ref, epsilon), np.maximum(rec, epsilon)
    return float(max(0.0, np.sum((rec - ref) * np.log(rec / ref))))


def psi_level(value: float | None) -> Level | None:
    if value is None:
        return None
    return "none" if value < MODERATE else "moderate" if value <= SIGNIFICANT else "significant"


def _filled(series: pd.Series, kind: Kind) -> pd.Series:
    """Values of the rows that have one: floats for numbers, else a tuple of distinct strings per row."""
    if kind == "number":
        numbers = pd.Series(pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan))
        return numbers[np.isfinite(numbers)]
    text = series.dropna().astype(str)
    codes, distinct = pd.factorize(text)  # each distinct cell read once
    values = np.empty(len(distinct), dtype=object)
    for i, cell in enumerate(distinct):  # a loop: numpy would read equal-length tuples as a second dimension
        parts = cell.split(";") if kind == "multi" else [cell]
        values[i] = tuple(sorted({v.strip() for v in parts if v.strip()}))
    cells = pd.Series(values[codes], index=text.index, dtype=object)
    return cells[np.array([len(v) > 0 for v in values], dtype=bool)[codes]]


def _distinct_rows(cells: pd.Series) -> tuple[list[tuple[str, ...]], np.ndarray]:
    """The distinct value tuples of ``cells`` and how many rows hold each (tuples are counted, not exploded)."""
    codes, distinct = pd.factorize(cells)
    return list(distinct), np.bincount(codes, minlength=len(distinct))


def _value_rows(cells: pd.Series) -> pd.Series:
    """Rows having each value, most common first (ties by name)."""
    counts: dict[str, int] = {}
    for values, rows in zip(*_distinct_rows(cells), strict=True):
        for value in values:
            counts[value] = counts.get(value, 0) + int(rows)
    return pd.Series(counts, dtype="int64").sort_index().sort_values(ascending=False, kind="stable")


def _category_table(ref: pd.Series, rec: pd.Series) -> _Table:
    keep = list(_value_rows(ref).index[:MAX_CATEGORIES])
    kept = set(keep)

    def bins(cells: pd.Series) -> pd.Series:  # rows per bin: a row counts once in each bin it has
        counts: dict[str, int] = {}
        for values, rows in zip(*_distinct_rows(cells), strict=True):
            for label in {v if v in kept else OTHER for v in values}:
                counts[label] = counts.get(label, 0) + int(rows)
        return pd.Series(counts, dtype="int64")

    ref_bins, rec_bins = bins(ref), bins(rec)
    labels = keep + ([OTHER] if OTHER not in kept and (OTHER in ref_bins or OTHER in rec_bins) else [])
    counts = [b.reindex(labels, fill_value=0).to_numpy(dtype=float) for b in (ref_bins, rec_bins)]
    return _Table(labels, counts[0], counts[1])


def _number_edges(ref: pd.Series) -> tuple[list[float], list[str]]:
    """Right-closed reference decile bins; empty ones merge into the next, except the open top bin (out of range)."""
    cuts = np.quantile(ref.to_numpy(), np.linspace(0, 1, NUMBER_BINS + 1)[1:-1])
    edges = list(np.unique(cuts))
    while edges:
        counts = np.bincount(np.searchsorted(edges, ref.to_numpy(), side="left"), minlength=len(edges) + 1)
        empty = np.flatnonzero(counts[:-1] == 0)
        if empty.size == 0:
            break
        del edges[int(empty[0])]
    labels = [f"<= {edges[0]:.4g}"] if edges else ["all values"]
    labels += [f"{low:.4g} to {high:.4g}" for low, high in itertools.pairwise(edges)]
    labels += [f"> {edges[-1]:.4g}"] if edges else []
    return edges, labels


def _number_table(ref: pd.Series, rec: pd.Series) -> _Table:
    edges, labels = _number_edges(ref)
    ref_counts, rec_counts = (
        np.bincount(np.searchsorted(edges, s.to_numpy(), side="left"), minlength=len(labels)).astype(float)
        for s in (ref, rec)
    )
    return _Table(labels, ref_counts, rec_counts)


def _test(table: _Table, ref: pd.Series, rec: pd.Series, kind: Kind) -> tuple[float | None, float | None]:
    """(p-value, effect): KS for numbers, chi-square with Cramer's V otherwise; (None, None) if untestable."""
    from scipy import stats  # on first use: the server starts without scipy

    if kind == "number":
        result = stats.ks_2samp(ref.to_numpy(), rec.to_numpy())
        return float(result.pvalue), float(result.statistic)
    counts = np.vstack([table.reference, table.recent])
    counts = counts[:, counts.sum(axis=0) > 0]
    if counts.shape[1] < 2:
        return None, None
    chi2, p_value, _, _ = stats.chi2_contingency(counts, correction=False)
    return float(p_value), float(np.sqrt(chi2 / counts.sum()))  # Cramer's V; min(rows, columns) - 1 = 1


def _shifts(table: _Table, reference_filled: int, recent_filled: int) -> list[tuple[str, float, float]]:
    ref, rec = table.reference / reference_filled, table.recent / recent_filled
    change = np.abs(rec - ref)
    order = sorted((i for i in range(len(table.labels)) if change[i] > 0), key=lambda i: (-change[i], table.labels[i]))
    return [(table.labels[i], round(float(ref[i]), 4), round(float(rec[i]), 4)) for i in order[:MAX_SHIFTS]]


def _unseen(ref: pd.Series, rec: pd.Series) -> tuple[list[str], float]:
    """Recent values the reference never had (most common first) and the share of recent rows carrying one."""
    known = set().union(*_distinct_rows(ref)[0])
    new = [str(v) for v in _value_rows(rec).index if v not in known]
    carrying = sum(int(rows) for values, rows in zip(*_distinct_rows(rec), strict=True) if not known.issuperset(values))
    return new[:MAX_NEW_VALUES], carrying / max(len(rec), 1)


def _statement(drift: AttributeDrift, unseen_share: float) -> str:
    name, parts = drift.attribute, []
    if drift.recoding:
        parts.append(
            f"{name}: likely a recoding: {unseen_share:.0%} of recent filled rows carry values the reference never "
            f"had ({', '.join(drift.new_values)}); fix the value mapping before reading its mix"
        )
    if round(abs(drift.coverage_recent - drift.coverage_reference), 6) >= COVERAGE_CHANGE:
        parts.append(
            f"coverage drift: {name} filled {drift.coverage_reference:.0%} -> {drift.coverage_recent:.0%} "
            "(likely an export change, not a market change)"
        )
    if drift.psi is None:
        parts.append(f"{name}: mix not comparable (one sample has no values)")
    elif drift.psi_noise is not None and drift.psi <= drift.psi_noise and not drift.recoding:
        parts.append(
            f"{name}: within sampling noise (PSI {drift.psi:.2f}; chance alone gives up to {drift.psi_noise:.2f})"
        )
    elif not drift.recoding:
        level = "no meaningful" if drift.psi_level == "none" else drift.psi_level
        mix = f"{name}: {level} mix drift (PSI {drift.psi:.2f})"
        if drift.psi_level != "none" and drift.top_shifts:
            prefix = f"{name} " if drift.kind == "number" else ""
            shifts = [f"{prefix}{label} {a:.0%} -> {b:.0%}" for label, a, b in drift.top_shifts[:2]]
            mix += f": {', '.join(shifts)} of accounts with a value"
        parts.append(mix)
    if drift.new_values and not drift.recoding:
        parts.append(f"new values: {', '.join(drift.new_values)}")
    return "; ".join(parts)


def _noise(ref: pd.Series, size: int, kind: Kind, resamples: int, random_state: int) -> float | None:
    """95th percentile of the PSI between the reference and random samples of it of ``size`` rows.

    The reference is binned once (a sample of it has the same bins); each sample is then a count of the bins its
    rows fall in, drawn exactly as ``rng.integers(0, len(ref), size)`` per resample."""
    if resamples < 1 or size < 1 or len(ref) < 2:
        return None
    rng = np.random.default_rng(random_state)
    sample_counts = _bin_counter(ref, kind)
    reference = sample_counts(np.arange(len(ref)))
    values = []
    for _ in range(resamples):
        recent = sample_counts(rng.integers(0, len(ref), size))
        values.append(psi(reference / reference.sum(), recent / recent.sum()))
    return round(float(np.quantile(values, 0.95)), 4)


def _bin_counter(ref: pd.Series, kind: Kind) -> Callable[[np.ndarray], np.ndarray]:
    """A function from row positions of ``ref`` (repeats allowed) to rows per bin of the reference's own table."""
    if kind == "number":
        edges, labels = _number_edges(ref)
        codes = np.searchsorted(edges, ref.to_numpy(), side="left")
        return lambda rows: np.bincount(codes[rows], minlength=len(labels)).astype(float)
    labels = _category_table(ref, ref).labels
    index = {label: i for i, label in enumerate(labels)}
    codes, distinct = pd.factorize(ref)
    pairs = {  # (distinct tuple, bin): a row counts once in each bin it has
        (i, index.get(v, index.get(OTHER, -1))) for i, values in enumerate(distinct) for v in values
    }
    tuple_of, bin_of = (np.array([p[k] for p in sorted(pairs) if p[1] >= 0], dtype=np.intp) for k in (0, 1))

    def counts(rows: np.ndarray) -> np.ndarray:
        times = np.bincount(codes[rows], minlength=len(distinct)).astype(float)
        return np.bincount(bin_of, weights=times[tuple_of], minlength=len(labels))

    return counts


def attribute_drift(
    reference: pd.Series, recent: pd.Series, kind: Kind, name: str, *, noise_resamples: int = 0, random_state: int = 0
) -> AttributeDrift:
    """Coverage and mix drift of one attribute; mix shares are over filled rows only.

    With ``noise_resamples``, a PSI no larger than what random samples of the reference reach (95th percentile)
    is read as sampling noise: small samples inflate the PSI."""
    if kind not in KINDS:
        raise OptionError(f"Unknown kind {kind!r} for {name!r}. Valid kinds: {listing(KINDS)}.")
    if reference.empty or recent.empty:
        raise InsufficientDataError(f"{name!r}: reference has {len(reference)} rows, recent {len(recent)}; pass both.")
    ref, rec = _filled(reference, kind), _filled(recent, kind)
    new, unseen_share = ([], 0.0) if kind == "number" else _unseen(ref, rec)
    recoding = unseen_share >= RECODING_SHARE and len(ref) >= RECODING_MIN_REFERENCE
    coverage = round(len(ref) / len(reference), 4), round(len(rec) / len(recent), 4)
    value, p_value, effect, shifts = None, None, None, []
    if len(ref) and len(rec):
        table = _number_table(ref, rec) if kind == "number" else _category_table(ref, rec)
        value = round(psi(table.reference / table.reference.sum(), table.recent / table.recent.sum()), 4)
        p_value, effect = _test(table, ref, rec, kind)
        shifts = _shifts(table, len(ref), len(rec))
    noise = _noise(ref, len(rec), kind, noise_resamples, random_state) if value is not None else None
    level = psi_level(value) if noise is None or value is None or value > noise else "none"
    drift = AttributeDrift(
        attribute=name,
        kind=kind,
        psi=value,
        psi_level=level,
        test=None if effect is None else "ks" if kind == "number" else "chi2",
        p_value=round_sig(p_value),
        effect=None if effect is None else round(effect, 4),
        coverage_reference=coverage[0],
        coverage_recent=coverage[1],
        coverage_drift=recoding or round(abs(coverage[1] - coverage[0]), 6) >= COVERAGE_CHANGE,
        recoding=recoding,
        new_values=new,
        top_shifts=shifts,
        psi_noise=noise,
        statement="",
    )
    return drift.model_copy(update={"statement": _statement(drift, unseen_share)})


def _listed(drifts: list[AttributeDrift]) -> str:
    listed = ", ".join(f"{d.attribute} (PSI {d.psi:.2f})" for d in drifts)
    return f"{len(drifts)} attribute{'s' if len(drifts) > 1 else ''}: {listed}"


def _coverage_note(drift: AttributeDrift) -> str:
    if drift.recoding:
        return f"{drift.attribute} (likely recoding)"
    return f"{drift.attribute} (filled {drift.coverage_reference:.0%} -> {drift.coverage_recent:.0%})"


def _verdict(drifts: list[AttributeDrift], reference_n: int, recent_n: int, min_recent: int) -> str:
    if recent_n < min_recent:
        return f"Too few recent rows ({recent_n} < {min_recent}) to judge drift; re-run when there are more"
    if reference_n < MIN_N:
        return f"Too few reference rows ({reference_n} < {MIN_N}) to judge drift; use a larger reference sample"
    mix = [d for d in drifts if d.psi is not None and not d.recoding]
    significant = [d for d in mix if d.psi_level == "significant"]
    moderate = [d for d in mix if d.psi_level == "moderate"]
    parts = [f"Significant drift in {_listed(significant)}"] if significant else []
    if moderate:
        parts.append(f"{'moderate' if parts else 'Moderate'} drift in {_listed(moderate)}")
    if not parts:
        top = max((d.psi for d in mix if d.psi is not None), default=None)
        parts.append("No mix could be compared" if top is None else f"No meaningful drift (max PSI {top:.2f})")
    coverage = [_coverage_note(d) for d in drifts if d.coverage_drift]
    if coverage:
        parts.append(f"coverage drift (an export change, not a market change) in {', '.join(coverage)}")
    return "; ".join(parts)


def compare_samples(
    reference: pd.DataFrame,
    recent: pd.DataFrame,
    kinds: Mapping[str, Kind],
    *,
    min_recent: int = MIN_N,
    max_attributes: int = 12,
    noise_resamples: int = 0,
    random_state: int = 0,
) -> DriftReport:
    """Drift per attribute in ``kinds`` (column -> kind); a column missing from one sample counts as empty there."""
    if min_recent < 1 or max_attributes < 1:
        raise OptionError(f"min_recent and max_attributes must be >= 1, got {min_recent} and {max_attributes}.")
    if not kinds:
        raise OptionError("No attributes to compare: pass kinds as {column: 'category' | 'multi' | 'number'}.")
    drifts = []
    for name, kind in kinds.items():
        if name not in reference and name not in recent:
            columns = sorted(set(reference.columns) | set(recent.columns))
            raise ColumnError(f"Column {name!r} is in neither sample. Valid columns: {listing(columns, 40)}.")
        ref, rec = (
            f[name] if name in f else pd.Series(np.nan, index=f.index, dtype=object) for f in (reference, recent)
        )
        drifts.append(attribute_drift(ref, rec, kind, name, noise_resamples=noise_resamples, random_state=random_state))
    drifts.sort(key=lambda d: (d.psi is None, -(d.psi or 0.0), d.attribute))
    return DriftReport(
        reference_n=len(reference),
        recent_n=len(recent),
        enough=len(recent) >= min_recent and len(reference) >= MIN_N,
        verdict=_verdict(drifts, len(reference), len(recent), min_recent),
        attributes=drifts[:max_attributes],
        truncated=len(drifts) > max_attributes,
    )
