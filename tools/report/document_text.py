"""How the ICP document says things: one number format, human labels, no tool or field names in its prose.

Money carries the file's currency ("$16.6k", "€5.0M") or, when the export does not state one, no symbol and
one sentence saying so; a lift reads "1.4×"; a rate "53% (210 of 396; 95% CI 48–58%)". Text made by other
engine modules for tool results (notes, segment traits, persona findings) is reworded here for the document:
column names become their labels, tool names become what the marketer does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from icp_assistant.tools.core.labels import field_label, level_label, missing_label, range_label

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CAD": "CA$", "AUD": "A$",
                    "NZD": "NZ$", "HKD": "HK$", "SGD": "S$", "BRL": "R$"}  # fmt: skip
CURRENCY_NAMES = {"USD": "US dollars", "EUR": "euros", "GBP": "pounds sterling", "JPY": "yen", "INR": "rupees"}
UNKNOWN_CURRENCY = "Amounts are in the file's currency, not stated in the export."

# What the marketer does instead of calling a tool: tool names never reach the document.
TOOL_WORDS = {
    "load_accounts": "loading the export",
    "find_best_customers": "a ranking of accounts by value",
    "find_patterns": "the pattern analysis",
    "segment_accounts": "a segmentation",
    "rank_segments": "ranking the segments",
    "find_red_flags": "the red-flag analysis",
    "build_icp": "rebuilding the ICP",
    "edit_icp": "editing the ICP",
    "score_prospect": "scoring a prospect",
    "score_prospects": "scoring a prospect list",
    "validate_icp": "testing the ICP on held-out deals",
    "check_drift": "the quarterly drift check",
    "size_market": "sizing the market",
    "export_icp": "exporting the scoring model",
    "draft_icp_document": "this document",
    "draft_messaging": "the messaging drafts",
}
_TOOL_IN_PARENS = re.compile(r"\s*\(`?(?:" + "|".join(TOOL_WORDS) + r")`?\)")
_TOOL = re.compile(r"`?\b(" + "|".join(sorted(TOOL_WORDS, key=len, reverse=True)) + r")\b`?")
_SNAKE = re.compile(r"(?<![\w./-])([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![\w/]|\.\w)")
_COUNT = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+"
_SLASH_RATE = re.compile(rf"\(({_COUNT})/({_COUNT})(?:, 95% CI (\d+)%?-(\d+)%)?")
_CI_DASH = re.compile(r"(95% CI [\d.]+%?)-([\d.]+%?)")
_SHARES = r" \((?P<inside>\d+)% of the segment vs (?P<all>\d+)% of all accounts\)"
_BARE_RANGE = re.compile(r"^[<$€£]?\s*[\d.,]+[kKMB]?(?:\s*-\s*[$€£]?[\d.,]+[kKMB]?|\+)?(?:\s+years)?$")


@dataclass(frozen=True)
class Formats:
    """Number formats of one document; ``symbol`` is the currency sign, None when the export states none."""

    symbol: str | None = None

    def money(self, value: float | None) -> str:
        if value is None or not math.isfinite(value):
            return "n/a"
        amount, sign = abs(float(value)), "-" if value < 0 else ""
        body = f"{amount:,.0f}"
        for scale, suffix in ((1e3, "k"), (1e6, "M"), (1e9, "B")):
            scaled = amount / scale
            if amount >= 999.5 and (scaled < 999.5 or suffix == "B"):
                body = f"{scaled:.1f}{suffix}" if scaled < 99.95 else f"{scaled:,.0f}{suffix}"
                break
        return f"{sign}{self.symbol or ''}{body}"

    @staticmethod
    def lift(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1f}×"

    @staticmethod
    def pct(value: float | None, digits: int = 0) -> str:
        return "n/a" if value is None else f"{value:.{digits}%}"

    @staticmethod
    def num(value: float | None) -> str:
        if value is None:
            return "n/a"
        return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.2f}"

    @staticmethod
    def rate(r: Mapping[str, Any] | None) -> str:
        """53% (210 of 396; 95% CI 48–58%), with "small sample" under 30."""
        if not r or r.get("rate") is None:
            return "n/a"
        interval = ""
        if r.get("low") is not None and r.get("high") is not None:
            interval = f"; 95% CI {r['low']:.0%}".removesuffix("%") + f"–{r['high']:.0%}"
        small = "; small sample" if r.get("small_sample") else ""
        return f"{r['rate']:.0%} ({r['hits']:,} of {r['n']:,}{interval}{small})"

    def lift_interval(self, row: Mapping[str, Any]) -> str:
        if row.get("lift") is None:
            return "n/a"
        if row.get("lift_low") is None or row.get("lift_high") is None or not math.isfinite(row["lift_high"]):
            return self.lift(row["lift"])
        return f"{self.lift(row['lift'])} ({row['lift_low']:.1f}–{self.lift(row['lift_high'])})"


def currency_symbol(code: str | None) -> str | None:
    return None if code is None else CURRENCY_SYMBOLS.get(code, f"{code} ")


def currency_sentence(code: str | None) -> str:
    if code is None:
        return UNKNOWN_CURRENCY
    return f"Amounts are in {CURRENCY_NAMES.get(code, code)} ({code}), as the export marks them."


def humanize(text: str) -> str:
    """Engine prose made readable: tool names become what the marketer does, column names their labels,
    rates "(7/261, 95% CI 1-5%)" the document's "(7 of 261; 95% CI 1–5%)"."""
    text = _TOOL_IN_PARENS.sub("", text)
    text = _TOOL.sub(lambda m: TOOL_WORDS[m[1]], text)
    text = _SNAKE.sub(lambda m: field_label(m[1]), text)
    text = _SLASH_RATE.sub(_rate_words, text)
    return _CI_DASH.sub(r"\1–\2", text)


