"""Messiness like real exports: placeholders, ranges, aliases, money formats, duplicates, renamed
company references. Drawn from its own stream, so it never changes the underlying data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .deals import _Deals
from .firmographics import _Accounts
from .helpers import _format_unique, _pick, _take
from .vocab import (
    COUNTRIES,
    EMPLOYEE_BAND_EDGES,
    EMPLOYEE_BUCKETS,
    EUR_PER_USD,
    INDUSTRIES,
    LEGAL,
    PLACEHOLDERS,
    UNKNOWN_COMPANIES,
)


class _Mess:
    """Messiness drawn from its own stream, with counts of what was done."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.counts: dict[str, Any] = {"placeholder_cells": {}}

    def sprinkle(self, column: str, values: pa.Array, tokens: Sequence[str] = PLACEHOLDERS) -> pa.Array:
        """Replace ~3-5% of cells with placeholders ("", "-", "Select", "#N/A", ...)."""
        mask = self.rng.random(len(values)) < self.rng.uniform(0.03, 0.05)
        k = int(mask.sum())
        self.counts["placeholder_cells"][column] = k
        filler = _take(tokens, self.rng.integers(0, len(tokens), k))
        return pc.replace_with_mask(values, pa.array(mask), filler)

    def variant(self, weights: Sequence[float], n: int) -> np.ndarray:
        return _pick(self.rng, weights, n)


def _bucket_label(value: int) -> str:
    i = int(np.searchsorted(EMPLOYEE_BUCKETS, value, side="right")) - 1
    if i == len(EMPLOYEE_BUCKETS) - 1:
        return "10,000+"
    return f"{EMPLOYEE_BUCKETS[i]}-{EMPLOYEE_BUCKETS[i + 1] - 1}"


def _range_keeps_band(employees: np.ndarray) -> np.ndarray:
    """True where a range's midpoint is on the same side of the planted boundaries as the value."""
    lows = np.asarray(EMPLOYEE_BUCKETS)
    highs = np.append(lows[1:] - 1, lows[-1])
    i = np.searchsorted(lows, employees, side="right") - 1
    mid = (lows[i] + highs[i]) / 2
    edges = np.asarray(EMPLOYEE_BAND_EDGES)
    return np.searchsorted(edges, mid, side="right") == np.searchsorted(edges, employees, side="right")


def _fmt_employees(key: int) -> str:
    value, variant = divmod(key, 4)
    if variant == 1:
        return f"{value:,}"
    if variant == 2:
        return _bucket_label(value)
    return str(value)


def _messy_employees(mess: _Mess, employees: np.ndarray) -> pa.Array:
    variant = mess.variant((0.7, 0.2, 0.1), len(employees))
    variant = np.where((variant == 2) & ~_range_keeps_band(employees), 0, variant)
    mess.counts["employee_ranges"] = int((variant == 2).sum())
    text = _format_unique(employees * 4 + variant, _fmt_employees)
    return mess.sprinkle("Number of Employees", text, (*PLACEHOLDERS, "unknown"))


def _short_money(value: float, symbol: str, mio: bool) -> str:
    if mio:
        return f"{symbol}{value / 1e6:.1f} Mio".replace(".0 ", " ")
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"{symbol}{value / size:.1f}".removesuffix(".0") + suffix
    return f"{symbol}{value:.0f}"


def _fmt_revenue(key: int) -> str:
    value, variant = divmod(key, 4)
    if variant == 1:
        return f"{value:,}"
    if variant == 2:
        return _short_money(value, "$", mio=False)
    if variant == 3:
        return _short_money(round(value * EUR_PER_USD, -5), "€", mio=True)
    return str(value)


def _messy_revenue(mess: _Mess, revenue: np.ndarray, country: np.ndarray) -> pa.Array:
    variant = mess.variant((0.55, 0.2, 0.25), len(revenue))
    euro = np.array([c.euro for c in COUNTRIES])[country] & (revenue >= 1_000_000)
    variant = np.where(euro & (mess.rng.random(len(revenue)) < 0.4), 3, variant)
    mess.counts["revenue_in_eur"] = int((variant == 3).sum())
    text = _format_unique(revenue * 4 + variant, _fmt_revenue)
    return mess.sprinkle("Annual Revenue", text, PLACEHOLDERS)


