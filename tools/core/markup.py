"""Data is text, never markup: every value a document shows (account names, segment names, criteria, LLM passages)
is escaped for Markdown before it enters a template, and the HTML renderer resolves no link or image that the
code itself did not embed. Template output that is markup on purpose (a blockquote, a table cell, a chart) is
built from escaped text and marked with :class:`markupsafe.Markup`."""

from __future__ import annotations

import re

from markupsafe import Markup

MARKDOWN_SPECIALS = re.compile(r"([\\`\[\]<>|])")
OWN_IMAGE = ("data:image/png;base64,", "charts/")


def md_escape(value: object) -> str:
    """``value`` as literal Markdown text: the characters that start links, images, code, raw HTML or a
    table cell are backslash-escaped, so `<script>`, `![x](http://..)` and `[x](javascript:..)` stay words."""
    if isinstance(value, Markup):
        return str(value)
    return MARKDOWN_SPECIALS.sub(r"\\\1", str(value))


def finalize(value: object) -> object:
    """Jinja2 ``finalize`` for Markdown templates: every printed value escaped unless it is markup on purpose."""
    if value is None or isinstance(value, Markup | int | float):
        return value
    return md_escape(value)


def cell(value: object) -> Markup:
    """A value in a Markdown table cell: escaped, on one line."""
    return Markup(md_escape(value).replace("\r", " ").replace("\n", " "))


def own_link(url: str) -> bool:
    """Only the charts the document embeds itself may load: no remote image, no link built from data."""
    return url.startswith(OWN_IMAGE)
