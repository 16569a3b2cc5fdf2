"""score_prospect: one company, described with fields in any common naming, scored with an ICP version.

The description goes through the same header mapping, value parsing and derivation as a loaded file
("Employees": "51-200" -> employee_count 125.5 -> size band Midsize), so a prospect is read exactly
like a row of an export. The result explains every point: base + each matched criterion = score;
attributes the prospect lacks are listed with how far they could move the score, never counted as bad.

"Is Acme a fit?" needs no fields: :func:`score_company` finds the company in the loaded datasets by domain, name or
id (:mod:`.lookup`) and scores that row as the dataset holds it, cleaned and typed at load time exactly as the bulk
scorer sees it (one truth per input: the same score, tier and reasons as the row's fields given by hand or the
row scored in its file). Fields the user gives on top are read like a prospect's and replace what was found; the
result says which. A customer found this way is told whether it sits inside the ICP.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from icp_assistant.tools.analysis.attributes import add_bands
from icp_assistant.tools.analysis.readiness import grid_action, readiness
from icp_assistant.tools.analysis.targets import nearest_segment
from icp_assistant.tools.core.errors import InsufficientDataError, OptionError, listing
from icp_assistant.tools.ingest.cleaning import clean_table
from icp_assistant.tools.ingest.derive import derive_account_fields, size_band
from icp_assistant.tools.ingest.mapping import HeaderMapping, map_headers
from icp_assistant.tools.store.lookup import Found, find_company, read_row, source_file
from icp_assistant.tools.store.workspace import Workspace

from .icp import ICPVersion, score_rows
from .schemas import FoundCompany, MissingAttribute, ProspectScore, Reason
from .scorecard import point_range

MAX_REASONS = 10
FEEDS = {  # a given field also counts as used when the ICP scores something derived from it
    "employee_count": {"employee_band", "size_band"},
    "annual_revenue": {"revenue_band", "size_band"},
    "country": {"region"},
    "founded_year": {"company_age", "age_band"},
}


def prospect_row(fields: Mapping[str, object]) -> tuple[pd.DataFrame, HeaderMapping]:
    """One cleaned, derived row from a dict of fields named any common way, and how the names were mapped."""
    if not fields:
        raise InsufficientDataError("The prospect has no fields. Give at least industry, employees or country.")
    raw = pd.DataFrame([{str(k): ("" if v is None else str(v)) for k, v in fields.items()}])
    raw = raw.replace("", None)
    mapping = map_headers(list(raw.columns))
    table = clean_table(raw, mapping).frame
    derive_account_fields(table, revenue_scaled_by_header=True)
    return add_bands(table), mapping


def _range(icp: ICPVersion, missing: list[str]) -> list[MissingAttribute]:
    """How far each unknown attribute could move the score once known, from what its 'not recorded' level (if
    one was learned) gives now."""
    out = []
    for attribute in missing:
        known = [c for c in icp.scorecard.criteria if c.attribute == attribute and c.kind != "missing"]
        now = sum(c.points for c in icp.scorecard.criteria if c.attribute == attribute and c.kind == "missing")
        low, high = point_range(known, attribute)
        why = None
        if now:
            outcome = next(
                c.outcome_with for c in icp.scorecard.criteria if c.attribute == attribute and c.kind == "missing"
            )
            share = f" (won {outcome.rate:.0%} of {outcome.n:,})" if outcome and outcome.rate is not None else ""
            why = f"accounts with {attribute} not recorded did {'better' if now > 0 else 'worse'}{share}"
        out.append(MissingAttribute(attribute=attribute, could_add=high - now, could_remove=low - now, costs=now,
                                    why=why))  # fmt: skip
    return sorted(out, key=lambda m: -(m.could_add - m.could_remove))


def _ignored(fields: Mapping[str, object], mapping: HeaderMapping, used: set[str]) -> list[str]:
    """Given fields that feed nothing the ICP scores (directly, under their own name, or through a derived band)."""
    field_of = {m.column: f for f, m in mapping.matches.items()}
    out = []
    for key in fields:
        column = field_of.get(str(key), str(key))
        if not ({column} | FEEDS.get(column, set())) & used:
            out.append(str(key))
    return out[:10]


def score_prospect(icp: ICPVersion, fields: Mapping[str, object]) -> ProspectScore:
    """Score a company described by ``fields`` (any common naming), read like a row of an export."""
    row, mapping = prospect_row(fields)
    used = set(icp.scorecard.attributes)
    if not {c for c in used if c in row and row[c].notna().iloc[0]} and icp.scorecard.scored:
        raise InsufficientDataError(
            f"None of the given fields ({listing(fields)}) tells anything the ICP scores. It uses: "
            f"{listing(sorted(used))}. Add e.g. industry, employees, country or technologies."
        )
    return score_row(icp, row, fields, mapping)


def _reasons(icp: ICPVersion, scored: pd.Series) -> list[Reason]:
    labels = {c.id: c.label for c in icp.scorecard.criteria}
    reasons = [
        Reason(criterion=labels[key], points=int(scored[key]))
        for key in labels
        if key in scored.index and int(scored[key]) != 0
    ]
    return sorted(reasons, key=lambda r: -abs(r.points))


def _explanation(icp: ICPVersion, scored: pd.Series, reasons: list[Reason], score: int | None) -> str:
    terms = "".join(f" {r.points:+d} ({r.criterion})" for r in reasons)
    explanation = f"{icp.scorecard.base} (base){terms} = {int(scored['raw_score'])}"
    if not icp.scorecard.scored:
        explanation = "Unscored: no attribute predicts the outcome in this data, so no fit score is given"
    if scored["gate"]:
        explanation += f"; capped at {score} because {scored['gate']}"
    return explanation


def _read_as(row: pd.DataFrame, shown: list[str] | None) -> dict[str, str]:
    columns = [c for c in (row.columns if shown is None else shown) if c in row]
    filled = {c: str(row[c].iloc[0]) for c in columns if row[c].notna().iloc[0] and not c.endswith(("_low", "_high"))}
    return dict(list(filled.items())[:20])


def score_row(
    icp: ICPVersion,
    row: pd.DataFrame,
    fields: Mapping[str, object] | None = None,
    mapping: HeaderMapping | None = None,
    shown: list[str] | None = None,
) -> ProspectScore:
    """Score one cleaned, derived row (bands added) and explain every point; ``fields`` and ``mapping``: what the
    user gave (for ``ignored``); ``shown``: the columns ``read_as`` lists (default: every filled one)."""
    used = set(icp.scorecard.attributes)
    present = {c for c in used if c in row and row[c].notna().iloc[0]}
    scored = score_rows(icp, row).iloc[0]
    reasons = _reasons(icp, scored)
    missing = _range(icp, sorted(used - present))
    score: int | None = int(scored["score"]) if icp.scorecard.scored or scored["gate"] else None
    low = max(0, min(100, int(scored["raw_score"]) + sum(m.could_remove for m in missing)))
    high = max(0, min(100, int(scored["raw_score"]) + sum(m.could_add for m in missing)))
    ready = readiness(row, relative=False).iloc[0]
    ready_value = None if pd.isna(ready) else float(ready)
    cell, action = grid_action(str(scored["tier"]), ready_value)
    ignored = _ignored(fields, mapping, used) if fields and mapping is not None else []
    return ProspectScore(
        icp=icp.name, version=icp.version, score=score, tier=scored["tier"], gate=str(scored["gate"]) or None,
        explanation=_explanation(icp, scored, reasons, score), base=icp.scorecard.base, reasons=reasons[:MAX_REASONS],
        missing=missing, score_range=(low, high), segment=nearest_segment(icp.segments, row), readiness=ready_value,
        cell=cell, action=action, read_as=_read_as(row, shown), ignored=ignored,
    )  # fmt: skip


# -- a company found in the loaded datasets ----------------------------------------------------------------------


def _shown(value: object) -> str:
    """A value as a person writes it: 173.0 -> '173', missing -> '(empty)'."""
    if value is None or (not isinstance(value, list | tuple | str) and pd.isna(value)):
        return "(empty)"
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    return str(value)


def _override(found: pd.DataFrame, fields: Mapping[str, object]) -> tuple[pd.DataFrame, HeaderMapping, dict[str, str]]:
    """The found row with the given fields (read like a prospect's) in place of its values, size band re-derived
    from the merged employees and revenue; and 'field: found -> given' for each value that changed."""
    given, mapping = prospect_row(fields)
    merged, changed = found.copy(), {}
    for column in given.columns:
        value = given[column].iloc[0]
        if not isinstance(value, list | tuple) and pd.isna(value):
            continue
        before = merged[column].iloc[0] if column in merged else None
        merged[column] = given[column].to_numpy()
        if column in mapping.matches and not column.endswith(("_low", "_high")) and _shown(before) != _shown(value):
            changed[column] = f"{_shown(before)} -> {_shown(value)}"
    if {"employee_count", "annual_revenue"} & set(changed):
        empty = pd.Series(float("nan"), index=merged.index)
        merged["size_band"] = size_band(merged.get("employee_count", empty), merged.get("annual_revenue"))
    return merged, mapping, changed


def _found(workspace: Workspace, row: pd.DataFrame, where: Found) -> FoundCompany:
    def text(column: str) -> str | None:
        value = row[column].iloc[0] if column in row else None
        return None if value is None or pd.isna(value) or str(value).strip() == "" else str(value)

    churned, record = text("churned"), where.record
    return FoundCompany(
        dataset=where.dataset, file=source_file(workspace, where.dataset), row=where.row, id=record.id,
        name=record.name, domain=record.domain, matched_by=where.matched_by, outcome=text("outcome"),
        churned=None if churned is None else churned == "True", also_in=where.also, note=where.note,
    )  # fmt: skip


def _customer(icp: ICPVersion, found: FoundCompany, result: ProspectScore) -> str | None:
    """For a customer (won in its dataset): is it inside the ICP, the customer-success question."""
    if found.outcome != "won":
        return None
    who = f"{found.name or f'Row {found.row}'} is a customer in dataset {found.dataset!r}"
    churned = " (it has since churned)" if found.churned else ""
    learned = " The ICP was learned from this dataset, this account included." if found.dataset == icp.dataset else ""
    if result.tier == "unscored":
        return f"{who}{churned}; the ICP gives no fit score (nothing predicts the outcome in its data).{learned}"
    inside = result.tier in ("green", "yellow")
    verdict = "inside the ICP" if inside else "outside the ICP: worth a customer-success review"
    return f"{who}{churned} and sits {verdict} ({result.tier}, score {result.score}).{learned}"


def score_company(
    workspace: Workspace,
    icp: ICPVersion,
    company: str | None = None,
    *,
    dataset: str | None = None,
    row: int | None = None,
    fields: Mapping[str, object] | None = None,
) -> ProspectScore:
    """Find ``company`` (a domain, name or id; or ``dataset`` and ``row``) in the loaded datasets and score that row
    as the dataset holds it; ``fields`` replace what was found (the result says which)."""
    where = find_company(workspace, company, dataset=dataset, row=row, prefer=icp.dataset)
    stored = add_bands(read_row(workspace, where.dataset, where.position))
    merged, mapping, changed = _override(stored, fields) if fields else (stored, None, {})
    shown = [c for c in ("name", "domain", *sorted(icp.scorecard.attributes)) if c in merged]
    result = score_row(icp, merged, fields, mapping, shown=shown)
    found = _found(workspace, stored, where)
    return result.model_copy(update={"found": found, "overridden": changed, "customer": _customer(icp, found, result)})


def score_any(
    workspace: Workspace,
    icp: ICPVersion,
    fields: Mapping[str, object] | None = None,
    company: str | None = None,
    dataset: str | None = None,
    row: int | None = None,
) -> ProspectScore:
    """score_prospect as the tool takes it: a company to look up (name, domain or id; or dataset and row), with
    ``fields`` on top, or ``fields`` alone describing a new prospect."""
    if company is not None or row is not None:
        return score_company(workspace, icp, company, dataset=dataset, row=row, fields=fields)
    if dataset is not None:
        raise OptionError(f"dataset={dataset!r} says where to look a company up: pass `company` (its name or domain) "
                          "or `row` too.")  # fmt: skip
    if not fields:
        raise OptionError("Say which company to score: `company` (a name or web domain found in the loaded datasets) "
                          "or `fields` describing it (industry, employees, country, technologies...).")  # fmt: skip
    return score_prospect(icp, fields)
