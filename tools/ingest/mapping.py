"""Map the headers of an export to canonical fields.

Each header is normalised and looked up among the synonyms of :mod:`.fields`: first as it is, then
without a vendor prefix ("Company Country" -> "country"), then by a close spelling ("Anual
Revenue"). When several headers claim one field, the most specific wins (exact before prefix before
fuzzy; an earlier synonym before a later one) and the others stay as unmapped columns. The caller's
overrides always win.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pandas as pd

from icp_assistant.tools.core.errors import ColumnError, OptionError, listing
from icp_assistant.tools.core.fields import FIELD_BY_NAME, VENDOR_PREFIXES, Table, fields_for, normalize_header

Match = Literal["override", "exact", "prefix", "fuzzy"]
_RANK: dict[Match, int] = {"override": 0, "exact": 1, "prefix": 2, "fuzzy": 3}

# Units written in a header: "Revenue (in 000s USD)", "Revenue ($M)", "ARR (USD millions)".
_UNIT_PATTERNS: tuple[tuple[str, float], ...] = (
    (r"\b(000s|thousands?|in k|k usd|usd k|keur|k eur)\b|\(k\)|\$k\b", 1e3),
    (r"\b(millions?|mm|mio|usd m|m usd|in m|eur m)\b|\(m\)|\$m\b|\(\$ ?m\)", 1e6),
    (r"\b(billions?|bn|mrd)\b|\(b\)|\$b\b", 1e9),
)


@dataclass(frozen=True)
class ColumnMatch:
    """How one canonical field was found."""

    field: str
    column: str
    match: Match
    unit_scale: float = 1.0  # multiply parsed values by this (from a unit written in the header)


@dataclass(frozen=True)
class HeaderMapping:
    """The result of mapping one table's headers."""

    matches: dict[str, ColumnMatch]  # canonical field -> match
    unmapped: list[str]  # source columns no field claimed, in file order
    notes: list[str] = dataclasses.field(default_factory=list)  # matches taken back because the values did not fit

    def column_for(self, field: str) -> str | None:
        match = self.matches.get(field)
        return match.column if match else None


ANNUAL_FIELDS = {"annual_revenue", "contract_value"}


def header_unit_scale(header: str, field: str | None = None) -> float:
    """The multiplier a header's unit implies: ``"Revenue (in 000s USD)"`` -> 1000.

    A monthly figure mapped to an annual field ("declared_monthly_revenue") is multiplied by 12 too.
    """
    text = str(header).lower()
    scale = 1.0
    for pattern, multiplier in _UNIT_PATTERNS:
        if re.search(pattern, text):
            scale = multiplier
            break
    if field in ANNUAL_FIELDS and re.search(r"monthly|per month|\bmrr\b", text):
        scale *= 12
    return scale


def _strip_units(normalized: str) -> str:
    text = re.sub(r"\b(in )?(000s|thousands?|millions?|billions?|mio|mm|usd|eur|gbp|k|m|bn)\b", " ", normalized)
    return re.sub(r"\s+", " ", text).strip()


def _strip_prefix(normalized: str) -> str | None:
    for prefix in VENDOR_PREFIXES:
        if normalized.startswith(prefix + " ") and len(normalized) > len(prefix) + 1:
            return normalized[len(prefix) + 1 :]
    return None


@lru_cache(maxsize=4096)
def _claims(header: str, table: Table) -> tuple[tuple[int, int, str], ...]:
    """:func:`_candidates`, worked out and kept per header (``__wrapped__``: worked out without keeping it)."""
    normalized = normalize_header(header)
    forms: list[tuple[Match, str]] = [("exact", normalized)]
    unitless = _strip_units(normalized)
    if unitless and unitless != normalized:
        forms.append(("exact", unitless))
    stripped = _strip_prefix(unitless or normalized)
    while stripped:
        forms.append(("prefix", stripped))
        stripped = _strip_prefix(stripped)
    found: list[tuple[int, int, str]] = []
    for spec in fields_for(table):
        for match, form in forms:
            if form in spec.synonyms:
                found.append((_RANK[match], spec.synonyms.index(form), spec.name))
                break
        else:
            close = difflib.get_close_matches(normalized, spec.synonyms, n=1, cutoff=0.88)
            if close and len(normalized) >= 5:
                found.append((_RANK["fuzzy"], spec.synonyms.index(close[0]), spec.name))
    if any(rank < _RANK["fuzzy"] for rank, _, _ in found):  # a real match beats any near-spelling
        found = [claim for claim in found if claim[0] < _RANK["fuzzy"]]
    return tuple(sorted(found))


_CACHED_HEADER = 200  # characters: a longer header is not kept


def _candidates(header: str, table: Table) -> tuple[tuple[int, int, str], ...]:
    """(match rank, synonym rank, field) for every field this header could be. Kept per header of usual length:
    the near-spelling test against every synonym is most of the mapping's time (a prospect's 65 fields: 0.12 s),
    and one product's exports and prospects repeat the same headers."""
    return _claims(header, table) if len(header) <= _CACHED_HEADER else _claims.__wrapped__(header, table)