def _messy_country(mess: _Mess, country: np.ndarray) -> pa.Array:
    spellings = [(i, name) for i, c in enumerate(COUNTRIES) for name in (c.name, *c.aliases)]
    offsets = np.array([next(j for j, (i, _) in enumerate(spellings) if i == k) for k in range(len(COUNTRIES))])
    n_alias = np.array([len(c.aliases) for c in COUNTRIES])[country]
    alias = np.where(mess.rng.random(len(country)) < 0.25, 1 + np.floor(mess.rng.random(len(country)) * n_alias), 0)
    mess.counts["country_aliases"] = int((alias > 0).sum())
    text = _take([name for _, name in spellings], offsets[country] + alias.astype(np.int64))
    return mess.sprinkle("Country/Region", text)


def _messy_industry(mess: _Mess, industry: np.ndarray) -> pa.Array:
    lower = mess.rng.random(len(industry)) < 0.02
    vocab = [*INDUSTRIES, *(i.lower() for i in INDUSTRIES)]
    mess.counts["industry_lower_case"] = int(lower.sum())
    return mess.sprinkle("Industry", _take(vocab, industry + len(INDUSTRIES) * lower))


def _messy_domains(mess: _Mess, domains: pa.Array) -> pa.Array:
    u = mess.rng.random(len(domains))
    www = pc.binary_join_element_wise(pa.scalar("www."), domains, "")
    https = pc.binary_join_element_wise(pa.scalar("https://www."), domains, "")
    text = pc.if_else(pa.array(u < 0.05), www, pc.if_else(pa.array(u > 0.97), https, domains))
    return mess.sprinkle("Company Domain Name", text, ("", "-"))


def _duplicate_rows(mess: _Mess, n: int) -> np.ndarray:
    """Row order with about 1% of rows appearing twice (exact duplicates), at random places."""
    k = round(0.01 * n)
    source = mess.rng.choice(n, size=k, replace=False) if k else np.empty(0, np.int64)
    places = np.sort(mess.rng.integers(0, n + 1, k))
    mess.counts["duplicate_rows"] = k
    return np.insert(np.arange(n), places, source)


def _rows(values: Any, rows: np.ndarray) -> Any:
    if isinstance(values, pa.Array):
        return values.take(pa.array(rows))
    return values[rows]


def _reference_variant(name: str, variant: int, legal: str) -> str:
    """A spelling of a company name that normalises to the same join key."""
    base = name.removesuffix(" " + legal) if legal else name
    options = (
        name.upper(),
        name.lower(),
        f" {base}  {legal}".rstrip() + " ",
        base,
        f"{base}, {legal.rstrip('.')}" if legal else base.upper(),
    )
    return options[variant]


def _messy_references(mess: _Mess, deals: _Deals, acc: _Accounts, names: pa.Array) -> pa.Array:
    n = len(deals.ids)
    u = mess.rng.random(n)
    variant = mess.rng.integers(0, 5, n)
    unknown_pick = mess.rng.integers(0, len(UNKNOWN_COMPANIES), n)
    refs = names.take(pa.array(deals.account)).to_numpy(zero_copy_only=False).astype(object)
    renamed, unknown = u < 0.015, (u >= 0.015) & (u < 0.02)
    legal = np.asarray(LEGAL, dtype=object)[acc.legal[deals.account]]
    for i in np.flatnonzero(renamed):
        refs[i] = _reference_variant(refs[i], int(variant[i]), legal[i])
    refs[unknown] = np.asarray(UNKNOWN_COMPANIES, dtype=object)[unknown_pick[unknown]]
    mess.counts["renamed_company_references"] = int(renamed.sum())
    mess.counts["unknown_company_references"] = int(unknown.sum())
    return pa.array(refs, type=pa.string())
