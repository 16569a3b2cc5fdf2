"""What goes with the ICP document: its charts (in the document's currency, tiers in their colours, numbered
segment bubbles) and the full tables behind the shortened ones in its body (one CSV each)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from icp_assistant.tools.core import charts
from icp_assistant.tools.core.charts.palette import COMPACT, GREEN, TIER_COLOURS, VERMILLION
from icp_assistant.tools.core.labels import level_label

from .document_text import Formats, humanize

CHART_SEGMENTS = 10


def _segment_chart(facts: dict[str, Any], path: Path) -> Path | None:
    segments = [s for s in facts["icp"]["segments"] if (s["outcomes"].get("win_rate") or {}).get("rate") is not None]
    if not segments:
        return None
    points = [
        charts.SegmentPoint(
            name=s["title"], value=s["outcomes"].get("median_value"), win_rate=s["outcomes"]["win_rate"]["rate"],
            win_low=s["outcomes"]["win_rate"]["low"], win_high=s["outcomes"]["win_rate"]["high"],
            accounts=s["accounts"], low_confidence=bool(s["outcomes"]["win_rate"]["small_sample"]),
        )
        for s in segments[:CHART_SEGMENTS]
    ]  # fmt: skip
    return charts.segment_bubbles(
        points, path, title="Segments: value vs win rate", base_rate=segments[0]["outcomes"].get("base_win_rate"),
        value_label="Median customer value", numbered=True, symbol=facts["currency"]["symbol"] or "",
        subtitle="Numbers match the segment key below the chart", size=COMPACT,
    )  # fmt: skip


def draw_charts(facts: dict[str, Any], folder: Path) -> dict[str, Path]:
    drawn: dict[str, Path] = {}
    icp = facts["icp"]
    if (bubbles := _segment_chart(facts, folder / "segments.png")) is not None:
        drawn["segments"] = bubbles
    criteria = sorted(icp["scorecard"]["criteria"], key=lambda c: -abs(c["points"]))[:12]
    if criteria:
        drawn["points"] = charts.bar_breakdown(
            [c["text"] for c in criteria], [c["points"] for c in criteria], folder / "points.png",
            title="Scorecard points per criterion", value_format="{:+,.0f}", value_label="points",
            subtitle=f"Every account starts at {icp['scorecard']['base']}; green from {icp['thresholds']['green']}",
            colours={c["text"]: GREEN if c["points"] > 0 else VERMILLION for c in criteria}, size=COMPACT,
        )  # fmt: skip
    if facts["validation"] and icp["scored"]:
        tiers = [t for t in facts["validation"]["evaluation"]["tiers"] if t["win_rate"]]
        drawn["validation"] = charts.bar_breakdown(
            [t["tier"] for t in tiers], [t["win_rate"]["rate"] for t in tiers], folder / "validation.png",
            title="Held-out win rate per tier", value_format="{:.0%}", value_label="win rate",
            subtitle=humanize(facts["validation"]["split"])[:90], colours=TIER_COLOURS, keep_order=True, size=COMPACT,
        )  # fmt: skip
    return drawn


def table_frames(facts: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The full tables behind the shortened ones in the body, one CSV each."""
    icp, data, fmt = facts["icp"], facts["data"], Formats(facts["currency"]["symbol"])
    frames: dict[str, pd.DataFrame] = {}
    if icp["segments"]:
        frames["segments"] = pd.DataFrame([{
            "segment": s["title"], "target": s["target"], "accounts": s["accounts"],
            "win_rate": (s["outcomes"].get("win_rate") or {}).get("rate"),
            "win_rate_text": fmt.rate(s["outcomes"].get("win_rate")),
            "median_customer_value": s["outcomes"].get("median_value"), "median_fit_score": s["median_score"],
            "share_green_or_yellow": s["fit_share"], "who": "; ".join(s["traits"]), "why": "; ".join(s["evidence"]),
            "not_in_it": "; ".join(s["not"]), "examples": ", ".join(s["examples"]),
        } for s in icp["segments"]])  # fmt: skip
    if icp["scorecard"]["criteria"]:
        frames["scorecard"] = pd.DataFrame([{
            "criterion": c["text"], "points": c["points"], "group": c.get("group") or "",
            "rows_with_it": c["rows_with"], "win_rate": (c.get("outcome_with") or {}).get("rate"),
            "win_rate_text": fmt.rate(c.get("outcome_with")), "id": c["id"],
        } for c in icp["scorecard"]["criteria"]])  # fmt: skip
    firmo = data["firmographics"]["rows"] + data["firmographics"]["quiet"]
    for name, rows in (("firmographics", firmo), ("technographics", data["technographics"])):
        if rows:
            frames[name] = pd.DataFrame([{
                "value": level_label(r["attribute"], r["value"], currency=fmt.symbol), "customers": r["customers"],
                "share_of_customers": r["share_of_customers"], "share_of_all_accounts": r["share_of_accounts"],
                "lift": r["lift"], "lift_low": r["lift_low"], "lift_high": r["lift_high"],
                "tells_customers_apart": r["distinguishes"],
            } for r in rows])  # fmt: skip
    return frames
