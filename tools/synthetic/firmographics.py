"""Account attributes: planted profiles, industry, size, CRM and tools, revenue, location."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .helpers import _arrow, _counts, _pick
from .specs import SegmentSpec
from .vocab import (
    BEST,
    CHURN,
    COUNTRIES,
    CRM_WEIGHTS,
    CRMS,
    DYNAMICS,
    FINTECH,
    HEALTHCARE,
    HUBSPOT,
    INDUSTRIES,
    INDUSTRY_WEIGHTS,
    NO_CRM,
    OTHER,
    OWNERS,
    RETAIL,
    SALESFORCE,
    SHIFT,
    SHOPIFY,
    TOOLS,
)


@dataclass
class _Accounts:
    """Account attributes as arrays (codes into the vocabularies, day offsets from the window start)."""

    profile: np.ndarray
    ids: np.ndarray
    industry: np.ndarray
    employees: np.ndarray
    revenue: np.ndarray
    country: np.ndarray
    city: np.ndarray
    founded: np.ndarray
    owner: np.ndarray
    tech: np.ndarray  # crm code + 8 * tool bitmask; -1 = unknown
    prefix: np.ndarray
    root: np.ndarray
    descriptor: np.ndarray  # global index into the flattened DESCRIPTORS
    legal: np.ndarray  # index into LEGAL
    tld: np.ndarray  # index into TLDS
    create_day: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    create_minute: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    customer_day: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    churn_day: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    nps: np.ndarray = field(default_factory=lambda: np.empty(0, float))
    lifecycle: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    color: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    lead_score: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    note: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    def __len__(self) -> int:
        return len(self.profile)


def _assign_profiles(rng: np.random.Generator, n: int, segments: Sequence[SegmentSpec]) -> np.ndarray:
    counts = _counts([s.share for s in segments], n)
    return rng.permutation(np.repeat(np.arange(len(segments)), counts))


def _log_uniform(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high + 1), n)).astype(np.int64).clip(int(low), int(high))


def _industries(rng: np.random.Generator, profile: np.ndarray) -> np.ndarray:
    industry = _pick(rng, INDUSTRY_WEIGHTS, len(profile))
    forced = {BEST: FINTECH, CHURN: RETAIL, SHIFT: HEALTHCARE}
    for planted, value in forced.items():
        industry[profile == planted] = value
    return industry


def _employees(rng: np.random.Generator, profile: np.ndarray, industry: np.ndarray) -> np.ndarray:
    n = len(profile)
    other = np.exp(rng.normal(np.log(180), 1.3, n)).round().astype(np.int64).clip(1, 60_000)
    employees = np.select(
        [profile == BEST, profile == CHURN, profile == SHIFT],
        [_log_uniform(rng, 100, 999, n), _log_uniform(rng, 2, 49, n), _log_uniform(rng, 1000, 20_000, n)],
        other,
    )
    # Unplanted accounts never satisfy the churn rule.
    small_retail = (profile == OTHER) & (industry == RETAIL) & (employees < 50)
    return np.where(small_retail, rng.integers(50, 400, n), employees)


def _crm(rng: np.random.Generator, profile: np.ndarray, industry: np.ndarray, employees: np.ndarray) -> np.ndarray:
    crm = _pick(rng, CRM_WEIGHTS, len(profile))
    crm = np.where(profile == BEST, SALESFORCE, np.where(profile == SHIFT, DYNAMICS, crm))
    # Unplanted accounts never satisfy the best or shift rules.
    unplanted = (profile == OTHER) | (profile == CHURN)
    mid_fintech = unplanted & (industry == FINTECH) & (employees >= 100) & (employees <= 999)
    large_health = unplanted & (industry == HEALTHCARE) & (employees >= 1000)
    crm = np.where(mid_fintech & (crm == SALESFORCE), HUBSPOT, crm)
    return np.where(large_health & (crm == DYNAMICS), SALESFORCE, crm)


def _technologies(rng: np.random.Generator, profile: np.ndarray, industry: np.ndarray, crm: np.ndarray) -> np.ndarray:
    n = len(profile)
    bits = np.zeros(n, dtype=np.int64)
    for i, (_, weight) in enumerate(TOOLS):
        p = np.where(industry == RETAIL, 0.6, weight) if i == SHOPIFY else weight
        bits |= (rng.random(n) < p).astype(np.int64) << i
    unknown = ((profile == OTHER) | (profile == CHURN)) & (rng.random(n) < 0.05)
    code = crm + 8 * bits
    return np.where(unknown | (code == NO_CRM), -1, code)


def _tech_label(code: int) -> str | None:
    """Web Technologies cell for a code: the CRM first, then the tools in TOOLS order."""
    if code < 0:
        return None
    crm, bits = code % 8, code // 8
    names = [CRMS[crm]] if crm < len(CRMS) else []
    names += [name for i, (name, _) in enumerate(TOOLS) if bits >> i & 1]
    return "; ".join(names) if names else None


_HALF = 8  # tools in the first half of a tech code


@lru_cache(maxsize=1)
def _tech_vocab() -> tuple[pa.Array, pa.Array]:
    """Labels for (CRM + first 8 tools) and for (last 8 tools): two small tables instead of 393k labels."""
    head = _arrow(_tech_label(code) for code in range(8 << _HALF))
    tail = _arrow(_tech_label(NO_CRM + 8 * (bits << _HALF)) for bits in range(1 << (len(TOOLS) - _HALF)))
    return head, tail


def _tech_text(codes: np.ndarray) -> pa.Array:
    head, tail = _tech_vocab()
    unknown = pa.array(codes < 0)
    first = head.take(pa.array(np.where(codes < 0, NO_CRM, codes % (8 << _HALF))))
    second = tail.take(pa.array(np.maximum(codes, 0) >> (3 + _HALF)))
    # Not null_handling="skip": pyarrow drops rows where every part is null.
    both = pc.binary_join_element_wise(first, second, "; ")
    return pc.if_else(unknown, pa.scalar(None, pa.string()), pc.coalesce(both, first, second))


def _revenue(rng: np.random.Generator, employees: np.ndarray, industry: np.ndarray) -> np.ndarray:
    median = np.full(len(INDUSTRIES), 160_000.0)  # revenue per employee
    median[[INDUSTRIES.index("Software"), FINTECH, RETAIL]] = (220_000.0, 250_000.0, 120_000.0)
    revenue = employees * np.exp(rng.normal(np.log(median[industry]), 0.45))
    magnitude = 10.0 ** (np.floor(np.log10(revenue)) - 1)  # keep two significant digits
    return (np.round(revenue / magnitude) * magnitude).astype(np.int64)


def _firmographics(rng: np.random.Generator, profile: np.ndarray, end_year: int) -> dict[str, np.ndarray]:
    n = len(profile)
    industry = _industries(rng, profile)
    employees = _employees(rng, profile, industry)
    crm = _crm(rng, profile, industry, employees)
    country = _pick(rng, [c.weight for c in COUNTRIES], n)
    age = np.exp(rng.normal(np.log(np.where(industry == FINTECH, 7, 16)), 0.7))
    return {
        "industry": industry,
        "employees": employees,
        "revenue": _revenue(rng, employees, industry),
        "tech": _technologies(rng, profile, industry, crm),
        "country": country,
        "city": country * 4 + rng.integers(0, 4, n),
        "founded": (end_year - np.round(age)).astype(np.int64).clip(1900, end_year),
        "owner": rng.integers(0, len(OWNERS), n),
    }
