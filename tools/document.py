"""draft_icp_document: the ICP as a document a marketer can share on Monday.

Two forms, as the ICP guides recommend: a one-page summary for reps and a detailed document. Both are
rendered by Jinja2 templates in ``prompts/documents/`` from one facts dictionary (every number comes
from :mod:`.document_facts`, the ICP version and its saved validation and market size) plus a few
narrative passages (an executive summary, why each target segment fits, a positioning line) written
by an LLM when one is available and checked against their facts, else by templates. The Markdown is
turned into self-contained HTML (charts embedded as data URIs) with markdown-it-py. Everything is
written to ``<workspace>/documents/<icp>-v<version>/`` with the facts as JSON next to it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup
from pydantic import BaseModel, Field

from icp_assistant.prompts import TEMPLATE_DIR

from .charts import SegmentPoint, bar_breakdown, png_base64, segment_bubbles
from .dataset import Dataset, open_dataset
from .document_facts import dataset_facts
from .icp import ICPVersion, saved_result
from .markup import cell, finalize, own_link
from .narrative import Batch, Narrative, Section
from .personas import describe_personas
from .workspace import Workspace, atomic_write, write_json

FOLDER = "documents"
MAX_NARRATED_SEGMENTS = 4
REVIEW_DAYS = 91  # a quarter
MAX_ONE_PAGE_CHARS = 6000


class DocumentResult(BaseModel):
    """Where the ICP document is, what it contains, and its one-page summary."""

    icp: str
    version: int
    folder: str
    markdown_path: str = Field(description="Detailed document (Markdown)")
    html_path: str = Field(description="Detailed document, self-contained HTML with charts")
    one_page_markdown_path: str
    one_page_html_path: str
    facts_path: str = Field(description="Every number the document shows, as JSON")
    charts: list[str]
    outline: list[str] = Field(description="Section headings of the detailed document")
    one_page: str = Field(description="The one-page summary (Markdown)")
    writer: str = Field(description="Who wrote the narrative passages")
    rejected: list[str] = Field(
        description="LLM passages rejected by the grounding check (template used instead; capped)"
    )
    hypotheses: int = Field(description="Statements marked as hypotheses to confirm with sales and customer success")


def document_folder(workspace: Workspace, icp: ICPVersion) -> Path:
    return workspace.folder(FOLDER, f"{icp.name}-v{icp.version}")


def _icp_facts(icp: ICPVersion) -> dict[str, Any]:
    data = icp.model_dump(mode="json", exclude={"learned"})
    created = dt.datetime.fromisoformat(icp.created_at)
    data["created_date"] = created.date().isoformat()
    data["next_review"] = (created + dt.timedelta(days=REVIEW_DAYS)).date().isoformat()
    data["targets"] = [s for s in data["segments"] if s["target"]]
    data["criteria_positive"] = [c for c in data["scorecard"]["criteria"] if c["points"] > 0]
    data["criteria_negative"] = [c for c in data["scorecard"]["criteria"] if c["points"] < 0]
    return data


def document_facts(
    workspace: Workspace, icp: ICPVersion, dataset: Dataset, personas: dict[str, Any] | None = None
) -> dict[str, Any]:
    """All the facts the document shows (JSON-able)."""
    return {
        "confidence": 0.95,
        "icp": _icp_facts(icp),
        "data": dataset_facts(icp, dataset),
        "validation": saved_result(workspace, icp, "validation"),
        "market": saved_result(workspace, icp, "market"),
        "personas": personas,
    }


def _segment_facts(segment: dict[str, Any]) -> dict[str, Any]:
    keys = ("name", "accounts", "median_score", "fit_share", "who", "why", "when", "examples", "negative")
    return {k: segment[k] for k in keys}


def _summary_fallback(facts: dict[str, Any]) -> str:
    icp, data = facts["icp"], facts["data"]["dataset"]
    parts = [f"Built from {data['accounts']:,} accounts ({data['customers']:,} customers) in {data['name']}."]
    if icp["best_fit"]:
        parts.append(f"Best fit: {icp['best_fit'][0]}.")
    if icp["targets"]:
        names = "; ".join(s["name"] for s in icp["targets"][:3])
        parts.append(f"Target segments: {names}.")
    if facts["validation"]:
        parts.append(facts["validation"]["evaluation"]["verdict"])
    else:
        parts.append("The ICP has not been validated on held-out deals yet.")
    return " ".join(parts)


def narrative_batch(facts: dict[str, Any], names: list[str]) -> Batch:
    """The passages an LLM may write, each with its facts and a template fallback."""
    icp = facts["icp"]
    summary_facts = {
        "dataset": facts["data"]["dataset"], "best_fit": icp["best_fit"], "red_flags": icp["red_flags"][:3],
        "targets": [_segment_facts(s) for s in icp["targets"][:3]],
        "validation": facts["validation"]["evaluation"]["verdict"] if facts["validation"] else None,
        "market": {k: facts["market"][k] for k in ("tam", "sam", "som")} if facts["market"] else None,
    }  # fmt: skip
    sections = [
        Section(
            key="summary",
            instruction="An executive summary in 3-4 sentences for a B2B marketing team: who the best customers "
            "are, which segments to target, how far the scoring can be trusted, and the first thing to do.",
            facts=summary_facts, fallback=_summary_fallback(facts),
        )
    ]  # fmt: skip
    for segment in icp["segments"][:MAX_NARRATED_SEGMENTS]:
        seg = _segment_facts(segment)
        why = "; ".join(segment["why"][:2])
        sections += [
            Section(
                key=f"why_{segment['id']}",
                instruction="Two sentences on why this segment is (or is not) a good fit, citing its evidence.",
                facts=seg, fallback=f"{segment['name']}: {why}.",
            ),
            Section(
                key=f"position_{segment['id']}",
                instruction="One positioning sentence addressed to this segment, plain and specific, no hype.",
                facts=seg, fallback=_position_fallback(segment),
            ),
        ]  # fmt: skip
    return Batch(task=f"ICP document for {icp['name']} v{icp['version']}", sections=sections, known_names=names)


def _position_fallback(segment: dict[str, Any]) -> str:
    who = segment["who"][0] if segment["who"] else segment["name"]
    proof = segment["why"][0] if segment["why"] else ""
    return f"For accounts where {who}: the segment's record with us is {proof}." if proof else f"For {who}."


# -- rendering -------------------------------------------------------------------------------------------------


def _pct(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:.{digits}%}"


def _num(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.2f}"


def _rate(r: dict[str, Any] | None) -> str:
    if not r or r.get("rate") is None:
        return "n/a"
    interval = f", 95% CI {r['low']:.0%}-{r['high']:.0%}" if r.get("low") is not None else ""
    small = "; small sample" if r.get("small_sample") else ""
    return f"{r['rate']:.0%} ({r['hits']:,}/{r['n']:,}{interval}{small})"


def environment() -> jinja2.Environment:
    """Markdown templates: every printed value escaped (data is text, never markup)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR / "documents"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(pct=_pct, num=_num, rate=_rate, cell=cell)
    return env


