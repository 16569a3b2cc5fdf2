"""The facts behind a segment's messaging: which segment, and everything the data says about it.

From the saved ICP version and its dataset: the segment's win rate with its sample and interval against the base
rate, its median sales cycle, customer value and churn against all accounts, its won customers, its traits and who
is not in it, the tools most of it runs (share in the segment vs all accounts), and the top loss reasons of its
lost deals when the deals carry a loss reason. The account-level figures (customers, tools, loss reasons) need
the segment's members, read from the saved segmentation the ICP describes.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from icp_assistant.tools.analysis.attributes import MULTI_SEPARATOR
from icp_assistant.tools.analysis.best_customers import primary_value
from icp_assistant.tools.analysis.segments import open_segmentation
from icp_assistant.tools.analysis.targets import TargetSegment
from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import NotFoundError, OptionError, listing
from icp_assistant.tools.core.stats import Rate, round_sig
from icp_assistant.tools.model.icp import ICPVersion
from icp_assistant.tools.store.workspace import Workspace

TOP_TECH, MIN_TECH_SHARE, DISTINCTIVE_LIFT = 3, 0.2, 1.5
TOP_REASONS = 5


# -- finding the segment -----------------------------------------------------------------------------------------


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _candidates(segments: list[TargetSegment], ref: str) -> list[TargetSegment]:
    """By id, exact name, unique substring, then every word of ``ref`` in the name (first stage that matches)."""
    text = ref.strip().lower()
    if text.isdigit():
        return [s for s in segments if s.id == int(text)]
    for match in (
        lambda s: s.name.lower() == text,
        lambda s: text in s.name.lower(),
        lambda s: bool(_words(text)) and _words(text) <= _words(s.name),
    ):
        found = [s for s in segments if match(s)]
        if found:
            return found
    return []


def find_segment(icp: ICPVersion, ref: str) -> TargetSegment:
    """The segment of ``icp`` named by ``ref``: its id (digits) or its name (exact, part of it, or its words)."""
    if not icp.segments:
        raise NotFoundError(
            f"ICP {icp.name!r} v{icp.version} describes no segments. Run segment_accounts on dataset "
            f"{icp.dataset!r}, then build_icp again: the new version describes the saved segments."
        )
    found = _candidates(icp.segments, ref)
    if len(found) == 1:
        return found[0]
    if found:
        raise OptionError(
            f"Segment {ref!r} matches several segments of ICP {icp.name!r}: "
            f"{listing(f'{s.id}: {s.name}' for s in found)}. Pass the id or the full name."
        )
    raise NotFoundError(
        f"No segment {ref!r} in ICP {icp.name!r} v{icp.version}. Segments (id: name): "
        f"{listing(f'{s.id}: {s.name}' for s in icp.segments)}. Pass the id or the name."
    )


def segment_members(workspace: Workspace, icp: ICPVersion, segment: TargetSegment) -> pd.Series | None:
    """Account rows in the segment (boolean, by account row), from the saved segmentation; None when it changed."""
    if icp.segmentation is None:
        return None
    try:
        saved, labels = open_segmentation(workspace, icp.segmentation)
    except NotFoundError:
        return None
    same = any((s.id, s.name, s.accounts) == (segment.id, segment.name, segment.accounts) for s in saved.segments)
    return labels.eq(segment.id) if same and saved.dataset == icp.dataset else None


# -- facts -------------------------------------------------------------------------------------------------------


def _win_rate(rate: Rate | None, unit: str) -> dict[str, Any] | None:
    if rate is None or rate.rate is None:
        return None
    return {
        "rate": rate.rate, "won": rate.hits, "lost": rate.n - rate.hits, "closed": rate.n, "unit": unit,
        "low": rate.low, "high": rate.high, "small_sample": rate.small_sample,
    }  # fmt: skip


def _churn(rate: Rate | None) -> dict[str, Any] | None:
    if rate is None or rate.rate is None:
        return None
    return {"rate": rate.rate, "churned": rate.hits, "customers": rate.n, "retention_rate": round(1 - rate.rate, 4)}


def _median(frame: pd.DataFrame, column: str | None, digits: int) -> float | None:
    if column is None or column not in frame or frame[column].notna().sum() == 0:
        return None
    return round_sig(float(pd.to_numeric(frame[column], errors="coerce").median()), digits)


def _overall(accounts: pd.DataFrame) -> dict[str, Any]:
    value = primary_value(accounts)
    churned = accounts["churned"].dropna().astype(bool) if "churned" in accounts else pd.Series(dtype=bool)
    return {
        "median_cycle_days": _median(accounts, "median_cycle_days", 3),
        "median_value": _median(accounts, value, 4),
        "churn_rate": round(float(churned.mean()), 4) if len(churned) else None,
    }


def _tech_stack(accounts: pd.DataFrame, members: pd.Series | None, segment: TargetSegment) -> list[dict[str, Any]]:
    """The tools most of the segment runs, with their share there and among all accounts (from the data when
    the segment's accounts are known, else the tech-stack traits of its profile)."""
    if members is None or "tech_stack" not in accounts:
        return [{"value": p.value} for p in segment.profile if p.attribute == "tech_stack"]
    inside = members.reindex(accounts.index, fill_value=False).astype(bool)
    if not inside.any():
        return []
    tools = accounts["tech_stack"].dropna().astype(str).str.split(MULTI_SEPARATOR).explode().str.strip()
    pairs = pd.DataFrame({"row": tools.index, "tool": tools.to_numpy()}).drop_duplicates()
    pairs = pairs[pairs["tool"].ne("")]
    share_in = pairs.loc[pairs["row"].isin(inside[inside].index), "tool"].value_counts() / int(inside.sum())
    share_all = pairs["tool"].value_counts() / len(accounts)
    rows: list[dict[str, Any]] = [
        {"value": str(tool), "share_of_segment": round(float(share), 3),
         "share_of_all_accounts": round(float(share_all[tool]), 3),
         "distinctive": bool(share >= DISTINCTIVE_LIFT * share_all[tool])}
        for tool, share in share_in.items() if share >= MIN_TECH_SHARE
    ]  # fmt: skip
    rows.sort(key=lambda r: (not r["distinctive"], -r["share_of_segment"]))
    return rows[:TOP_TECH]


def _loss_reasons(dataset: Dataset, members: pd.Series | None) -> dict[str, Any] | None:
    """The most frequent loss reasons of the segment's lost deals, when the deals carry a loss reason."""
    deals = dataset.deals
    if members is None or deals is None or "lost_reason" not in deals or "account_key" not in deals:
        return None
    lost = deals[deals["account_key"].isin(members[members].index) & deals["outcome"].eq("lost")]
    reasons = lost["lost_reason"].dropna().astype(str).str.strip()
    reasons = reasons[reasons.ne("")]
    if reasons.empty:
        return None
    top = reasons.value_counts().head(TOP_REASONS)
    return {
        "lost_deals": len(lost), "with_reason": len(reasons),
        "top": [{"reason": str(r), "deals": int(n), "share": round(n / len(reasons), 3)} for r, n in top.items()],
    }  # fmt: skip


def _customers(accounts: pd.DataFrame, members: pd.Series | None, churn: dict[str, Any] | None) -> int | None:
    if members is not None and "outcome" in accounts:
        return int((accounts["outcome"].eq("won") & members.reindex(accounts.index, fill_value=False)).sum())
    return churn["customers"] if churn else None


def segment_facts(
    icp: ICPVersion, segment: TargetSegment, dataset: Dataset, members: pd.Series | None = None
) -> dict[str, Any]:
    """Everything the messaging may say about the segment, JSON-able; ``members`` (from :func:`segment_members`)
    adds its customer count, tech-stack shares and loss reasons."""
    o, accounts = segment.outcomes, dataset.accounts
    by_deal = "deals_won" in accounts and (accounts["deals_won"] + accounts["deals_lost"]).sum() > 0
    unit = "closed deals" if by_deal else "closed accounts"
    churn = _churn(o.churn)
    comparable = o.base_win_rate is not None and o.base_win_rate < 1  # with no loss anywhere a win rate says nothing
    return {
        "icp": f"{icp.name} v{icp.version}", "segment": segment.name, "segment_id": segment.id,
        "accounts": segment.accounts, "customers": _customers(accounts, members, churn), "targeted": segment.target,
        "median_fit_score": segment.median_score, "fit_share": segment.fit_share,
        "yellow_threshold": icp.thresholds.yellow,
        "who": segment.who, "negative": segment.negative, "profile": {p.attribute: p.value for p in segment.profile},
        "win_rate": _win_rate(o.win_rate, unit) if comparable else None, "base_win_rate": o.base_win_rate,
        "confidence": 0.95,
        "median_cycle_days": o.median_cycle_days, "median_value": o.median_value, "churn": churn,
        "overall": _overall(accounts), "example_customers": segment.examples,
        "tech_stack": _tech_stack(accounts, members, segment), "loss_reasons": _loss_reasons(dataset, members),
    }  # fmt: skip
