"""The facts behind the ICP document: every number it shows, computed here and nowhere else.

The document templates only format these facts; a test checks every number in a rendered document
against them. Each section's facts say where they come from; what the data cannot tell (pains,
triggers, personas without contacts) is left to the templates as a hypothesis with questions.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from icp_assistant.tools.analysis.attributes import MULTI_SEPARATOR, add_bands
from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.fields import Kinds
from icp_assistant.tools.core.labels import field_label
from icp_assistant.tools.core.stats import rate, wilson
from icp_assistant.tools.model.icp import ICPVersion, score_rows

from .document_text import (
    Formats,
    criterion_text,
    excluded_text,
    gate_text,
    humanize,
    negative_text,
    segment_title,
    trait_text,
)

FIRMOGRAPHIC = (
    "industry",
    "size_band",
    "employee_band",
    "revenue_band",
    "region",
    "country",
    "ownership",
    "business_model",
    "age_band",
)
SIGNALS_NUMERIC = ("intent_score", "engagement_score", "web_visits", "job_openings", "employee_growth", "total_funding")
SIGNALS_CATEGORY = ("buying_stage", "funding_stage", "intent_topics")
TOP_VALUES, MIN_COUNT = 4, 5
PARTNER_LIFT = 1.2
REVIEW_DAYS = 91  # a quarter
MAX_EXCLUDED = 8
NEAR_ONE = 0.2  # a lift within 20% of 1 whose interval holds 1 says nothing about who buys
# What an ICP is usually told apart by: named as what to collect when the file lacks it.
WORTH_COLLECTING = (
    "industry",
    "employee_count",
    "annual_revenue",
    "country",
    "founded_year",
    "tech_stack",
    "ownership",
    "business_model",
    "funding_stage",
    "employee_growth",
    "lead_source",
    "intent_topics",
    "buying_stage",
)


def _rate(hits: int, n: int) -> dict[str, Any]:
    return rate(int(hits), int(n)).model_dump()


def _round(value: float, digits: int = 3) -> float:
    return float(round(float(value), digits))


def _values(series: pd.Series, multi: bool) -> pd.Series:
    values = series.dropna().astype(str)
    return values.str.split(MULTI_SEPARATOR).explode().str.strip() if multi else values


def _lift(count: int, n_won: int, share_all: float) -> dict[str, Any]:
    """Lift of a value among customers over all accounts, its interval (Wilson on the customers' share), and
    whether it says anything: a lift near 1 whose interval holds 1 does not."""
    if not share_all:
        return {"lift": None, "lift_low": None, "lift_high": None, "distinguishes": False}
    lift = count / n_won / share_all
    low, high = wilson(count, n_won) or (0.0, math.inf)
    lift_low, lift_high = low / share_all, high / share_all
    quiet = abs(lift - 1) < NEAR_ONE and lift_low <= 1 <= lift_high
    return {"lift": _round(lift, 2), "lift_low": _round(lift_low, 2), "lift_high": _round(lift_high, 2),
            "distinguishes": not quiet}  # fmt: skip


def mix(
    frame: pd.DataFrame, won: pd.Series, column: str, multi: bool = False, top: int | None = TOP_VALUES
) -> list[dict[str, Any]]:
    """The most common values among won customers (all with at least MIN_COUNT customers when ``top`` is None),
    with their share there and among all accounts, and the lift with its interval."""
    among_won = _values(frame.loc[won, column], multi)
    everyone = _values(frame[column], multi)
    n_won, n_all = int(frame.loc[won, column].notna().sum()), int(frame[column].notna().sum())
    if n_won < MIN_COUNT or n_all == 0:
        return []
    counts, all_counts = among_won.value_counts(), everyone.value_counts()
    counts = counts.head(top) if top is not None else counts[counts >= MIN_COUNT]
    rows = []
    for value, count in counts.items():
        share_won, share_all = count / n_won, all_counts.get(value, 0) / n_all
        rows.append({
            "attribute": column, "label": field_label(column), "value": str(value), "customers": int(count),
            "share_of_customers": _round(share_won), "share_of_accounts": _round(share_all),
            **_lift(int(count), n_won, share_all),
        })  # fmt: skip
    return rows


def firmographics(frame: pd.DataFrame, won: pd.Series) -> dict[str, Any]:
    """Values that tell customers apart from all accounts, highest lift first; the ones that say nothing
    (lift near 1, interval holding 1) are counted, not listed."""
    rows = [r for c in FIRMOGRAPHIC if c in frame for r in mix(frame, won, c, top=None)]
    telling = [r for r in rows if r["distinguishes"]]
    telling.sort(key=lambda r: (-(r["lift"] or 0.0), -r["customers"]))  # most over-represented first
    quiet = [r for r in rows if not r["distinguishes"]]
    return {"rows": telling, "quiet": quiet, "omitted": len(quiet), "compared": len(rows),
            "attributes": [field_label(c) for c in FIRMOGRAPHIC if c in frame]}  # fmt: skip


def technographics(frame: pd.DataFrame, won: pd.Series) -> list[dict[str, Any]]:
    return mix(frame, won, "tech_stack", multi=True, top=None) if "tech_stack" in frame else []


def signals(frame: pd.DataFrame, won: pd.Series, lost: pd.Series, kinds: Kinds) -> list[dict[str, Any]]:
    """Buying signals in the data: medians among won and lost accounts (numbers), top value (categories)."""
    out: list[dict[str, Any]] = []
    for column in SIGNALS_NUMERIC:
        if column in frame and frame.loc[won, column].notna().sum() >= MIN_COUNT:
            values = pd.to_numeric(frame[column], errors="coerce")
            out.append({
                "signal": column, "label": field_label(column), "money": kinds.get(column) == "money",
                "won_median": _round(values[won].median(), 2),
                "won_n": int(values[won].notna().sum()),
                "lost_median": _round(values[lost].median(), 2) if values[lost].notna().any() else None,
                "lost_n": int(values[lost].notna().sum()),
            })  # fmt: skip
    for column in SIGNALS_CATEGORY:
        if column in frame and (rows := mix(frame, won, column, multi=column == "intent_topics")):
            out.append({"signal": column, "label": field_label(column), "top_values": rows})
    return out


def budget(dataset: Dataset) -> dict[str, Any] | None:
    """Won deal sizes: quartiles and count."""
    deals = dataset.deals
    if deals is None or "deal_amount" not in deals:
        return None
    amounts = pd.to_numeric(deals.loc[deals["outcome"].eq("won"), "deal_amount"], errors="coerce").dropna()
    if len(amounts) < MIN_COUNT:
        return None
    q25, q50, q75 = np.percentile(amounts, [25, 50, 75])
    return {"won_deals": len(amounts), "p25": _round(q25, 0), "median": _round(q50, 0), "p75": _round(q75, 0)}


def by_column_win_rates(deals: pd.DataFrame, column: str) -> list[dict[str, Any]]:
    closed = deals[deals["outcome"].isin(["won", "lost"]) & deals[column].notna()]
    rows: list[tuple[int, dict[str, Any]]] = []
    for value, part in closed.groupby(column, observed=True):
        if len(part) >= MIN_COUNT:
            won = int(part["outcome"].eq("won").sum())
            rows.append((len(part), {"value": str(value), "deals": len(part), "win_rate": _rate(won, len(part))}))
    return [row for _, row in sorted(rows, key=lambda r: -r[0])[:6]]


def use_cases(dataset: Dataset) -> list[dict[str, Any]]:
    deals = dataset.deals
    return by_column_win_rates(deals, "deal_product") if deals is not None and "deal_product" in deals else []


def channels(dataset: Dataset, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Win rate by lead source, from deals when they carry it, else from accounts."""
    if dataset.deals is not None and "lead_source" in dataset.deals:
        return by_column_win_rates(dataset.deals, "lead_source")
    if "lead_source" in frame and "outcome" in frame:
        return by_column_win_rates(frame, "lead_source")
    return []


def partners(tech: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Technologies clearly more common among customers than overall (lift at least 1.2, interval above 1):
    integration and marketplace candidates."""
    return [t for t in tech if t["lift"] is not None and t["lift"] >= PARTNER_LIFT and t["lift_low"] > 1
            and t["customers"] >= MIN_COUNT]  # fmt: skip


def tiers_among_accounts(icp: ICPVersion, frame: pd.DataFrame, won: pd.Series) -> dict[str, Any]:
    """How the ICP scores today's accounts and customers, and churn per tier among customers."""
    tiers = score_rows(icp, frame)["tier"]
    out: dict[str, Any] = {
        "accounts": {t: int(tiers.eq(t).sum()) for t in ("green", "yellow", "red", "unscored")},
        "customers": {t: int((tiers.eq(t) & won).sum()) for t in ("green", "yellow", "red")},
    }
    if "churned" in frame and frame.loc[won, "churned"].notna().any():
        churned = frame["churned"].astype("boolean")
        out["churn"] = {
            t: _rate((churned & won & tiers.eq(t)).sum(), (won & tiers.eq(t) & churned.notna()).sum())
            for t in ("green", "yellow", "red")
        }
    return out


def to_collect(dataset: Dataset) -> dict[str, Any]:
    """What the file lacks for an ICP to find signal: the usual fields it has no column for, and its closed
    outcomes (deals when it has them, else accounts)."""
    columns = set(dataset.accounts.columns) | (set(dataset.deals.columns) if dataset.deals is not None else set())
    band_of = {"employee_count": "employee_band", "annual_revenue": "revenue_band", "founded_year": "company_age"}
    missing = [f for f in WORTH_COLLECTING if f not in columns and band_of.get(f) not in columns]
    outcomes = dataset.card.deals.outcomes if dataset.card.deals else None
    unit = "deals" if outcomes else "accounts"
    won = int(outcomes.get("won", 0)) if outcomes else int(dataset.card.outcomes.won)
    lost = int(outcomes.get("lost", 0)) if outcomes else int(dataset.card.outcomes.lost)
    return {"missing": [field_label(f) for f in missing], "unit": unit, "won": won, "lost": lost,
            "closed": won + lost, "lost_accounts": int(dataset.card.outcomes.lost)}  # fmt: skip


def dataset_facts(icp: ICPVersion, dataset: Dataset) -> dict[str, Any]:
    """Everything the document says about the data behind an ICP."""
    frame = add_bands(dataset.accounts)
    outcome = frame["outcome"] if "outcome" in frame else pd.Series("", index=frame.index)
    won, lost = outcome.eq("won"), outcome.eq("lost")
    tech = technographics(frame, won)
    card = dataset.card
    return {
        "dataset": {
            "name": dataset.name,
            "accounts": card.rows,
            "customers": int(won.sum()),
            "lost": int(lost.sum()),
            "deals": card.deals.deals if card.deals else None,
            "deal_outcomes": card.deals.outcomes if card.deals else None,
            "date_range": list(card.deals.date_range) if card.deals and card.deals.date_range else None,
            "files": [f.path.rsplit("/", 1)[-1] for f in card.files],
            "currency": card.currency,
        },
        "firmographics": firmographics(frame, won),
        "technographics": tech,
        "partners": partners(tech),
        "signals": signals(frame, won, lost, dataset.kinds),
        "budget": budget(dataset),
        "use_cases": use_cases(dataset),
        "channels": channels(dataset, frame),
        "tiers_today": tiers_among_accounts(icp, frame, won),
        "collect": to_collect(dataset),
    }


# -- the ICP in the document's words --------------------------------------------------------------------------------


def _fit_statements(criteria: list[dict[str, Any]], unit: str, learned: bool) -> dict[str, list[str]]:
    """Best / good fit and red flags as the ICP splits them (best: at least half the strongest points), in words."""

    def say(c: dict[str, Any]) -> str:
        r = c.get("outcome_with") or {}
        if r.get("rate") is None:
            return f"{c['text']} ({c['points']:+d} points)"
        won = f"won {r['rate']:.0%} of {r['n']:,} {unit}" if learned else f"{r['rate']:.0%} of {r['n']:,} are customers"
        return f"{c['text']} ({c['points']:+d} points; {won})"

    positive = [c for c in criteria if c["points"] > 0]
    strong = max((c["points"] for c in positive), default=0)
    return {
        "best": [say(c) for c in positive if c["points"] >= strong / 2][:6],
        "good": [say(c) for c in positive if c["points"] < strong / 2][:6],
        "red": [say(c) for c in sorted((c for c in criteria if c["points"] < 0), key=lambda c: c["points"])][:6],
    }


def _evidence(segment: dict[str, Any], fmt: Formats) -> list[str]:
    """Why a segment fits (or not), from its outcomes, in the document's formats."""
    o, out = segment["outcomes"], []
    if (win := o.get("win_rate")) and win.get("rate") is not None:
        base = f" vs {o['base_win_rate']:.0%} overall" if o.get("base_win_rate") is not None else ""
        out.append(f"win rate {fmt.rate(win)}{base}")
    if o.get("median_value") is not None:
        out.append(f"median customer value {fmt.money(o['median_value'])}")
    if (churn := o.get("churn")) and churn.get("rate") is not None:
        out.append(f"churn {fmt.rate(churn)}")
    out.append(f"median fit score {segment['median_score']}; {segment['fit_share']:.0%} of its accounts score green "
               "or yellow")  # fmt: skip
    return out


def _segment_words(segment: dict[str, Any], kinds: dict[str, str], fmt: Formats) -> dict[str, Any]:
    kinds = {**kinds, **{str(p["attribute"]): str(p.get("kind", "category")) for p in segment["profile"]}}
    return {
        **segment,
        "title": segment_title(segment["name"], segment["profile"], fmt.symbol),
        "traits": [trait_text(t, kinds, fmt.symbol) for t in segment["who"]],
        "evidence": _evidence(segment, fmt),
        "timing": [humanize(t) for t in segment["when"]],
        "not": [negative_text(t, kinds, fmt.symbol) for t in segment["negative"]],
    }


def icp_facts(icp: ICPVersion, dataset: Dataset, fmt: Formats) -> dict[str, Any]:
    """The ICP version as the document shows it: its JSON plus every label, statement and segment in words."""
    data = icp.model_dump(mode="json", exclude={"learned"})
    created = dt.datetime.fromisoformat(icp.created_at)
    data["created_date"] = created.date().isoformat()
    data["next_review"] = (created + dt.timedelta(days=REVIEW_DAYS)).date().isoformat()
    money = [c for c, k in dataset.kinds.items() if k == "money"]
    kinds = {c: ("multi" if k == "multi" else "category") for c, k in dataset.kinds.items()}
    criteria = data["scorecard"]["criteria"]
    for c in criteria:
        c["text"] = criterion_text(c, money, fmt)
    data["scored"] = bool(criteria)
    data["criteria_ranked"] = sorted(criteria, key=lambda c: (-abs(c["points"]), c["text"]))
    data["fit"] = _fit_statements(criteria, icp.scorecard.training_unit, icp.scorecard.method == "learned")
    data["segments"] = [_segment_words(s, kinds, fmt) for s in data["segments"]]
    data["targets"] = [s for s in data["segments"] if s["target"]]
    data["gates"] = {"must": [gate_text(g) for g in data["must_haves"]],
                     "not": [gate_text(g) for g in data["disqualifiers"]]}  # fmt: skip
    data["excluded_text"] = [excluded_text(e) for e in icp.excluded[:MAX_EXCLUDED]]
    data["excluded_more"] = max(len(icp.excluded) - MAX_EXCLUDED, 0)
    data["notes_text"] = [humanize(n) for n in icp.notes + icp.weighting]
    return data
