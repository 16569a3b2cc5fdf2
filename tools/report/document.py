"""draft_icp_document: the ICP as a document a marketer can share on Monday.

Two forms, as the ICP guides recommend: a one-page summary for reps and a detailed document. Both are
rendered by Jinja2 templates in ``prompts/documents/`` from one facts dictionary (every number comes
from :mod:`.document_facts`, the ICP version and its saved validation and market size) plus a few
narrative passages (an executive summary, why each target segment fits, a positioning line) written
by an LLM when one is available and checked against their facts, else by templates. The words follow
:mod:`.document_text`: labels instead of column names, amounts in the file's currency, no tool names.
Sections follow what the model found: when no attribute predicts the outcome, the document says so and
lists what data to collect instead of criteria and segments that do not exist. Long tables keep their
top rows in the body; the full tables are CSV files in ``tables/`` beside the document. The Markdown is
turned into self-contained HTML (charts embedded as data URIs, tables that scroll on a phone) with
markdown-it-py. Everything is written to ``<workspace>/documents/<icp>-v<version>/`` with the facts as
JSON next to it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

from icp_assistant.prompts import TEMPLATE_DIR
from icp_assistant.tools.analysis.personas import describe_personas
from icp_assistant.tools.core.charts.palette import png_base64
from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import IcpError
from icp_assistant.tools.core.labels import level_label
from icp_assistant.tools.core.markup import cell, finalize, own_link
from icp_assistant.tools.model.icp import ICPVersion, saved_result
from icp_assistant.tools.store.datasets import open_dataset
from icp_assistant.tools.store.profile import read_profile
from icp_assistant.tools.store.workspace import DOCUMENTS, Workspace, atomic_write, write_json, write_table

from .document_charts import CHART_SEGMENTS, draw_charts, table_frames
from .document_facts import dataset_facts, icp_facts
from .document_text import Formats, amounts_text, currency_sentence, currency_symbol, humanize
from .narrative import Batch, Narrative, Section
from .schemas import DocumentResult
from .team_facts import team_facts

MAX_NARRATED_SEGMENTS = 4
MAX_ONE_PAGE_CHARS = 6000
BODY_ROWS = 8  # rows of a table in the body; the rest are in its CSV


def document_folder(workspace: Workspace, icp: ICPVersion) -> Path:
    return workspace.folder(DOCUMENTS, f"{icp.name}-v{icp.version}")


def product_profile(workspace: Workspace) -> dict[str, Any] | None:
    """The product profile saved in the workspace (company, product, category, outcome, proof points), or None
    when none is set; the document's one place that reads it. An unreadable profile leaves the document without
    it (the messaging tools say how to set it again)."""
    try:
        profile = read_profile(workspace)
    except IcpError:
        return None
    data = profile.model_dump(mode="json", exclude_none=True)
    return data or None


def document_facts(
    workspace: Workspace, icp: ICPVersion, dataset: Dataset, personas: dict[str, Any] | None = None
) -> dict[str, Any]:
    """All the facts the document shows (JSON-able)."""
    data = dataset_facts(icp, dataset)
    code = data["dataset"]["currency"]
    fmt = Formats(currency_symbol(code))
    model = icp_facts(icp, dataset, fmt)
    charted = [s for s in model["segments"] if (s["outcomes"].get("win_rate") or {}).get("rate") is not None]
    model["chart_segments"] = [{"title": s["title"], "accounts": s["accounts"]} for s in charted[:CHART_SEGMENTS]]
    return {
        "confidence": 0.95,
        "currency": {"code": code, "symbol": fmt.symbol, "sentence": currency_sentence(code)},
        "icp": model,
        "data": data,
        "validation": saved_result(workspace, icp, "validation"),
        "market": saved_result(workspace, icp, "market"),
        "teams": team_facts(
            saved_result(workspace, icp, "pipeline"),
            saved_result(workspace, icp, "adoption"),
            saved_result(workspace, icp, "expansion"),
            fmt,
        ),
        "personas": personas,
        "product": product_profile(workspace),
    }


def _segment_facts(segment: dict[str, Any]) -> dict[str, Any]:
    return {"name": segment["title"], "accounts": segment["accounts"], "median_score": segment["median_score"],
            "fit_share": segment["fit_share"], "who": segment["traits"], "why": segment["evidence"],
            "when": segment["timing"], "examples": segment["examples"], "negative": segment["not"]}  # fmt: skip


def _summary_fallback(facts: dict[str, Any]) -> str:
    icp, data = facts["icp"], facts["data"]["dataset"]
    if not icp["scored"]:
        return (f"No attribute in this data predicts whether a deal is won, so the {data['accounts']:,} accounts "
                "are left unscored rather than ranked by fit. Rank them by value for now, and collect the data "
                "listed under “What to collect next” before building the ICP again.")  # fmt: skip
    parts = [f"Built from {data['accounts']:,} accounts, {data['customers']:,} of them customers."]
    if icp["fit"]["best"]:
        parts.append(f"Best fit: {icp['fit']['best'][0]}.")
    if icp["targets"]:
        parts.append(f"Target segments: {'; '.join(s['title'] for s in icp['targets'][:3])}.")
    if facts["validation"]:
        parts.append(humanize(facts["validation"]["evaluation"]["verdict"]))
    else:
        parts.append("The ICP has not been tested on held-out deals yet.")
    return " ".join(parts)


def _position_fallback(segment: dict[str, Any], product: dict[str, Any] | None) -> str:
    """The product profile's line for the segment when the user set one, else the segment's record with us."""
    profile = product or {}
    name, category, outcome = profile.get("product"), profile.get("category"), profile.get("outcome")
    if name and outcome:
        says = f"is the {category} that {outcome}" if category else outcome
        return f"For {segment['title']} accounts: {name} {says}."
    proof = segment["evidence"][0] if segment["evidence"] else ""
    return f"For {segment['title']} accounts, lead with their record: {proof}." if proof else f"For {segment['title']}."


def narrative_batch(facts: dict[str, Any], names: list[str]) -> Batch:
    """The passages an LLM may write, each with its facts and a template fallback."""
    icp = facts["icp"]
    summary_facts = {
        "dataset": facts["data"]["dataset"], "scored": icp["scored"], "best_fit": icp["fit"]["best"],
        "red_flags": icp["fit"]["red"][:3], "targets": [_segment_facts(s) for s in icp["targets"][:3]],
        "validation": humanize(facts["validation"]["evaluation"]["verdict"]) if facts["validation"] else None,
        "market": {k: facts["market"][k] for k in ("tam", "sam", "som")} if facts["market"] else None,
        "currency": facts["currency"]["sentence"],
    }  # fmt: skip
    plainly = "" if icp["scored"] else " No attribute predicts the outcome here: say so plainly and name no criteria."
    sections = [
        Section(
            key="summary",
            instruction="An executive summary in 3-4 sentences for a B2B marketing team: who the best customers "
            "are, which segments to target, how far the scoring can be trusted, and the first thing to do." + plainly,
            facts=summary_facts, fallback=_summary_fallback(facts),
        )
    ]  # fmt: skip
    for segment in icp["segments"][:MAX_NARRATED_SEGMENTS]:
        seg = _segment_facts(segment)
        why = "; ".join(segment["evidence"][:2])
        sections += [
            Section(
                key=f"why_{segment['id']}",
                instruction="Two sentences on why this segment is (or is not) a good fit, citing its evidence.",
                facts=seg, fallback=f"{segment['title']}: {why}.",
            ),
            Section(
                key=f"position_{segment['id']}",
                instruction="One positioning sentence addressed to this segment, plain and specific, no hype.",
                facts={**seg, "product": facts["product"]}, fallback=_position_fallback(segment, facts["product"]),
            ),
        ]  # fmt: skip
    return Batch(task=f"ICP document for {icp['name']} v{icp['version']}", sections=sections, known_names=names)


# -- rendering -------------------------------------------------------------------------------------------------


def environment(fmt: Formats | None = None) -> jinja2.Environment:
    """Markdown templates: every printed value escaped (data is text, never markup)."""
    fmt = fmt or Formats()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR / "documents"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        pct=fmt.pct, num=fmt.num, rate=fmt.rate, money=fmt.money, lift=fmt.lift, lift_ci=fmt.lift_interval,
        words=humanize, cell=cell, level=lambda row: level_label(row["attribute"], row["value"], currency=fmt.symbol),
        amounts=lambda text: amounts_text(text, fmt),
    )  # fmt: skip
    return env


def _html_environment() -> jinja2.Environment:
    loader = jinja2.FileSystemLoader(TEMPLATE_DIR / "documents")
    return jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, autoescape=True)


def _render(env: jinja2.Environment, template: str, facts: dict[str, Any], narrative: Narrative,
            images: dict[str, Markup], tables: dict[str, str]) -> str:  # fmt: skip
    text = env.get_template(template).render(
        f=facts,
        n=narrative.passages,
        writer=f"Narrative by {narrative.writer}.",
        writer_note=narrative.note(),
        images=images,
        tables=tables,
        rows=BODY_ROWS,
    )
    return re.sub(r"\n{3,}", "\n\n", text)


def _html(markdown: str, title: str) -> str:
    """Self-contained HTML: raw HTML off, and no link or image but the charts the document embeds itself. Each
    table sits in a wrapper that scrolls sideways, so a wide table never widens the page on a phone."""
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    renderer.validateLink = own_link  # type: ignore[method-assign]
    rendered = renderer.render(markdown)  # data is escaped: a "<table>" here can only come from the renderer
    wrapped = rendered.replace("<table>", '<div class="table-scroll"><table>').replace("</table>", "</table></div>")
    body = Markup(wrapped)
    return _html_environment().get_template("document.html.j2").render(title=title, body=body)


def _write_text(path: Path, text: str) -> Path:
    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return atomic_write(path, write)


def write_document(
    workspace: Workspace, version: ICPVersion, facts: dict[str, Any], narrative: Narrative
) -> DocumentResult:
    """Render both forms to Markdown and HTML in the ICP version's document folder, with the full tables as CSV."""
    icp = facts["icp"]
    folder = document_folder(workspace, version)
    charts = draw_charts(facts, folder / "charts")
    frames = table_frames(facts)
    tables = {name: write_table(frame, folder / "tables" / f"{name}.csv") for name, frame in frames.items()}
    env = environment(Formats(facts["currency"]["symbol"]))
    relative = {k: Markup(f"charts/{p.name}") for k, p in charts.items()}
    embedded = {k: Markup(f"data:image/png;base64,{png_base64(p)}") for k, p in charts.items()}
    shown = {k: f"tables/{p.name}" for k, p in tables.items()}
    title = f"Ideal Customer Profile: {icp['name']} v{icp['version']}"
    paths: dict[str, Path] = {}
    for form, template in (("icp-document", "icp_document.md.j2"), ("one-page", "one_page.md.j2")):
        markdown = _render(env, template, facts, narrative, relative, shown)
        html = _html(_render(env, template, facts, narrative, embedded, shown), title)
        paths[f"{form}.md"] = _write_text(folder / f"{form}.md", markdown)
        paths[f"{form}.html"] = _write_text(folder / f"{form}.html", html)
    facts_path = write_json(folder / "facts.json", {**facts, "narrative": narrative.model_dump(mode="json")})
    detailed = paths["icp-document.md"].read_text("utf-8")
    one_page = paths["one-page.md"].read_text("utf-8")
    return DocumentResult(
        icp=icp["name"], version=icp["version"], folder=str(folder), markdown_path=str(paths["icp-document.md"]),
        html_path=str(paths["icp-document.html"]), one_page_markdown_path=str(paths["one-page.md"]),
        one_page_html_path=str(paths["one-page.html"]), facts_path=str(facts_path),
        charts=[str(p) for p in charts.values()], tables=[str(p) for p in tables.values()],
        outline=re.findall(r"^## (.+)$", detailed, flags=re.M), one_page=one_page[:MAX_ONE_PAGE_CHARS],
        writer=narrative.writer, rejected=narrative.rejected[:6],
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
