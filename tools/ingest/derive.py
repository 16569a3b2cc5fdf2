"""Fields derived from the cleaned ones: size bands, company age, country and region.

Size bands follow Gartner as quoted in the ICP guides: small business < 100 employees (or < $50M
revenue), midsize 100-999 employees ($50M to < $1B), large 1,000+ employees ($1B+). Employees
decide when known; revenue fills in where employees are missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from icp_assistant.tools.core.geo import normalize_countries

SIZE_BANDS = ("Small (<100)", "Midsize (100-999)", "Large (1,000+)")
EMPLOYEE_BANDS = (
    (10, "1-10"),
    (50, "11-50"),
    (200, "51-200"),
    (500, "201-500"),
    (1000, "501-1,000"),
    (5000, "1,001-5,000"),
    (10000, "5,001-10,000"),
    (np.inf, "10,001+"),
)
REVENUE_SCALES = ((5.0, 1e6, "millions"), (5000.0, 1e3, "thousands"))


@dataclass
class Derivation:
    """What was derived, for the dataset card."""

    fields: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unknown_countries: list[str] = field(default_factory=list)
    revenue_scale: float = 1.0  # annual revenue multiplied by this (written in millions or thousands)


def size_band(employees: pd.Series, revenue: pd.Series | None) -> pd.Series:
    """Gartner size band from employees, else from annual revenue (USD)."""
    by_employees = pd.cut(employees, [-np.inf, 99.5, 999.5, np.inf], labels=SIZE_BANDS)
    band = by_employees.astype("object")
    if revenue is not None:
        by_revenue = pd.cut(revenue, [-np.inf, 50e6, 1e9, np.inf], labels=SIZE_BANDS, right=False)
        band = band.where(band.notna(), by_revenue.astype("object"))
    return band.where(band.notna(), None)


def employee_band(employees: pd.Series) -> pd.Series:
    """LinkedIn-style headcount band ("51-200")."""
    edges = [-np.inf] + [edge + 0.5 if np.isfinite(edge) else edge for edge, _ in EMPLOYEE_BANDS]
    labels = [label for _, label in EMPLOYEE_BANDS]
    band = pd.cut(employees, edges, labels=labels).astype("object")
    return band.where(band.notna(), None)


def infer_revenue_scale(revenue: pd.Series, employees: pd.Series) -> tuple[float, str] | None:
    """Detect revenue written in millions or thousands from revenue per employee.

    Companies earn roughly $50k-$1M per employee; a median of 0.4 per employee means the column is in
    millions. Needs at least 10 rows with both values; returns (multiplier, unit word) or None.
    """
    both = revenue.notna() & employees.notna() & (employees > 0) & (revenue > 0)
    if both.sum() < 10:
        return None
    ratio = float((revenue[both] / employees[both]).median())
    for limit, scale, word in REVENUE_SCALES:
        if ratio < limit:
            return scale, word
    return None


def derive_account_fields(
    frame: pd.DataFrame, revenue_scaled_by_header: bool, revenue_scale: float | None = None
) -> Derivation:
    """Add derived columns to ``frame`` in place and say what was done. ``revenue_scale``: the revenue unit already
    found on the first rows of the same file (:attr:`Derivation.revenue_scale`), applied instead of guessed again."""
    info = Derivation()
    _revenue_units(frame, info, revenue_scaled_by_header, revenue_scale)
    if "mrr" in frame and "contract_value" not in frame:
        frame["contract_value"] = frame["mrr"] * 12
        info.fields.append("contract_value")
        info.notes.append("contract_value = mrr x 12 (no annual contract value column)")
    employees = frame.get("employee_count")
    revenue = frame.get("annual_revenue")
    if employees is not None or revenue is not None:
        empty = pd.Series(np.nan, index=frame.index)
        frame["size_band"] = size_band(employees if employees is not None else empty, revenue)
        info.fields.append("size_band")
    if employees is not None:
        frame["employee_band"] = employee_band(employees)
        info.fields.append("employee_band")
    if "founded_year" in frame:
        year = dt.date.today().year
        frame["company_age"] = (year - frame["founded_year"]).clip(lower=0)
        info.fields.append("company_age")
        info.notes.append(f"company_age in years as of {year}")
    _geography(frame, info)
    return info


def _revenue_units(frame: pd.DataFrame, info: Derivation, scaled_by_header: bool, known: float | None) -> None:
    if scaled_by_header or "annual_revenue" not in frame or "employee_count" not in frame or known == 1:
        return
    words = {scale: word for _, scale, word in REVENUE_SCALES}
    found = (
        (known, words[known])
        if known is not None
        else infer_revenue_scale(frame["annual_revenue"], frame["employee_count"])
    )
    if found is None:
        return
    scale, word = found
    info.revenue_scale = scale
    for column in ("annual_revenue", "annual_revenue_low", "annual_revenue_high"):
        if column in frame:
            frame[column] = frame[column] * scale
    info.notes.append(
        f"annual_revenue looks like it is in {word} (revenue per employee would be implausibly low): "
        f"multiplied by {scale:,.0f}. Pass revenue_unit=1 to keep the values as they are"
    )


def _geography(frame: pd.DataFrame, info: Derivation) -> None:
    if "country" not in frame:
        return
    names, regions, unknown = normalize_countries(frame["country"])
    written = frame["country"]
    if not (written.dtype == "str" and names.dtype == "str"):  # Arrow strings compare as they are, in Arrow
        written = written.astype("object")
    changed = int((names.notna() & (names != written)).sum())
    frame["country"] = names
    info.unknown_countries = unknown
    if changed:
        info.notes.append(f"{changed:,} country values written as codes, aliases or typos were normalised")
    if "region" not in frame:
        frame["region"] = regions
        info.fields.append("region")
        info.notes.append("region (North America / LATAM / EMEA / APAC) derived from country")
