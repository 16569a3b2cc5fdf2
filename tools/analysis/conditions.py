"""Conditions on account columns, as data ({column, op, value}), never as code to evaluate."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from icp_assistant.tools.core.errors import OptionError

from .attributes import MULTI_SEPARATOR, resolve_column
from .schemas import Condition


def _as_number(value: object, condition: Condition) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise OptionError(
            f"Condition {condition.column} {condition.op} {value!r}: {condition.op} needs a number."
        ) from exc


def _one(frame: pd.DataFrame, condition: Condition, sources: Mapping[str, str] | None) -> pd.Series:
    column = resolve_column(frame, condition.column, sources)
    series = frame[column]
    op, value = condition.op, condition.value
    if op in (">", ">=", "<", "<="):
        numbers = pd.to_numeric(series, errors="coerce")
        limit = _as_number(value, condition)
        result = {">": numbers > limit, ">=": numbers >= limit, "<": numbers < limit, "<=": numbers <= limit}[op]
        return result.fillna(False).astype(bool)
    text = series.astype("object").where(series.notna(), None).map(lambda v: None if v is None else str(v))
    lowered = text.str.lower()
    if op in ("in", "not in"):
        wanted = {str(v).lower() for v in (value if isinstance(value, list) else [value])}
        found = lowered.isin(wanted)
        return (found if op == "in" else ~found & text.notna()).astype(bool)
    if op == "contains":
        parts = lowered.fillna("").str.split(MULTI_SEPARATOR)
        return parts.map(lambda items: str(value).lower() in items or False).astype(bool)
    equal = lowered.eq(str(value).lower()).fillna(False)
    if pd.api.types.is_numeric_dtype(series) and not isinstance(value, list):
        equal = pd.to_numeric(series, errors="coerce").eq(_as_number(value, condition)).fillna(False)
    return (equal if op == "==" else ~equal & series.notna()).astype(bool)


def condition_mask(
    frame: pd.DataFrame, conditions: list[Condition], sources: Mapping[str, str] | None = None, *, split: bool = True
) -> pd.Series:
    """Rows matching every condition. With ``split`` (comparisons), matching nobody or everybody is an error."""
    mask = pd.Series(True, index=frame.index)
    for condition in conditions:
        mask &= _one(frame, condition, sources)
    if not split:
        return mask
    if not mask.any():
        raise OptionError(
            f"No account matches {condition_text(conditions)}. Check the values (they are case-insensitive)."
        )
    if mask.all():
        raise OptionError(f"Every account matches {condition_text(conditions)}: there is no rest to compare with.")
    return mask


def condition_text(conditions: list[Condition]) -> str:
    return " and ".join(f"{c.column} {c.op} {c.value!r}" for c in conditions)