def _html_environment() -> jinja2.Environment:
    loader = jinja2.FileSystemLoader(TEMPLATE_DIR / "documents")
    return jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, autoescape=True)


def _charts(facts: dict[str, Any], folder: Path) -> dict[str, Path]:
    charts: dict[str, Path] = {}
    icp = facts["icp"]
    segments = [s for s in icp["segments"] if s["outcomes"].get("win_rate")]
    if segments:
        points = [
            SegmentPoint(
                name=s["name"], value=s["outcomes"].get("median_value"), win_rate=s["outcomes"]["win_rate"]["rate"],
                win_low=s["outcomes"]["win_rate"]["low"], win_high=s["outcomes"]["win_rate"]["high"],
                accounts=s["accounts"], low_confidence=bool(s["outcomes"]["win_rate"]["small_sample"]),
            )
            for s in segments[:10]
        ]  # fmt: skip
        base = segments[0]["outcomes"].get("base_win_rate")
        charts["segments"] = segment_bubbles(points, folder / "segments.png", title="Segments: value vs win rate",
                                             base_rate=base)  # fmt: skip
    criteria = sorted(icp["scorecard"]["criteria"], key=lambda c: -abs(c["points"]))[:12]
    if criteria:
        charts["points"] = bar_breakdown(
            [c["label"] for c in criteria], [c["points"] for c in criteria], folder / "points.png",
            title="Scorecard points per criterion", value_format="{:+,.0f}", value_label="points",
            subtitle=f"Every account starts at {icp['scorecard']['base']}; green from {icp['thresholds']['green']}",
        )  # fmt: skip
    if facts["validation"]:
        tiers = [t for t in facts["validation"]["evaluation"]["tiers"] if t["win_rate"]]
        charts["validation"] = bar_breakdown(
            [t["tier"] for t in tiers], [t["win_rate"]["rate"] for t in tiers], folder / "validation.png",
            title="Held-out win rate per tier", value_format="{:.0%}", value_label="win rate",
            subtitle=facts["validation"]["split"][:90],
        )  # fmt: skip
    return charts


