"""The text encoding of an export: a BOM, UTF-16 or valid UTF-8 first, else the legacy code page whose reading of
the text is most plausible (Windows-1250/1251/1252, Shift-JIS, GB18030...), and how to name it to a person."""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter


def detect_encoding(sample: bytes) -> str:
    """The text encoding of a file from a sample of its first bytes: a BOM, UTF-16 zero bytes or valid UTF-8
    first (certain and fast: a UTF-8 file never reaches the detector), else a legacy code page."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(sample) >= 4 and sample[1:40:2].count(0) > 10:
        return "utf-16-le"
    if len(sample) >= 4 and sample[0:40:2].count(0) > 10:
        return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    return _legacy_encoding(sample)


# The code pages CRM and spreadsheet exports are written in. Left out on purpose: Mac and DOS pages, which the
# detector otherwise picks on short samples (cp775, mac-cyrillic) for text that is Windows or ISO.
LEGACY_ENCODINGS = [
    "cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "iso8859_2", "iso8859_15", "koi8_r", "cp932", "shift_jis", "euc_jp", "gb18030", "big5", "cp949", "euc_kr",
]  # fmt: skip


def _legacy_encoding(sample: bytes) -> str:
    """A Windows, ISO or East Asian code page for bytes that are not UTF-8.

    Candidates: Windows-1252, then charset-normalizer's readings of whole lines of the sample, then Windows-1250 and
    -1251. Each reading is scored by its oddities: signs stuck to letters ("£ódŸ" is Polish read as Western) and
    words whose letters no single alphabet holds ("Budìjovický" is Czech read as Western, "Construçőes" is
    Portuguese read as Central European, "Ðîìàøêà" is Russian read as Western). Windows-1252, what was read before
    detection existed, stays unless another reading has at least MARGIN fewer oddities: Western files decode as
    letters in several Latin pages, and the detector alone takes "São Paulo" for Polish. Ties between the other
    readings go to the detector's order. Latin-1 when nothing decodes."""
    from charset_normalizer import from_bytes

    cut = sample.rfind(b"\n")
    lines = sample[: cut + 1] if cut > 0 else sample  # never hand the detector half of a multi-byte character
    texts: dict[str, str] = {}
    _add_reading(texts, "cp1252", lines)
    for match in from_bytes(lines, cp_isolation=LEGACY_ENCODINGS):
        text = str(match)
        if text not in texts.values():
            texts.setdefault(codecs.lookup(match.encoding).name, text)
    _add_reading(texts, "cp1250", lines)
    _add_reading(texts, "cp1251", lines)
    if not texts:
        return "latin-1"
    odd = {encoding: _oddities(text) for encoding, text in texts.items()}
    best = min(texts, key=lambda encoding: odd[encoding])  # the first of equals: dict order is the ranking
    if "cp1252" in odd and odd["cp1252"] - odd[best] < MARGIN:
        return "cp1252"
    return best


MARGIN = 2  # oddities another reading must save to displace Windows-1252
_NAME_SIGNS = set("’‘·®™")  # signs that do sit inside company names
_TOKEN_SPLIT = re.compile(r"[\s,;|\"'()\[\]{}<>/\\=+*&:!?]+")
# Non-ASCII letters of the languages written in the Latin code pages (lower case). Vietnamese is left out: its
# alphabet holds nearly every accented vowel, so it would excuse any misreading.
_ALPHABETS = [
    frozenset(letters)
    for letters in (
        "àâæçéèêëîïôœùûüÿ", "äöüßé", "áéíñóúü", "áâãàçéêíóôõúü", "àèéìíîòóùú", "àçèéíïòóúü", "áéíóúàèëïöüäê",
        "æøåéóôèòâ", "åäöéü", "åäöšž", "áðéíóúýþæö", "õäöüšž", "ąćęłńóśźż", "áčďéěíňóřšťúůýž",
        "áäčďéíĺľňóôŕšťúýž", "áéíóöőúüű", "čćđšž", "ăâîşţșț", "çë", "çğıöşüâîû", "āčēģīķļņšūž", "ąčęėįšųūž",
    )
]  # fmt: skip
_KNOWN_LATIN = frozenset().union(*_ALPHABETS)
_ONE_SCRIPT = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "KATAKANA-HIRAGANA": "CJK", "HALFWIDTH": "CJK", "FULLWIDTH": "CJK"}


