"""Infer what an unmapped column holds (number, money, percent, date, bool, list, id, text, category)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal, TypeAlias

from .cells import is_placeholder, parse_bool, split_multi
from .date_shapes import _looks_like_date
from .guesses import guess_decimal
from .numbers import _CURRENCY_CODES, parse_number

ValueKind: TypeAlias = Literal["number", "money", "percent", "date", "bool", "multi", "category", "text", "id"]


_SAMPLE_SIZE = 1000
_MIN_FOR_UNIQUENESS = 20
_MONEY_MARK = re.compile(
    rf"[$€£¥₹]|(?<![a-z])(?:{_CURRENCY_CODES})(?![a-z])"
    r"|[0-9]\s*(?:k|m|mm|mn|mio|b|bn|mrd|million|billion)(?![a-z])",
    re.IGNORECASE,
)
_MULTI_MARK = re.compile(r";|\||, ")
_CODE = re.compile(r"\S{6,}")
_CODE_MARK = re.compile(r"[0-9@]|^[a-z0-9-]+(?:\.[a-z0-9-]+)+$", re.IGNORECASE)
_LEADING_ZERO = re.compile(r"0[0-9]+")


def infer_kind(values: Sequence[str]) -> ValueKind:
    """Decide what an unmapped column holds from (up to 1000 of) its non-placeholder values."""
    sample = [str(v).strip() for v in values if not is_placeholder(v)][:_SAMPLE_SIZE]
    if not sample:
        return "text"
    for kind, test in _KIND_TESTS:
        if test(sample):
            return kind
    return "category"


def _share(sample: list[str], test: Callable[[str], bool]) -> float:
    return sum(1 for v in sample if test(v)) / len(sample)


def _unique_share(sample: list[str]) -> float:
    return len(set(sample)) / len(sample)


def _looks_bool(sample: list[str]) -> bool:
    distinct = {v.lower() for v in sample}
    return len(distinct) <= 2 and all(parse_bool(v) is not None for v in distinct)


def _looks_percent(sample: list[str]) -> bool:
    return _share(sample, lambda v: v.endswith("%") and parse_number(v) is not None) >= 0.9


def _looks_number(sample: list[str]) -> bool:
    if _share(sample, lambda v: _LEADING_ZERO.fullmatch(v) is not None) >= 0.5:
        return False  # zip codes, account numbers
    mark = guess_decimal(sample)
    return _share(sample, lambda v: parse_number(v, decimal=mark) is not None) >= 0.9


def _looks_money(sample: list[str]) -> bool:
    return _looks_number(sample) and _share(sample, lambda v: _MONEY_MARK.search(v) is not None) >= 0.3


def _looks_date(sample: list[str]) -> bool:
    return _share(sample, _looks_like_date) >= 0.9


def _looks_multi(sample: list[str]) -> bool:
    if _share(sample, lambda v: _MULTI_MARK.search(v) is not None) < 0.2:
        return False
    parts = [p.casefold() for v in sample for p in split_multi(v)]
    return bool(parts) and len(set(parts)) < 0.5 * len(parts)


def _looks_id(sample: list[str]) -> bool:
    if len(sample) < _MIN_FOR_UNIQUENESS or _unique_share(sample) < 0.95:
        return False
    return _share(sample, lambda v: _CODE.fullmatch(v) is not None and _CODE_MARK.search(v) is not None) >= 0.95


def _looks_text(sample: list[str]) -> bool:
    if sum(len(v) for v in sample) / len(sample) > 40:
        return True
    if len(sample) < _MIN_FOR_UNIQUENESS:
        return False
    return _unique_share(sample) >= 0.9 and _share(sample, lambda v: " " in v) >= 0.5


_KIND_TESTS: tuple[tuple[ValueKind, Callable[[list[str]], bool]], ...] = (
    ("bool", _looks_bool),
    ("percent", _looks_percent),
    ("money", _looks_money),
    ("number", _looks_number),
    ("date", _looks_date),
    ("multi", _looks_multi),
    ("id", _looks_id),
    ("text", _looks_text),
)
