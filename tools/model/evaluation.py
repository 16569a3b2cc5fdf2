"""Does the ICP separate winners? The engine behind ``validate_icp``: on held-out rows (fit score 0-100, tier, won = 1
/ lost = 0), AUC with a bootstrap interval (by account when groups are given), top-decile and green lift, win rate per
tier with Wilson intervals, calibration, a logistic-regression baseline and a verdict that never overclaims."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from icp_assistant.tools.core.errors import InsufficientDataError, OptionError, listing
from icp_assistant.tools.core.stats import rate

from .review_schemas import Baseline, CalibrationBin, Evaluation, Tier, TierResult

if TYPE_CHECKING:  # sklearn is imported by the first evaluation: the server starts without it
    from sklearn.compose import ColumnTransformer

TIERS: tuple[Tier, ...] = ("green", "yellow", "red")
RESAMPLES = 500
MAX_BASELINE_ROWS = 200_000  # rows the logistic baseline is fitted on, and scored on (seeded samples above this)
MIN_TIER_ROWS = 5  # below this a tier's win rate is too noisy to order
MIN_SPLIT_ROWS = 20
WIDE_INTERVAL = 0.25  # an AUC interval wider than this on a small sample says nothing
TOP_VALUES = 20  # indicator columns kept per multi-valued column
MULTI_SEPARATOR = ";"
LIST_VALUE = re.compile(r"[^;\s](?:[^;]*[^;\s])?")  # one value of an "a; b" cell, trimmed
ONE_OUTCOME_FIX = "There is nothing to separate; validate on held-out rows with both won and lost deals."
NO_INTERVAL = "too few rows or accounts (10+) to put an interval on AUC"
Interval = tuple[float, float]
Split = tuple[np.ndarray, np.ndarray, str]  # train mask, test mask, description


def evaluate_scores(
    score: ArrayLike, tier: ArrayLike, outcome: ArrayLike, *, groups: ArrayLike | None = None, random_state: int = 0
) -> Evaluation:
    """How well held-out fit scores and tiers separate won (1) from lost (0) deals."""
    s, t, y = _clean_inputs(score, tier, outcome)
    codes = None if groups is None else _group_codes(groups, len(y))
    positives, rows = int(y.sum()), len(y)
    auc, interval = _auc(y, s, codes, random_state)
    tiers = [
        TierResult(
            tier=name,
            rows=len(part),
            win_rate=rate(int(part.sum()), len(part)) if len(part) else None,
            share_of_rows=round(len(part) / rows, 4),
            share_of_wins=round(int(part.sum()) / positives, 4) if positives else 0.0,
        )
        for name, part in ((name, y[t == name]) for name in TIERS)
    ]
    green, red = tiers[0].win_rate, tiers[2].win_rate
    rates = [x.win_rate.rate if x.win_rate and x.rows >= MIN_TIER_ROWS else None for x in tiers]
    top = s >= np.quantile(s, 0.9)
    result = Evaluation(
        rows=rows,
        positives=positives,
        base_rate=rate(positives, rows),
        auc=auc,
        auc_interval=interval,
        top_decile_lift=round(float(y[top].mean()) * rows / positives, 3) if positives and rows >= 10 else None,
        green_lift=round(green.rate * rows / positives, 3) if green and green.rate is not None and positives else None,
        tiers=tiers,
        tiers_ordered=None if None in rates else bool(rates[0] > rates[1] > rates[2]),  # type: ignore[operator]
        tiers_separate=green.low > red.high if green and red and green.low is not None and red.high else None,
        calibration=_calibration(s, y),
        small_sample=positives < 20 or rows - positives < 20 or rows < 60,
        verdict="",
    )
    if len(s) and np.ptp(s) == 0:
        verdict = "Uninformative: every row has the same score (the ICP has no criteria), so it cannot rank anyone."
        return result.model_copy(update={"verdict": verdict})
    return result.model_copy(update={"verdict": _verdict(result)})


def _clean_inputs(score: ArrayLike, tier: ArrayLike, outcome: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s = pd.to_numeric(pd.Series(np.ravel(score)), errors="coerce").to_numpy(dtype=float)
    t = pd.Series(np.ravel(np.asarray(tier, dtype=object))).astype(str).str.strip().str.lower().to_numpy()
    y = pd.to_numeric(pd.Series(np.ravel(outcome)), errors="coerce").to_numpy(dtype=float)
    if not len(s) == len(t) == len(y):
        raise OptionError(f"score, tier and outcome have {len(s)}, {len(t)}, {len(y)} values; pass one per row.")
    if len(s) == 0:
        raise InsufficientDataError("No rows to evaluate; pass held-out rows with a score, a tier and an outcome.")
    if not np.isfinite(s).all():
        raise OptionError(f"{(~np.isfinite(s)).sum()} rows have no numeric score; score them or drop them first.")
    if not np.isin(y, (0, 1)).all():
        raise OptionError(f"{(~np.isin(y, (0, 1))).sum()} outcomes are not 0/1; code won 1, lost 0, drop open deals.")
    if unknown := sorted(set(t) - {*TIERS, "unscored"}):
        raise OptionError(f"Unknown tiers {listing(unknown, 5)}; use one of {listing(TIERS)}.")
    return s, t, y.astype(int)


def _group_codes(groups: ArrayLike, rows: int) -> np.ndarray:
    codes, _ = pd.factorize(pd.Series(np.ravel(np.asarray(groups, dtype=object))))
    if len(codes) != rows:
        raise OptionError(f"groups has {len(codes)} values for {rows} rows; pass one account per row.")
    codes[codes < 0] = codes.max(initial=-1) + 1 + np.arange(int((codes < 0).sum()))  # no account: a group of its own
    return codes


def _auc(y: np.ndarray, s: np.ndarray, codes: np.ndarray | None, seed: int) -> tuple[float | None, Interval | None]:
    """AUC and its percentile 95% interval over resamples of rows, or of whole groups when ``codes`` is given."""
    if not 0 < y.sum() < len(y):
        return None, None
    if np.ptp(s) == 0:  # one score for every row: AUC 0.5 by construction, and no interval to speak of
        return 0.5, None
    codes = np.arange(len(y)) if codes is None else codes
    groups = int(codes.max()) + 1
    values = _bootstrap_aucs(y, s, codes, np.random.default_rng(seed))
    from sklearn.metrics import roc_auc_score

    auc = round(float(roc_auc_score(y, s)), 4)
    if len(values) < RESAMPLES // 5 or groups < 10:  # one outcome per resample, or too few accounts to vary
        return auc, None
    low, high = np.percentile(values, [2.5, 97.5])
    return auc, (round(float(low), 4), round(float(high), 4))


BLOCK_CELLS = 1_000_000  # resamples x rows per block: a block's eight or so arrays hold ~64 MB whatever the row count


def _bootstrap_aucs(y: np.ndarray, s: np.ndarray, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """AUC on each of ``RESAMPLES`` resamples of whole groups (drawn with replacement), vectorised.

    A resample is a count per group. The wins and losses of each group at each score level are tallied once (two
    sparse level x group matrices), so a block of resamples' wins and losses per level is one sparse product with
    their counts; AUC is then the Mann-Whitney statistic on those weighted counts (ties count half), exactly what
    ``roc_auc_score`` gives on the resampled rows. The draws are those of one ``rng.integers(0, groups, groups)`` per
    resample, in the same order as drawing them one by one. Resamples with only one outcome are left out."""
    from scipy.sparse import csr_matrix

    groups = int(codes.max()) + 1
    level = np.unique(s, return_inverse=True)[1]
    levels = int(level.max()) + 1
    won = y.astype(bool)

    def tally(rows: np.ndarray) -> csr_matrix:  # rows of each group at each level (duplicates summed)
        return csr_matrix((np.ones(int(rows.sum())), (level[rows], codes[rows])), shape=(levels, groups))

    wins, losses = tally(won), tally(~won)
    block = max(1, min(RESAMPLES, BLOCK_CELLS // max(groups, levels)))
    ones = np.ones(levels)
    values: list[np.ndarray] = []
    for done in range(0, RESAMPLES, block):
        size = min(block, RESAMPLES - done)
        draws = rng.integers(0, groups, (size, groups))
        draws *= size
        draws += np.arange(size)[:, None]  # group-major: the counts come out groups x resamples, rows contiguous
        counts = np.bincount(draws.ravel(), minlength=groups * size).reshape(groups, size).astype(float)
        positives, negatives = np.asarray(wins @ counts), np.asarray(losses @ counts)  # levels x resamples
        # sums down the levels as products with ones: a block is a few resamples wide, and numpy's own sum down
        # such a column is ten times slower. Every term is a multiple of 1/2 and every sum is below 2**52 (fewer
        # than 100M rows), so they are exact and any order of adding gives the same floats
        total_pos, total_neg = ones @ positives, ones @ negatives
        usable = (total_pos > 0) & (total_neg > 0)
        pairs = ones @ (positives * (np.cumsum(negatives, axis=0) - 0.5 * negatives))  # below + half the ties
        values.append(pairs[usable] / (total_pos[usable] * total_neg[usable]))
    return np.concatenate(values)


def _calibration(s: np.ndarray, y: np.ndarray) -> list[CalibrationBin]:
    bins = np.floor(5 * (pd.Series(s).rank(method="min").to_numpy() - 1) / len(s))  # quintiles; ties share a bin
    return [
        CalibrationBin(
            score_range=(float(part["s"].min()), float(part["s"].max())),
            rows=len(part),
            mean_score=round(float(part["s"].mean()), 2),
            observed=rate(int(part["y"].sum()), len(part)),
        )
        for _, part in pd.DataFrame({"s": s, "y": y, "bin": bins}).groupby("bin", sort=True)
    ]


def _verdict(ev: Evaluation) -> str:
    if ev.auc is None:
        return f"Cannot judge: all {ev.rows} rows are {'wins' if ev.positives else 'losses'}. {ONE_OUTCOME_FIX}"
    low, high = ev.auc_interval or (0.0, 1.0)
    if ev.auc_interval is None or (ev.small_sample and high - low > WIDE_INTERVAL):
        span = f"the interval on AUC is {low:.2f}-{high:.2f}" if ev.auc_interval else NO_INTERVAL
        return f"Too small to tell: {ev.positives} wins among {ev.rows} rows; {span}."
    auc = f"AUC {ev.auc:.2f} (95% CI {low:.2f}-{high:.2f})"
    small = " Small sample: treat as indicative." if ev.small_sample else ""
    if low <= 0.5 <= high:
        tiers = "green beats red, but the ranking overall does not" if ev.tiers_separate else "tiers do not separate"
        return f"No better than chance: {auc}; {tiers}.{small}"
    tiers = " vs ".join(
        f"{x.tier} wins {x.win_rate.rate:.0%} (n={x.rows})" if x.win_rate else f"no rows scored {x.tier}"
        for x in (ev.tiers[0], ev.tiers[2])
    )
    if high < 0.5:
        return f"Worse than chance: {auc}; the score ranks lost deals above won ones; {tiers}.{small}"
    strength = "weakly " if ev.auc < 0.6 else "modestly " if ev.auc < 0.7 else ""
    caveat = ", but the tiers are out of order (not green > yellow > red)" if ev.tiers_ordered is False else ""
    if not caveat and ev.tiers_separate is False:
        caveat = ", but the green and red intervals overlap"
    return f"The ICP {strength}separates winners: {auc}; {tiers}{caveat}.{small}"


def baseline_base_rate() -> Baseline:
    note = "Giving every account the same win probability ranks no one: AUC 0.5 by definition."
    return Baseline(name="base rate", auc=0.5, auc_interval=None, note=note)


def baseline_logistic(
    train_X: pd.DataFrame,
    train_y: ArrayLike,
    test_X: pd.DataFrame,
    test_y: ArrayLike,
    *,
    random_state: int = 0,
    train_rows: np.ndarray | None = None,
    test_rows: np.ndarray | None = None,
) -> Baseline:
    """Plain L2 logistic regression on the same features, scored by AUC on the test rows. ``train_rows`` /
    ``test_rows``: the positions to use when both sides are parts of one big frame (only the sampled rows are ever
    copied); default every row."""
    train_rows = np.arange(len(train_X)) if train_rows is None else train_rows
    test_rows = np.arange(len(test_X)) if test_rows is None else test_rows
    y_train = np.ravel(np.asarray(train_y, dtype=int))[train_rows]
    y_test = np.ravel(np.asarray(test_y, dtype=int))[test_rows]
    if missing := [c for c in train_X.columns if c not in test_X.columns]:
        raise OptionError(f"test_X lacks columns {listing(missing, 10)}; pass the same features on both sides.")
    if len(np.unique(y_train)) < 2:
        raise InsufficientDataError("The training rows are all one outcome; a baseline needs both wins and losses.")
    fitted = len(y_train)
    if fitted > MAX_BASELINE_ROWS:  # a seeded sample: more rows would not change the baseline's AUC
        keep = np.sort(np.random.default_rng(random_state).choice(fitted, MAX_BASELINE_ROWS, replace=False))
        train_rows, y_train = train_rows[keep], y_train[keep]
    train_X = train_X.iloc[train_rows]
    features, kinds = _prepare(train_X)
    levels = _levels(features, kinds)
    features = _coded(features, levels)
    if not kinds:
        raise InsufficientDataError("train_X has no usable feature columns; pass categories, lists or numbers.")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(_encoder(features, kinds), LogisticRegression(max_iter=2000))
    model.fit(features, y_train)
    columns = list(train_X.columns)
    del features, train_X  # the training side's text copies go before the test side's are made
    tested = len(y_test)
    if tested > MAX_BASELINE_ROWS:  # its AUC on a seeded sample of the test rows: the interval says how close
        keep = np.sort(np.random.default_rng(random_state + 1).choice(tested, MAX_BASELINE_ROWS, replace=False))
        test_rows, y_test = test_rows[keep], y_test[keep]
    predicted = model.predict_proba(_coded(_prepare(test_X[columns].iloc[test_rows], kinds)[0], levels))[:, 1]
    auc, interval = _auc(y_test, predicted, None, random_state)
    counts = ", ".join(f"{list(kinds.values()).count(kind)} {kind}" for kind in ("categorical", "multi", "numeric"))
    sampled = f" (fitted on a random {len(y_train):,})" if len(y_train) < fitted else ""
    note = f"L2 logistic regression on {len(kinds)} columns ({counts}); {fitted} train{sampled}, "
    note += f"{tested} test rows" + (f" (scored on a random {len(y_test):,})" if len(y_test) < tested else "")
    note += "; the test rows are all one outcome, so AUC is undefined." if auc is None else "."
    return Baseline(name="logistic regression", auc=auc, auc_interval=interval, note=note)


def _prepare(frame: pd.DataFrame, kinds: dict[str, str] | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Numbers as floats, categories and "a; b" lists as strings; ``kinds`` comes from the training frame."""
    kinds = {c: k for c, k in (kinds or {c: _kind(frame[c]) for c in frame.columns}).items() if k != "skip"}
    out = {
        c: pd.to_numeric(frame[c], errors="coerce").replace([np.inf, -np.inf], np.nan)
        if k == "numeric"
        else frame[c].astype("string").fillna("(missing)").astype(object)  # "(missing)" is a level / list value too
        for c, k in kinds.items()
    }
    return pd.DataFrame(out, index=frame.index), kinds


