"""The companies and deals frames, clean (typed) or messy (text as exported)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .deals import _Deals
from .firmographics import _Accounts, _tech_text
from .helpers import _date_text, _dates, _format_unique, _series, _take, _Window
from .messy import (
    _duplicate_rows,
    _Mess,
    _messy_country,
    _messy_domains,
    _messy_employees,
    _messy_industry,
    _messy_references,
    _messy_revenue,
    _rows,
)
from .names import _company_names, _domains
from .vocab import (
    ACCOUNT_COLUMNS,
    COLORS,
    COUNTRIES,
    DEAL_COLUMNS,
    DEAL_KINDS,
    INDUSTRIES,
    LIFECYCLE,
    NOTES,
    OWNERS,
    PIPELINES,
    STAGES,
)


def _common_columns(acc: _Accounts, window: _Window, mess: _Mess | None) -> dict[str, Any]:
    names = _company_names(acc)
    tech = _tech_text(acc.tech)
    columns: dict[str, Any] = {
        "Record ID": acc.ids,
        "Company name": names,
        "Company Domain Name": _domains(acc),
        "Industry": _take(INDUSTRIES, acc.industry),
        "Number of Employees": acc.employees,
        "Annual Revenue": acc.revenue,
        "Country/Region": _take([c.name for c in COUNTRIES], acc.country),
        "City": _take([city for c in COUNTRIES for city in c.cities], acc.city),
        "Year Founded": acc.founded,
        "Company owner": _take(OWNERS, acc.owner),
        "Create Date": _dates(window, acc.create_day, acc.create_minute),
        "Web Technologies": tech,
    }
    if mess is not None:
        columns.update(_messy_common(mess, acc, window, columns))
    return columns


def _messy_common(mess: _Mess, acc: _Accounts, window: _Window, clean: dict[str, Any]) -> dict[str, Any]:
    return {
        "Company Domain Name": _messy_domains(mess, clean["Company Domain Name"]),
        "Industry": _messy_industry(mess, acc.industry),
        "Number of Employees": _messy_employees(mess, acc.employees),
        "Annual Revenue": _messy_revenue(mess, acc.revenue, acc.country),
        "Country/Region": _messy_country(mess, acc.country),
        "City": mess.sprinkle("City", clean["City"]),
        "Year Founded": mess.sprinkle("Year Founded", _format_unique(acc.founded, str)),
        "Company owner": mess.sprinkle("Company owner", clean["Company owner"], ("",)),
        "Create Date": _date_text(window, acc.create_day, "%Y-%m-%d", acc.create_minute),
        "Web Technologies": mess.sprinkle("Web Technologies", clean["Web Technologies"]),
    }


def _outcome_columns(acc: _Accounts, window: _Window, messy: bool) -> dict[str, Any]:
    if messy:
        since = _date_text(window, acc.customer_day, "%m/%d/%Y")
        churn = _date_text(window, acc.churn_day, "%Y-%m-%d")
    else:
        since, churn = _dates(window, acc.customer_day), _dates(window, acc.churn_day)
    return {
        "Lifecycle Stage": _take(LIFECYCLE, acc.lifecycle),
        "Became a Customer Date": since,
        "Churn Date": churn,
        "NPS": pd.Series(acc.nps).astype("Int64").array,
    }


def _accounts_frame(
    acc: _Accounts, window: _Window, mess: _Mess | None, columns: Sequence[str] = ACCOUNT_COLUMNS
) -> pd.DataFrame:
    data = _common_columns(acc, window, mess)
    if "Lifecycle Stage" in columns:
        data.update(_outcome_columns(acc, window, mess is not None))
    data["Favorite Color"] = _take(COLORS, acc.color)
    data["Lead Score (random)"] = acc.lead_score
    data["Internal Notes"] = _take(NOTES, acc.note)
    if mess is not None:
        rows = _duplicate_rows(mess, len(acc))
        data = {name: _rows(data[name], rows) for name in columns}
    return pd.DataFrame({name: _series(data[name]) for name in columns})


def _deals_frame(deals: _Deals, acc: _Accounts, window: _Window, mess: _Mess | None) -> pd.DataFrame:
    names = _company_names(acc)
    company = names.take(pa.array(deals.account))
    kind = _take(DEAL_KINDS, deals.kind)
    amount = pd.array(deals.amount, dtype="Int64")
    data: dict[str, Any] = {
        "Deal ID": deals.ids,
        "Deal Name": pc.binary_join_element_wise(company, kind, " - "),
        "Associated Company": company,
        "Deal Stage": _take(STAGES, deals.stage),
        "Amount": amount,
        "Create Date": _dates(window, deals.create_day, deals.create_minute),
        "Close Date": _dates(window, deals.close_day),
        "Deal owner": _take(OWNERS, deals.owner),
        "Pipeline": _take(PIPELINES, deals.pipeline),
    }
    if mess is not None:
        blank = mess.rng.random(len(amount)) < 0.02
        mess.counts["blank_amounts"] = int(blank.sum())
        data["Amount"] = pd.Series(deals.amount).astype("Int64").mask(blank).array
        data["Associated Company"] = _messy_references(mess, deals, acc, names)
        data["Create Date"] = _date_text(window, deals.create_day, "%Y-%m-%d", deals.create_minute)
        data["Close Date"] = _date_text(window, deals.close_day, "%m/%d/%Y")
        data["Deal owner"] = mess.sprinkle("Deal owner", data["Deal owner"], ("",))
    return pd.DataFrame({name: _series(data[name]) for name in DEAL_COLUMNS})