def _resolve_overrides(
    columns: Sequence[str], overrides: Mapping[str, str | None], table: Table
) -> dict[str, str | None]:
    """Normalise caller overrides to ``{field: column or None}``; accepts either direction."""
    valid_fields = [f.name for f in fields_for(table)]
    resolved: dict[str, str | None] = {}
    for key, value in overrides.items():
        if key in FIELD_BY_NAME and FIELD_BY_NAME[key].table == table:
            field, column = key, value
        elif key in columns and value in valid_fields:
            field, column = str(value), key
        else:
            raise OptionError(
                f"Mapping entry {key!r}: {value!r} names no {table} field. Use {{field: column}} with a "
                f"field from: {listing(valid_fields)}."
            )
        if column not in (None, "") and column not in columns:
            raise ColumnError(
                f"Mapping {field!r} -> {column!r}: there is no column {column!r} in the {table} file. "
                f"Columns are: {listing(columns)}."
            )
        resolved[field] = column or None
    return resolved


def map_headers(
    columns: Sequence[str],
    table: Table = "accounts",
    overrides: Mapping[str, str | None] | None = None,
) -> HeaderMapping:
    """Map ``columns`` to canonical fields of ``table``.

    ``overrides`` maps a canonical field to a column (or to ``None`` to leave the field unmapped);
    ``{column: field}`` is accepted too.
    """
    columns = [str(c) for c in columns]
    forced = _resolve_overrides(columns, overrides or {}, table)
    matches: dict[str, ColumnMatch] = {}
    for field, column in forced.items():
        if column is not None:
            matches[field] = ColumnMatch(field, column, "override", header_unit_scale(column, field))
    taken = {m.column for m in matches.values()}
    claims: list[tuple[int, int, int, str, str]] = []
    for position, column in enumerate(columns):
        if column in taken:
            continue
        for rank, synonym_rank, field in _candidates(column, table):
            if field not in forced:
                claims.append((rank, synonym_rank, position, field, column))
    for rank, _, _, field, column in sorted(claims):
        if field in matches or column in taken:
            continue
        match: Match = "exact" if rank == _RANK["exact"] else "prefix" if rank == _RANK["prefix"] else "fuzzy"
        matches[field] = ColumnMatch(field, column, match, header_unit_scale(column, field))
        taken.add(column)
    unmapped = [c for c in columns if c not in taken]
    ordered = {f.name: matches[f.name] for f in fields_for(table) if f.name in matches}
    return HeaderMapping(ordered, unmapped)


NUMERIC_KINDS = ("number", "money", "percent", "year")
MIN_FIT = 0.5  # at least half of the filled cells must read as the field's kind


def _first_filled(values: pd.Series, count: int) -> pd.Series:
    """The first ``count`` cells with text (as text, trimmed), in row order; read from the top of the column in
    growing slices, not all of a million-row column."""
    size = 4 * count
    while True:
        cells = values.iloc[:size].dropna().astype(str).str.strip()
        filled = cells[cells != ""]
        if len(filled) >= count or size >= len(values):
            return filled.head(count)
        size *= 8


def _fits(field: str, values: pd.Series) -> str | None:
    """Why the values of a column do not fit ``field`` (None when they do, or when too few to tell)."""
    from icp_assistant.tools.core.values.number_series import parse_number_series

    filled = _first_filled(values, 500)
    if len(filled) < 10:
        return None
    kind = FIELD_BY_NAME[field].kind
    examples = ", ".join(repr(v) for v in filled.drop_duplicates().head(3))
    if kind in NUMERIC_KINDS:
        numbers = parse_number_series(filled.reset_index(drop=True))["value"]
        if numbers.notna().mean() < MIN_FIT:
            return f"its values ({examples}) are not numbers"
    if field == "name" and filled.nunique() <= 10 and filled.nunique() * 5 < len(filled):
        return f"it holds only {filled.nunique()} repeated values ({examples}), not company names"
    return None


def fit_values(
    frame: pd.DataFrame, mapping: HeaderMapping, keep: Collection[str] = ()
) -> tuple[HeaderMapping, list[str]]:
    """Take back a match whose values do not fit the field: the column stays an attribute under its own name.
    Fields in ``keep`` (the user's own mapping) are never taken back."""
    matches = dict(mapping.matches)
    unmapped = list(mapping.unmapped)
    notes = []
    for field, match in mapping.matches.items():
        if field in keep or match.column not in frame:
            continue
        reason = _fits(field, frame[match.column])
        if reason is not None:
            del matches[field]
            unmapped.append(match.column)
            notes.append(f"Column {match.column!r} kept under its own name, not read as {field}: {reason}.")
    order = {c: i for i, c in enumerate(frame.columns)}
    return HeaderMapping(matches, sorted(unmapped, key=lambda c: order.get(c, len(order)))), notes