def _kind(column: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(column) or column.isna().all():
        return "skip"
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return "numeric"
    return "multi" if column.dropna().astype(str).str.contains(MULTI_SEPARATOR).mean() >= 0.01 else "categorical"


def _levels(features: pd.DataFrame, kinds: dict[str, str]) -> dict[str, np.ndarray]:
    """Each category column's training levels, sorted as the one-hot encoder sorts them."""
    return {c: np.sort(features[c].unique()) for c, k in kinds.items() if k == "categorical"}


def _coded(features: pd.DataFrame, levels: dict[str, np.ndarray]) -> pd.DataFrame:
    """Category columns as each cell's place among the training levels (-1: a level training never saw). The
    one-hot encoder then counts and matches integers, not Python strings (seconds less at 200,000 rows), and
    builds the same columns in the same order: the codes sort as the levels do, and an unseen level is unknown
    either way."""
    coded = {c: pd.Index(order).get_indexer(features[c]).astype(np.int64) for c, order in levels.items()}
    return features.assign(**coded) if coded else features


def _encoder(features: pd.DataFrame, kinds: dict[str, str]) -> ColumnTransformer:
    """log1p + median + standardise numbers; one-hot categories (rare pooled); indicators for the top list values."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    signed_log1p = FunctionTransformer(lambda v: np.sign(v) * np.log1p(np.abs(v)), feature_names_out="one-to-one")
    numbers = make_pipeline(signed_log1p, SimpleImputer(strategy="median"), StandardScaler())
    onehot = OneHotEncoder(min_frequency=max(5, len(features) // 100), handle_unknown="infrequent_if_exist")
    steps: list[tuple[str, object, object]] = [
        ("numeric", numbers, [c for c, k in kinds.items() if k == "numeric"]),
        ("categorical", onehot, [c for c, k in kinds.items() if k == "categorical"]),
    ]
    from .list_values import ListValues  # CountVectorizer's columns, each distinct cell split once

    steps += [(f"multi_{c}", ListValues(LIST_VALUE, TOP_VALUES), c) for c, k in kinds.items() if k == "multi"]
    return ColumnTransformer(steps)


def time_split(dates: pd.Series, *, test_share: float = 0.3) -> Split:
    """Train on older deals, test on the newest ``test_share`` (whole days); rows without a date go to train."""
    if not 0 < test_share < 1:
        raise OptionError(f"test_share {test_share} is not between 0 and 1; use e.g. 0.3 for a 30% test set.")
    parsed = pd.to_datetime(dates, errors="coerce")
    known = parsed.dropna().sort_values()
    if known.empty:
        raise InsufficientDataError("No dates could be read; pass the close-date column to split by time.")
    cutoff = known.iloc[min(int(len(known) * (1 - test_share)), len(known) - 1)].normalize()
    test = (parsed >= cutoff).to_numpy(dtype=bool)
    undated = f", incl. {parsed.isna().sum()} with no date" if parsed.isna().any() else ""
    return _split(test, "time", f"train: closed before {cutoff:%Y-%m-%d} (n={{}}{undated}), test: on/after (n={{}})")


def group_split(groups: pd.Series, *, test_share: float = 0.3, random_state: int = 0) -> Split:
    """Split by account (missing account: a group of its own) so no account sits on both sides."""
    if not 0 < test_share < 1:
        raise OptionError(f"test_share {test_share} is not between 0 and 1; use e.g. 0.3 for a 30% test set.")
    codes = _group_codes(groups, len(groups))
    if np.unique(codes).size < 2:
        raise InsufficientDataError("All rows belong to one account; a split by account needs at least two.")
    from sklearn.model_selection import GroupShuffleSplit

    splitter = GroupShuffleSplit(n_splits=1, test_size=test_share, random_state=random_state)
    test = np.isin(np.arange(len(codes)), next(splitter.split(np.zeros((len(codes), 1)), groups=codes))[1])
    accounts = np.unique(codes[~test]).size, np.unique(codes[test]).size
    return _split(
        test, "account", f"train: {accounts[0]} accounts (n={{}}), test: {accounts[1]} other accounts (n={{}})"
    )


def _split(test: np.ndarray, by: str, about: str) -> Split:
    """Both sides need MIN_SPLIT_ROWS rows; ``about`` gets the train and test row counts in its two ``{}``."""
    sizes = int((~test).sum()), int(test.sum())
    if min(sizes) < MIN_SPLIT_ROWS:
        raise InsufficientDataError(
            f"A split by {by} leaves {sizes[0]} train and {sizes[1]} test rows; each side needs {MIN_SPLIT_ROWS}+. "
            "Add rows or change test_share."
        )
    return ~test, test, about.format(*sizes)
