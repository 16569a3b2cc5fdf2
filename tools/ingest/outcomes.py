"""Account outcomes when there is no deals file: from status / lifecycle columns and churn dates.

``outcome`` is won (became a customer), lost, open or missing; ``churned`` is True / False for
customers when churn information exists, missing otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd

from icp_assistant.tools.core.errors import ColumnError, OptionError, listing
from icp_assistant.tools.core.values import is_placeholder

from .schemas import OutcomeSpec

CUSTOMER = {
    "customer",
    "customers",
    "active customer",
    "client",
    "active",
    "won",
    "closed won",
    "evangelist",
    "paying",
    "paid",
    "subscriber (paid)",
    "renewed",
    "expansion",
}
CHURNED = {
    "churned",
    "churn",
    "former customer",
    "ex customer",
    "ex-customer",
    "cancelled",
    "canceled",
    "inactive customer",
    "lapsed",
    "lost customer",
    "did not renew",
    "non renewal",
}
LOST = {
    "lost",
    "closed lost",
    "disqualified",
    "unqualified",
    "bad fit",
    "rejected",
    "not a fit",
    "dead",
    "no decision",
}
OPEN = {
    "lead",
    "subscriber",
    "marketing qualified lead",
    "mql",
    "sales qualified lead",
    "sql",
    "opportunity",
    "prospect",
    "new",
    "open",
    "in progress",
    "engaged",
    "target",
    "pipeline",
}


def _key(value: object) -> str:
    return " ".join(str(value).lower().replace("_", " ").split())


def status_outcome(value: object) -> tuple[str | None, bool | None]:
    """(outcome, churned) for one lifecycle / status label."""
    key = _key(value)
    if key in CHURNED:
        return "won", True
    if key in CUSTOMER or key.endswith(" customer"):
        return "won", False
    if key in LOST:
        return "lost", None
    if key in OPEN:
        return "open", None
    return None, None


_OUTCOMES = np.array([None, "won", "lost", "open"], dtype=object)  # outcome codes 0-3 (0: unknown)


def outcomes_from_accounts(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, str]:
    """Account outcome and churn from lifecycle_stage / churn_date / customer_since columns (worked out on codes:
    each lifecycle label is read once)."""
    outcome = np.zeros(len(frame), dtype=np.int8)
    churned, known = np.zeros(len(frame), dtype=bool), np.zeros(len(frame), dtype=bool)
    sources = []
    if "lifecycle_stage" in frame:
        codes, labels = pd.factorize(frame["lifecycle_stage"])
        read = [status_outcome(label) for label in labels]
        outcome = np.array([*(_OUTCOMES.tolist().index(o) for o, _ in read), 0], dtype=np.int8)[codes]
        churned = np.array([*(c is True for _, c in read), False])[codes]
        known = np.array([*(c is not None for _, c in read), False])[codes]
        if outcome.any():
            sources.append("lifecycle_stage")
    if "customer_since" in frame:
        became = frame["customer_since"].notna().to_numpy(dtype=bool) & (outcome == 0)
        outcome[became] = 1
        if became.any():
            sources.append("customer_since")
    if "churn_date" in frame:
        has_churn = frame["churn_date"].notna().to_numpy(dtype=bool)
        churned, known = churned | has_churn, known | has_churn
        outcome[has_churn & (outcome == 0)] = 1
        retained = (outcome == 1) & ~has_churn & ~known
        churned, known = churned & ~retained, known | retained
        sources.append("churn_date")
    known &= outcome == 1
    churn = pd.Series(pd.arrays.BooleanArray(churned & known, ~known), index=frame.index)
    return pd.Series(_OUTCOMES[outcome], index=frame.index, dtype="object"), churn, " + ".join(sources) or "none"


# -- An outcome the user names: a column and the values that count as success -------------------------------

OUTCOME_NAME = re.compile(
    r"^(y|target|label|class|outcome|result|status|converted|conversion|churn(ed)?|exited|won|default(ed)?|"
    r"bankrupt(cy)?|closed?|success(ful)?|.*_(status|outcome|result|flag))$",
    re.IGNORECASE,
)
GOOD = ("yes", "y", "true", "1", "won", "win", "converted", "success", "paid", "p i f", "active", "retained")
BAD_WORDS = re.compile(r"churn|exit|default|bankrupt|cancel|attrit", re.IGNORECASE)
TRUE_WORDS = {"true", "t", "yes", "y", "1"}
FALSE_WORDS = {"false", "f", "no", "n", "0"}


def outcome_token(value: object) -> str | None:
    """One spelling per value: trimmed, case-folded; 1, 1.0 and '1' alike; True and 'true' alike."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    text = " ".join(str(value).split()).casefold()
    if not text:
        return None
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else repr(number)


def _spec_tokens(values: list[str], boolean: bool) -> set[str]:
    tokens = {t for t in (outcome_token(v) for v in values) if t is not None}
    if boolean:  # a column read as True/False: 'yes', 'Y', '1' mean True
        tokens = {"true" if t in TRUE_WORDS else "false" if t in FALSE_WORDS else t for t in tokens}
    return tokens