def _rate_words(match: re.Match[str]) -> str:
    interval = f"; 95% CI {match[3]}–{match[4]}%" if match[3] else ""
    return f"({match[1]} of {match[2]}{interval}"


_PER_ACCOUNT = re.compile(r"(?:(?<=\) )|(?<=otherwise )|(?<=: ))(\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)(?=[,;]| \(|$)")


def amounts_text(text: str, fmt: Formats) -> str:
    """A market-size assumption "contract value per account: Large (1,000+) 13,700, ...; otherwise 16,600 (median
    won deal)" with its amounts in the document's money format (the band names keep their numbers)."""
    if not text.startswith("contract value per account"):
        return humanize(text)
    return humanize(_PER_ACCOUNT.sub(lambda m: fmt.money(float(m[1].replace(",", ""))), text))


def plain_number(value: float) -> str:
    """A bin edge as the scorecard writes it: years bare, thousands with commas, else three digits."""
    if 1900 <= value <= 2100 and float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def criterion_text(c: Mapping[str, Any], money_columns: Iterable[str], fmt: Formats) -> str:
    """A scorecard criterion in words, amounts in the document's currency."""
    column, kind = str(c["attribute"]), c["kind"]
    if kind == "range":
        say = fmt.money if column in set(money_columns) else plain_number
        low, high = c.get("low"), c.get("high")
        return range_label(column, None if low is None else say(low), None if high is None else say(high))
    if kind == "missing":
        return missing_label(column)
    spelled = str(c["id"])[len(column) + 1 :] if str(c["id"]).startswith(f"{column}=") else str(c["value"])
    return level_label(column, spelled, multi=kind == "multi", currency=fmt.symbol)


def trait_text(text: str, kinds: Mapping[str, str], symbol: str | None) -> str:
    """A segment trait "tech_stack is Salesforce (68% of the segment vs 29% of all accounts)" in words."""
    for column in sorted(kinds, key=len, reverse=True):
        found = re.match(rf"^{re.escape(column)} is (?P<value>.+?)(?:{_SHARES})?$", text)
        if found:
            words = level_label(column, found["value"], multi=kinds[column] == "multi", currency=symbol)
            return words + (f" ({found['inside']}% of the segment vs {found['all']}% of all accounts)"
                            if found["inside"] else "")  # fmt: skip
    return humanize(text)


def negative_text(text: str, kinds: Mapping[str, str], symbol: str | None) -> str:
    """A negative description "not country Germany (0% of the segment vs 11% of all accounts)" in words."""
    for column in sorted(kinds, key=len, reverse=True):
        found = re.match(rf"^not {re.escape(column)} (?P<value>.+?){_SHARES}$", text)
        if found:
            words = level_label(column, found["value"], multi=kinds[column] == "multi", currency=symbol)
            return f"{words}: only {found['inside']}% of the segment vs {found['all']}% of all accounts"
    return humanize(text)


def segment_title(name: str, profile: Iterable[Mapping[str, Any]], symbol: str | None) -> str:
    """A segment name whose parts are bare ranges ("5,001-10,000") gets the field they range over."""
    values = {str(p["value"]): str(p["attribute"]) for p in profile}
    parts = []
    for part in name.split(" · "):
        column = values.get(part)
        bare = column is not None and _BARE_RANGE.match(part)
        parts.append(level_label(column, part, currency=symbol) if bare and column else part)
    return " · ".join(parts)


def excluded_text(entry: str) -> str:
    """ "annual_revenue: read through its band" -> "Annual revenue: read through its band"."""
    column, _, reason = entry.partition(": ")
    return f"{field_label(column)}: {humanize(reason)}" if reason else humanize(entry)


_OP_WORDS = {"==": "is", "!=": "is not", ">": "above", ">=": "at least", "<": "below", "<=": "at most",
             "in": "is one of", "not in": "is none of", "contains": "includes"}  # fmt: skip


def gate_text(condition: Mapping[str, Any]) -> str:
    """A must-have or disqualifier {"column", "op", "value"} in words: "Country is one of Germany, France"."""
    value = condition["value"]
    if isinstance(value, list):
        shown = ", ".join(map(str, value))
    else:
        shown = plain_number(value) if isinstance(value, int | float) else str(value)
    return f"{field_label(str(condition['column']))} {_OP_WORDS.get(condition['op'], condition['op'])} {shown}"
