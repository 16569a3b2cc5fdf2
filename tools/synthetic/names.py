"""Company names and domains: unique draws, join keys and vectorised labels."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .firmographics import _Accounts
from .helpers import _arrow, _take
from .vocab import COUNTRIES, DESCRIPTORS, FINTECH, INDUSTRIES, LEGAL, PREFIXES, ROOTS, TLDS

_DESCRIPTOR_WORDS = tuple(word for group in DESCRIPTORS for word in group)


def _base_name(prefix: int, root: int, descriptor: int) -> str:
    return f"{PREFIXES[prefix]}{ROOTS[root]} {_DESCRIPTOR_WORDS[descriptor]}"


def _name_key(name: str) -> str:
    """Company name without its legal suffix, lower case, letters and digits only."""
    text = str(name).strip()
    for suffix in sorted(filter(None, LEGAL), key=len, reverse=True):
        text = text.removesuffix(" " + suffix)
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _redraw_duplicates(
    rng: np.random.Generator, parts: dict[str, np.ndarray], exclude: frozenset[str]
) -> dict[str, np.ndarray]:
    prefix, root = parts["prefix"], parts["root"]
    for _ in range(200):
        keys = pd.Series([_name_key(_base_name(*t)) for t in zip(prefix, root, parts["descriptor"], strict=True)])
        bad = (keys.duplicated() | keys.isin(exclude)).to_numpy()
        if not bad.any():
            return parts
        prefix[bad] = rng.integers(0, len(PREFIXES), int(bad.sum()))
        root[bad] = rng.integers(0, len(ROOTS), int(bad.sum()))
    raise ValueError("could not draw unique company names; use fewer accounts")


def _name_parts(
    rng: np.random.Generator,
    industry: np.ndarray,
    country: np.ndarray,
    *,
    unique: bool,
    exclude: frozenset[str],
) -> dict[str, np.ndarray]:
    n = len(industry)
    legal_count = np.array([len(c.legal) for c in COUNTRIES])
    legal_local = np.floor(rng.random(n) * legal_count[country]).astype(np.int64)
    legal_table = np.full((len(COUNTRIES), max(legal_count)), -1)
    for i, c in enumerate(COUNTRIES):
        legal_table[i, : len(c.legal)] = [LEGAL.index(s) for s in c.legal]
    country_tld = np.array([TLDS.index(c.tld) for c in COUNTRIES])[country]
    techy = (industry == FINTECH) | (industry == INDUSTRIES.index("Software"))
    local = np.where(rng.random(n) < 0.5, country_tld, TLDS.index(".com"))
    tld = np.where(techy & (rng.random(n) < 0.3), TLDS.index(".io"), local)
    parts = {
        "prefix": rng.integers(0, len(PREFIXES), n),
        "root": rng.integers(0, len(ROOTS), n),
        "descriptor": industry * 5 + rng.integers(0, 5, n),
        "legal": legal_table[country, legal_local],
        "tld": tld,
    }
    return _redraw_duplicates(rng, parts, exclude) if unique else parts


def _base_codes(acc: _Accounts) -> np.ndarray:
    return (acc.prefix * len(ROOTS) + acc.root) * len(_DESCRIPTOR_WORDS) + acc.descriptor


def _split_base(code: int) -> tuple[int, int, int]:
    head, descriptor = divmod(code, len(_DESCRIPTOR_WORDS))
    prefix, root = divmod(head, len(ROOTS))
    return prefix, root, descriptor


@lru_cache(maxsize=1)
def _name_vocab() -> tuple[pa.Array, pa.Array]:
    """Every base name and its domain stem, indexed by base code (~78k of each)."""
    names = [
        _base_name(p, r, d)
        for p in range(len(PREFIXES))
        for r in range(len(ROOTS))
        for d in range(len(_DESCRIPTOR_WORDS))
    ]
    return _arrow(names), _arrow(name.replace(" ", "").lower() for name in names)


def _company_names(acc: _Accounts) -> pa.Array:
    base = _name_vocab()[0].take(pa.array(_base_codes(acc)))
    legal = _take(LEGAL, acc.legal, missing=np.asarray(LEGAL)[acc.legal] == "")
    return pc.binary_join_element_wise(base, legal, " ", null_handling="skip")


def _domains(acc: _Accounts) -> pa.Array:
    stem = _name_vocab()[1].take(pa.array(_base_codes(acc)))
    return pc.binary_join_element_wise(stem, _take(TLDS, acc.tld), "")