def _column_of(frame: pd.DataFrame, column: str) -> str:
    if column in frame:
        return column
    folded = {str(c).strip().casefold(): c for c in frame.columns}
    if column.strip().casefold() in folded:
        return str(folded[column.strip().casefold()])
    raise ColumnError(
        f"Outcome column {column!r} is not in the file. Columns are: {listing(frame.columns, 40)}. "
        "Pass outcome={'column': '<one of them>', 'success': [...]}."
    )


def _top_values(tokens: pd.Series) -> str:
    counts = tokens.value_counts().head(8)
    return ", ".join(f"{k!r} ({v:,})" for k, v in counts.items())


def apply_outcome(frame: pd.DataFrame, spec: OutcomeSpec) -> tuple[pd.Series, str, str]:
    """('won' / 'lost' / None per row, the column used, the outcome in words for the card)."""
    column = _column_of(frame, spec.column)
    series = frame[column]
    boolean = pd.api.types.is_bool_dtype(series)
    success = _spec_tokens(spec.success, boolean)
    failure = _spec_tokens(spec.failure, boolean) if spec.failure is not None else None
    named = success | (failure or set())
    tokens = series.map(outcome_token)
    tokens = tokens.where(~(series.map(is_placeholder) & ~tokens.isin(named)), None)  # 'N/A' is missing, not failure
    if failure is not None and success & failure:
        raise OptionError(f"Outcome values {sorted(success & failure)} are listed as both success and failure.")
    won = tokens.isin(success)
    if not won.any():
        raise OptionError(
            f"No value of {column!r} matches success={spec.success}. Its values are: {_top_values(tokens)}. "
            "Pass the success values as they appear in the file."
        )
    lost = tokens.isin(failure) if failure is not None else tokens.notna() & ~won
    outcome = pd.Series(None, index=frame.index, dtype="object").mask(lost, "lost").mask(won, "won")
    return outcome, column, _in_words(column, series, won, lost, spec)


def _in_words(column: str, series: pd.Series, won: pd.Series, lost: pd.Series, spec: OutcomeSpec) -> str:
    shown = lambda values: " / ".join(repr(v) for v in values)  # noqa: E731
    failure = shown(spec.failure) if spec.failure is not None else "any other value"
    missing = int(series.isna().sum())
    other = int((~won & ~lost).sum()) - missing
    text = f"outcome: {column} — {shown(spec.success)} = success ({int(won.sum()):,}), "
    text += f"{failure} = failure ({int(lost.sum()):,})"
    if other:
        text += f", {other:,} other values not counted"
    return text + (f", {missing:,} missing" if missing else "")


def _good_level(column: str, levels: list[str]) -> tuple[str, bool]:
    """The level to call success, and whether the column names the bad outcome (churn, default, class=1...)."""
    bad_named = bool(BAD_WORDS.search(column)) or column.strip().lower() == "class"
    if bad_named:
        return next((t for t in levels if t in FALSE_WORDS), levels[-1]), True
    return next((t for t in GOOD if t in levels), levels[0]), False


STRONG = {"y", "target", "label", "outcome", "converted", "conversion", "churn", "churned", "exited", "class", "won"}


def _rank(column: str, position: int) -> tuple[int, int]:
    """Plain outcome names first, then status-like ones; later columns first (the label is often last)."""
    key = column.strip().lower()
    return (0 if key in STRONG else 2 if key in ("default", "defaulted", "closed", "close") else 1, -position)


def outcome_named(columns: Iterable[Hashable]) -> list[Hashable]:
    """The columns named like an outcome ("y", "status", "churned", "deal_status"...), in their order."""
    return [c for c in columns if OUTCOME_NAME.match(str(c).strip())]


def propose_outcome(frame: pd.DataFrame, exclude: set[str]) -> str | None:
    """A column that looks like an outcome (named like one, 2-5 values), with the exact argument to pass. Only the
    columns :func:`outcome_named` picks are read."""
    named = [(c, i) for i, c in enumerate(outcome_named(frame.columns)) if c not in exclude]
    for column, _ in sorted(named, key=lambda pair: _rank(str(pair[0]), pair[1])):
        tokens = frame[column].map(outcome_token).dropna()
        levels = [str(t) for t in tokens.value_counts().index]
        if not 2 <= len(levels) <= 5:
            continue
        spelled = {outcome_token(v): str(v).strip() for v in frame[column].dropna().unique()[:50]}
        good, bad_named = _good_level(str(column), levels)
        success = spelled.get(good, good)
        note = ""
        if bad_named:
            note = f" ({column} names the bad outcome, so success is {success!r}; swap it if that is wrong)"
        return f'{column} looks like the outcome: pass outcome={{"column": "{column}", "success": ["{success}"]}}{note}'
    return None
