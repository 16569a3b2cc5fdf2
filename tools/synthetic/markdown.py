"""Markdown tables of the planted and realised rates (for examples/README.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _num(value: float | None, suffix: str = "") -> str:
    return "n/a" if value is None else f"{value:,.0f}{suffix}"


def _nps(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _pair(r: Mapping[str, Any], key: str, fmt: Callable[[Any], str]) -> str:
    """ "inside (elsewhere)" for one realised figure."""
    return f"{fmt(r[key])} ({fmt(r[key + '_elsewhere'])})"


def _segment_rows(data: Mapping[str, Any]) -> list[str]:
    rows = [
        "| Segment | Rule | Accounts | Win rate planted | Win rate realised (elsewhere) | Share of wins "
        "| Median cycle, won (elsewhere) | Median won amount (elsewhere) | Churn planted | Churn realised "
        "(elsewhere) | Mean NPS (elsewhere) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for spec in data["segments"]:
        r = data["realised"][spec["name"]]
        cells = [
            spec["name"],
            spec["description"],
            f"{r['accounts']} ({_pct(r['share_of_accounts'])})",
            _pct(spec["win_rate"]),
            _pair(r, "win_rate", _pct),
            _pct(r["share_of_wins"]),
            _pair(r, "median_cycle_days_won", lambda v: _num(v, " d")),
            _pair(r, "median_amount_won", _num),
            _pct(spec["churn_rate"]),
            _pair(r, "churn_rate", _pct),
            _pair(r, "mean_nps", _nps),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _dataset_section(title: str, data: Mapping[str, Any]) -> list[str]:
    params = ", ".join(f"{k}={v}" for k, v in data["parameters"].items())
    total = data["realised"]["all"]
    lines = [f"#### {title}", "", f"seed={data['seed']}, {params}.", ""]
    lines += _segment_rows(data)
    lines += [
        "",
        f"All: {total['accounts']} accounts, {total['deals']} deals ({total['closed_deals']} closed), "
        f"win rate {_pct(total['win_rate'])}, churn {_pct(total['churn_rate'])} of "
        f"{total['customers']} customers.",
        "",
        "Messiness: " + _messiness_line(data["messiness"]),
        "",
    ]
    return lines


def _messiness_line(counts: Mapping[str, Any]) -> str:
    parts = [f"{k.replace('_', ' ')} {v}" for k, v in counts.items() if not isinstance(v, dict)]
    cells = counts.get("placeholder_cells", {})
    if cells:
        parts.append("placeholder cells " + ", ".join(f"{k} {v}" for k, v in cells.items()))
    return "; ".join(parts) + "." if parts else "none."


def _contacts_section(data: Mapping[str, Any]) -> list[str]:
    params = data["parameters"]
    lines = [
        "#### contacts.csv",
        "",
        f"seed={data['seed']} (a stream of its own): {params['contacts']:,} contacts, 2-4 for each of the "
        f"{params['accounts_with_closed_deals']} accounts of accounts.csv with a closed deal (a champion, a decision "
        "maker and 0-2 others), plus a few of companies that are not in accounts.csv.",
        "",
        "| Role | Account outcome | Contacts | Planted | Realised |",
        "|---|---|---|---|---|",
    ]
    for role, by_outcome in data["planted"].items():
        for outcome, plant in by_outcome.items():
            realised = data["realised"][role][outcome]
            share = realised["shares"][plant["pool"]]
            lines.append(
                f"| {role} | {outcome} | {realised['contacts']} | {_pct(plant['share'])} {plant['pool']} "
                f"(others: {plant['otherwise']} titles) | {_pct(share)} |"
            )
    return [*lines, "", "Messiness: " + _messiness_line(data["messiness"]), ""]


def ground_truth_markdown(truth: Mapping[str, Any]) -> str:
    """Markdown tables of the planted and realised rates, from the example set's ground_truth.json."""
    sets = truth["datasets"]
    lines = []
    titles = {
        "accounts_and_deals": "accounts.csv + deals.csv",
        "next_quarter": "next_quarter_accounts.csv + next_quarter_deals.csv (drift)",
        "stable_quarter": "stable_quarter_accounts.csv + stable_quarter_deals.csv (no drift, control)",
    }
    for key, title in titles.items():
        lines += _dataset_section(title, sets[key])
    prospects = sets["prospects"]
    lines += [
        "#### prospects.csv",
        "",
        f"seed={prospects['seed']}, n={prospects['parameters']['n']}. True segment per Record ID: "
        "`datasets.prospects.segment_ids` in ground_truth.json.",
        "",
        "| Segment | Prospects | Share | Win rate of this segment in accounts.csv |",
        "|---|---|---|---|",
    ]
    realised = sets["accounts_and_deals"]["realised"]
    for spec in prospects["segments"]:
        r = prospects["realised"][spec["name"]]
        win_rate = _pct(realised[spec["name"]]["win_rate"])
        lines.append(f"| {spec['name']} | {r['prospects']} | {_pct(r['share'])} | {win_rate} |")
    if "contacts" in sets:
        lines += ["", *_contacts_section(sets["contacts"])]
    return "\n".join(lines).rstrip() + "\n"
