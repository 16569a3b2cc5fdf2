"""What the report tools return (the ICP document, messaging for a segment), in a module that imports neither
pandas nor the template engines: the server declares draft_icp_document's and draft_messaging's output schemas with
these when it starts; :mod:`.document` and :mod:`.messaging` write them.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

MAX_DRAFT_CHARS = 600  # each message draft (email, LinkedIn note, ad copy) in the result


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
    tables: list[str] = Field(
        default_factory=list,
        description="CSV files beside the document with the full tables it shortens (segments, scorecard, "
        "firmographics, technographics)",
    )
    outline: list[str] = Field(description="Section headings of the detailed document")
    one_page: str = Field(description="The one-page summary (Markdown)")
    writer: str = Field(description="Who wrote the narrative passages")
    rejected: list[str] = Field(
        description="LLM passages rejected by the grounding check (template used instead; capped)"
    )
    hypotheses: int = Field(description="Statements marked as hypotheses to confirm with sales and customer success")


class Messaging(BaseModel):
    """Positioning and message drafts for one segment, where the full text is, and what still needs confirming."""

    icp: str
    version: int
    segment: str
    segment_id: int
    persona: str | None = None
    writer: str = Field(description="Who wrote the words: the client's model, the Anthropic API or templates")
    rejected: list[str] = Field(description="LLM passages rejected by the grounding check (template used instead)")
    path: str = Field(description="The Markdown file with every passage, the facts and the hypotheses")
    positioning: str = Field(description="The positioning statement")
    proof_points: list[str] = Field(description="Computed proof points, numbers exactly as in the data")
    drafts: dict[str, str] = Field(description=f"'email', 'linkedin', 'ad' (each capped at {MAX_DRAFT_CHARS} chars)")
    hypotheses: list[str] = Field(description="What the data cannot tell, each with the question to ask sales")
    notes: list[str] = Field(default_factory=list, description="Caveats: small samples, a segment the ICP ignores")
    profile: list[str] = Field(
        default_factory=list, description="Product-profile fields the drafts use (empty: no profile set yet)"
    )
    placeholders: list[str] = Field(
        default_factory=list,
        description="[Placeholders] still in the passages and drafts, for the user to fill in; set_product_profile "
        "fills [your product], [category] and [the outcome you deliver]",
    )
