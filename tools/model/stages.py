"""The order of open deal stages, inferred from their labels: a leading number ("2 - Discovery"), else the common
CRM stage words (prospecting < qualification < engaging / demo < decision < proposal < negotiation / commit), else
the order in which the stages first appear in the file."""

from __future__ import annotations

import re
from collections.abc import Sequence

STAGE_WORDS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (6, ("negotiat", "commit", "contract", "verbal", "closing", "legal", "procurement", "signature")),
    (5, ("proposal", "quote", "pricing", "price", "offer")),
    (4, ("decision", "bought-in", "bought in", "champion", "perception", "business case")),
    (3, ("engag", "demo", "presentation", "evaluat", "solution", "value prop", "proof", "poc", "trial", "pilot")),
    (2, ("qualif", "discover", "needs", "analysis", "sql", "assess", "meeting")),
    (1, ("prospect", "lead", "new", "appointment", "contact", "attempt", "open", "initial", "outreach", "mql")),
)
LEADING_NUMBER = re.compile(r"^\s*(?:stage\s*)?(\d+(?:\.\d+)?)\b", re.IGNORECASE)


def _word_rank(label: str) -> int | None:
    key = " ".join(label.lower().replace("_", " ").split())
    return next((rank for rank, words in STAGE_WORDS if any(word in key for word in words)), None)


def _number(label: str) -> float | None:
    found = LEADING_NUMBER.match(label)
    return float(found.group(1)) if found else None


def stage_order(labels: Sequence[str]) -> tuple[dict[str, float], str]:
    """Each distinct stage label's rank (higher = later in the sales process) and how the order was inferred."""
    distinct = list(dict.fromkeys(labels))
    numbers = {label: _number(label) for label in distinct}
    if distinct and all(v is not None for v in numbers.values()):
        return {k: float(v) for k, v in numbers.items() if v is not None}, "the number each stage starts with"
    words = {label: _word_rank(label) for label in distinct}
    if all(v is not None for v in words.values()):
        ranks = {k: float(v) for k, v in words.items() if v is not None}
        return ranks, "common CRM stage words (prospecting < qualification < demo < decision < proposal < negotiation)"
    unknown = [label for label, v in words.items() if v is None]
    shown = ", ".join(repr(u) for u in unknown[:5])
    return (
        {label: float(i) for i, label in enumerate(distinct)},
        f"the order the stages first appear in the file (stage words not recognised: {shown})",
    )
