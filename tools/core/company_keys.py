"""Company-name join keys: the same company written two ways gets the same key.

"Müller GmbH & Co. KG", "MÜLLER gmbh" and "Muller" all key to ``muller``; "Rossi S.p.A.", "Kowalski Sp. z o.o.",
"Sony K.K." and "Société Générale S.A." lose their legal forms. The legal forms are cleanco's term data (several
hundred forms from dozens of countries, punctuation-free and accent-free as cleanco normalises them); the
matcher here strips them from the end of the name, longest first and repeatedly ("GmbH & Co. KG"), which
gives cleanco's answer at a fraction of its per-name cost, because a join key is computed for every distinct
name of a million-row file. Unicode letters are kept: Cyrillic, Greek and CJK names key on their own letters;
only accents on Latin letters are dropped, so "Müller" = "Muller" but "Иван" stays "иван".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict

import numpy as np
import pandas as pd
from cleanco.clean import normalized, prepare_default_terms, strip_punct, strip_tail

# Words that follow a company's name without being its legal form (cleanco keeps these).
_EXTRA_SUFFIXES = re.compile(r"\b(group|holdings|holding|company|corporation|incorporated|limited)\b")
# The Japanese legal forms are written before or after the name without a space (株式会社ソニー, ソニー株式会社).
_CJK_FORMS = re.compile(r"^(株式会社|有限会社|合同会社|\(株\)|（株）)|(株式会社|有限会社|合同会社|\(株\)|（株）)$")
# Forms that come before the name in their countries (Russia and the CIS, Ukraine, Indonesia): cleanco's, and the
# Russian АО / ЗАО / ИП, Kazakh ТОО and Ukrainian ТОВ / ПАТ it lacks.
_PREFIX_FORMS = frozenset(
    {"ооо", "оао", "пао", "зао", "ао", "ип", "тоо", "тов", "пат", "ooo", "oao", "zao", "pao", "tov", "pt"}
)
_NOT_WORD = re.compile(r"[\W_]+")
_LATIN_END = 0x250  # Latin letters end before the IPA block: accents are dropped on them only


@functools.cache
def _legal_forms() -> tuple[tuple[int, frozenset[tuple[str, ...]]], ...]:
    """cleanco's legal forms by their number of words, longest first."""
    by_size: dict[int, set[tuple[str, ...]]] = defaultdict(set)
    for size, parts in prepare_default_terms():
        by_size[size].add(tuple(parts))
    return tuple((size, frozenset(forms)) for size, forms in sorted(by_size.items(), reverse=True))


def strip_legal_form(name: str) -> str:
    """The name without its trailing legal forms (as many as follow each other) and a leading one where the form
    is written first (ООО Ромашка, PT Telkom), never emptied."""
    words = strip_tail(name).split()
    keys = [strip_punct(normalized(word)) for word in words]
    if len(words) > 1 and keys[0] in _PREFIX_FORMS:
        del words[0], keys[0]
    stripped = True
    while stripped and len(words) > 1:
        stripped = False
        for size, forms in _legal_forms():
            if size < len(words) and tuple(keys[-size:]) in forms:
                del words[-size:], keys[-size:]
                stripped = True
                break
    return strip_tail(" ".join(words))


def _fold(text: str) -> str:
    """Case-folded, compatibility-normalised, accents dropped from Latin letters only."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    out: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) and out and ord(out[-1]) < _LATIN_END:
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out)).replace("ß", "ss")


def normalize_name(name: object) -> str:
    """The join key of one company name ('' for a missing name)."""
    if name is None or (isinstance(name, float) and name != name):
        return ""
    text = unicodedata.normalize("NFKC", str(name)).strip()
    text = _CJK_FORMS.sub("", strip_legal_form(text)).strip() or text
    key = _NOT_WORD.sub(" ", _fold(text))
    key = _EXTRA_SUFFIXES.sub(" ", key)
    key = re.sub(r"^the\b", " ", key)
    return " ".join(key.split())


def normalize_names(names: pd.Series) -> pd.Series:
    """:func:`normalize_name` over a column, computed once per distinct value (a key per row, same index)."""
    codes, uniques = pd.factorize(names.astype("object"), use_na_sentinel=True)
    keys = np.array([*(normalize_name(value) for value in uniques), ""], dtype=object)
    return pd.Series(keys[codes], index=names.index, dtype="object")  # code -1 (missing) takes the last: ""
