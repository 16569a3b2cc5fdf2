"""Jinja2 templates: MCP prompt templates and document templates. Data, not logic."""

from pathlib import Path

TEMPLATE_DIR = Path(__file__).parent