def _render(env: jinja2.Environment, template: str, facts: dict[str, Any], narrative: Narrative,
            images: dict[str, Markup]) -> str:  # fmt: skip
    text = env.get_template(template).render(
        f=facts,
        n=narrative.passages,
        writer=f"Narrative by {narrative.writer}.",
        writer_note=narrative.note(),
        images=images,
    )
    return re.sub(r"\n{3,}", "\n\n", text)


def _html(markdown: str, title: str) -> str:
    """Self-contained HTML: raw HTML off, and no link or image but the charts the document embeds itself."""
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    renderer.validateLink = own_link  # type: ignore[method-assign]
    body = Markup(renderer.render(markdown))
    return _html_environment().get_template("document.html.j2").render(title=title, body=body)


def _write_text(path: Path, text: str) -> Path:
    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return atomic_write(path, write)


def write_document(
    workspace: Workspace, version: ICPVersion, facts: dict[str, Any], narrative: Narrative
) -> DocumentResult:
    """Render both forms to Markdown and HTML in the ICP version's document folder."""
    icp = facts["icp"]
    folder = document_folder(workspace, version)
    charts = _charts(facts, folder / "charts")
    env = environment()
    relative = {k: Markup(f"charts/{p.name}") for k, p in charts.items()}
    embedded = {k: Markup(f"data:image/png;base64,{png_base64(p)}") for k, p in charts.items()}
    title = f"Ideal Customer Profile: {icp['name']} v{icp['version']}"
    paths: dict[str, Path] = {}
    for form, template in (("icp-document", "icp_document.md.j2"), ("one-page", "one_page.md.j2")):
        markdown = _render(env, template, facts, narrative, relative)
        html = _html(_render(env, template, facts, narrative, embedded), title)
        paths[f"{form}.md"] = _write_text(folder / f"{form}.md", markdown)
        paths[f"{form}.html"] = _write_text(folder / f"{form}.html", html)
    facts_path = write_json(folder / "facts.json", {**facts, "narrative": narrative.model_dump(mode="json")})
    detailed = paths["icp-document.md"].read_text("utf-8")
    one_page = paths["one-page.md"].read_text("utf-8")
    return DocumentResult(
        icp=icp["name"], version=icp["version"], folder=str(folder), markdown_path=str(paths["icp-document.md"]),
        html_path=str(paths["icp-document.html"]), one_page_markdown_path=str(paths["one-page.md"]),
        one_page_html_path=str(paths["one-page.html"]), facts_path=str(facts_path),
        charts=[str(p) for p in charts.values()], outline=re.findall(r"^## (.+)$", detailed, flags=re.M),
        one_page=one_page[:MAX_ONE_PAGE_CHARS], writer=narrative.writer, rejected=narrative.rejected[:6],
        hypotheses=len(re.findall(r"\*\*Hypothesis", detailed)),
    )  # fmt: skip


def prepare_document(
    workspace: Workspace, icp: ICPVersion, contacts: Path | None = None, max_bytes: int | None = None
) -> tuple[dict[str, Any], Batch]:
    """The facts of an ICP version's document and the narrative it asks for (deterministic: a sampling
    request built from it renders the same on every protocol round)."""
    dataset = open_dataset(workspace, icp.dataset)
    personas = None
    if contacts is not None:
        personas = describe_personas(contacts, dataset, max_bytes=max_bytes).model_dump(mode="json")
    facts = document_facts(workspace, icp, dataset, personas)
    names = dataset.accounts["name"].dropna().astype(str).tolist() if "name" in dataset.accounts else []
    return facts, narrative_batch(facts, names)