def _add_reading(texts: dict[str, str], encoding: str, data: bytes) -> None:
    if encoding in texts:
        return
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return
    if text not in texts.values():
        texts[encoding] = text


def _oddities(text: str) -> int:
    """Signs stuck to letters plus words no single alphabet spells, over the words with a non-ASCII character."""
    words = Counter(w for w in _TOKEN_SPLIT.split(text) if not w.isascii())
    return sum(count * (_stray_signs(word) + (not _one_alphabet(word))) for word, count in words.items())


def _stray(char: str) -> bool:
    if char in "ªº":  # ordinal indicators are letters to Unicode, but never sit inside a word: "Braºov" is Braşov
        return True
    return not char.isascii() and not char.isalnum() and char not in _NAME_SIGNS and not unicodedata.combining(char)


def _stray_signs(word: str) -> int:
    """Non-ASCII signs touching a letter (£ ¯ ³ ¹ ׀): what a wrong code page leaves inside words."""
    odd = 0
    previous = " "
    for char in word:
        if (_stray(char) and previous.isalpha()) or (char.isalpha() and _stray(previous)):
            odd += 1
        previous = char
    return odd


def _one_alphabet(word: str) -> bool:
    """True when one script, and for Latin letters one language's alphabet, holds every letter of the word."""
    letters = {c for c in unicodedata.normalize("NFC", word.lower()) if c.isalpha() and not c.isascii()}
    scripts = {_script(c) for c in letters}
    if len(scripts) > 1:
        return False
    if scripts != {"LATIN"}:
        return True
    known = letters & _KNOWN_LATIN  # a letter of a language not listed here counts against no reading
    return any(known <= alphabet for alphabet in _ALPHABETS)


def _script(char: str) -> str:
    name = unicodedata.name(char, "").split(" ")[0]
    return "CJK" if name.startswith("CJK") else _ONE_SCRIPT.get(name, name)


UNICODE_ENCODINGS = {"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"}
_ENCODING_NAMES = {
    "cp1252": "Western European (Windows-1252)",
    "latin-1": "Western European (Latin-1)",
    "iso8859-1": "Western European (Latin-1)",
    "cp1250": "Central European (Windows-1250)",
    "iso8859-2": "Central European (ISO-8859-2)",
    "cp1251": "Cyrillic (Windows-1251)",
    "koi8-r": "Cyrillic (KOI8-R)",
    "iso8859-5": "Cyrillic (ISO-8859-5)",
    "cp866": "Cyrillic (DOS 866)",
    "cp1253": "Greek (Windows-1253)",
    "cp1254": "Turkish (Windows-1254)",
    "cp1255": "Hebrew (Windows-1255)",
    "cp1256": "Arabic (Windows-1256)",
    "cp1257": "Baltic (Windows-1257)",
    "cp1258": "Vietnamese (Windows-1258)",
    "cp932": "Japanese (Shift-JIS)",
    "shift_jis": "Japanese (Shift-JIS)",
    "euc_jp": "Japanese (EUC-JP)",
    "gb18030": "Chinese (GB18030)",
    "gbk": "Chinese (GBK)",
    "big5": "Chinese (Big5)",
    "cp949": "Korean (CP949)",
    "euc_kr": "Korean (EUC-KR)",
}


def encoding_name(encoding: str) -> str:
    """A person's name for a codec: 'Cyrillic (Windows-1251)'."""
    return _ENCODING_NAMES.get(encoding, encoding)


def encoding_warning(file_name: str, encoding: str | None) -> str | None:
    """The card's warning for a file read in a guessed legacy encoding (none for Unicode or binary formats)."""
    if encoding is None or encoding in UNICODE_ENCODINGS:
        return None
    return (
        f"{file_name} is not Unicode: read as {encoding_name(encoding)}, detected from its text. If names look "
        "garbled, save the file as CSV UTF-8 and load it again."
    )
