"""Read a job title and a buying role the way a salesperson would.

``seniority("SVP, Global FP&A")`` is ``"VP / Head of"``, ``department("VP, Fin. Ops")`` is
``"Finance"``, ``contact_role("Economic Buyer")`` is ``"decision maker"``. Keyword tables, not a model:
every decision can be read in this file, and a title nothing matches is "Individual contributor" /
"Other", never a guess. Blank titles and roles give ``None``.
"""

from __future__ import annotations

import re
from typing import Literal

Seniority = Literal["C-level / founder", "VP / Head of", "Director", "Manager", "Individual contributor"]
Department = Literal[
    "Finance",
    "Operations",
    "Sales",
    "Marketing",
    "IT / Engineering",
    "Customer Success / Support",
    "HR / People",
    "Legal",
    "Procurement",
    "Executive",
    "Other",
]
ContactRole = Literal["champion", "decision maker", "influencer", "user", "other"]

SENIORITY_ORDER: tuple[Seniority, ...] = (
    "C-level / founder",
    "VP / Head of",
    "Director",
    "Manager",
    "Individual contributor",
)

_C_LEVEL = (
    r"c[a-z]{1,2}o|chief|founder|co ?founder|owner|(?<!vice )president|managing director|md|"
    r"managing partner|general partner|founding partner|general counsel"
)
# First match wins: assistants to executives are not executives; a chief of staff is not a C-level.
_SENIORITY: tuple[tuple[Seniority, re.Pattern[str]], ...] = (
    (
        "Individual contributor",
        re.compile(r"\b(assistant to|executive assistant|intern|trainee|(product|process|data) owner)\b"),
    ),
    ("VP / Head of", re.compile(r"\bchief of staff\b")),
    ("C-level / founder", re.compile(rf"\b({_C_LEVEL})\b")),
    ("VP / Head of", re.compile(r"\b(vp|svp|evp|avp|vice president|head|general manager|gm)\b")),
    ("Director", re.compile(r"\b(director|dir|directeur|directora|direktor)\b")),
    ("Manager", re.compile(r"\b(manager|mgr|mngr|team lead|supervisor|controller|comptroller)\b")),
)

# Compound functions first ("RevOps" is sales, "Fin. Ops" finance), then the earliest keyword in the title.
_COMPOUND: tuple[tuple[Department, re.Pattern[str]], ...] = (
    ("Sales", re.compile(r"\b(revops|revenue operations|rev ops|sales ops|sales operations|chief revenue)\b")),
    ("Marketing", re.compile(r"\b(marketing ops|marketing operations|product marketing|mops)\b")),
    ("IT / Engineering", re.compile(r"\b(devops|it ops|it operations|it support|help ?desk|service desk)\b")),
    ("HR / People", re.compile(r"\b(people ops|people operations|hr ops)\b")),
    ("Finance", re.compile(r"\b(fin ?ops|finance operations|fp ?& ?a|fp and a|fpa)\b")),
    ("Customer Success / Support", re.compile(r"\b(customer operations|support operations)\b")),
)
_KEYWORDS: tuple[tuple[Department, str], ...] = (
    (
        "Finance",
        r"finance|financial|fin|cfo|accounting|accountant|controller|comptroller|treasury|treasurer|"
        r"audit|auditor|tax|billing|payroll|bookkeeper",
    ),
    (
        "Operations",
        r"operations|operational|operating|ops|coo|supply chain|logistics|facilities|fulfilment|fulfillment|"
        r"warehouse|process|business excellence",
    ),
    (
        "Sales",
        r"sales|account executive|ae|account manager|business development|bdr|sdr|cro|revenue|"
        r"commercial|key account|channel|partnerships",
    ),
    ("Marketing", r"marketing|cmo|brand|growth|demand gen|demand generation|content|communications|pr|seo"),
    (
        "IT / Engineering",
        r"it|information|cto|cio|ciso|cdo|engineering|"
        r"engineer|developer|software|systems|sysadmin|infrastructure|security|data|technology|tech|technical|"
        r"architect|network|cloud|platform|digital|product|r ?& ?d",
    ),
    (
        "Customer Success / Support",
        r"customer success|csm|support|customer service|customer experience|cx|"
        r"client services|implementation|onboarding",
    ),
    ("HR / People", r"hr|human resources|people|talent|recruiting|recruiter|chro|personnel"),
    ("Legal", r"legal|counsel|attorney|lawyer|compliance|clo|paralegal|contracts"),
    ("Procurement", r"procurement|purchasing|buyer|sourcing|vendor management|supplier"),
)
_KEYWORD_RES = tuple((dept, re.compile(rf"\b({words})\b")) for dept, words in _KEYWORDS)
_EXECUTIVE = re.compile(
    r"\b(ceo|chief executive|founder|co ?founder|owner|(?<!vice )president|managing director|md|"
    r"general manager|gm|chief of staff|partner|board)\b"
)

_ROLE_WORDS: dict[str, ContactRole] = {
    "champion": "champion",
    "internal champion": "champion",
    "coach": "champion",
    "decision maker": "decision maker",
    "final decision maker": "decision maker",
    "economic buyer": "decision maker",
    "economic decision maker": "decision maker",
    "executive sponsor": "decision maker",
    "budget holder": "decision maker",
    "approver": "decision maker",
    "signatory": "decision maker",
    "technical buyer": "influencer",
    "technical decision maker": "influencer",
    "technical evaluator": "influencer",
    "evaluator": "influencer",
    "influencer": "influencer",
    "business user": "user",
    "end user": "user",
    "user": "user",
    "power user": "user",
}
_ROLE_PRIORITY: tuple[ContactRole, ...] = ("champion", "decision maker", "influencer", "user", "other")

_ABBREVIATIONS = {
    "vice president": "vp",
    "dir": "director",
    "mgr": "manager",
    "mngr": "manager",
    "sr": "senior",
    "snr": "senior",
    "jr": "junior",
    "fin": "finance",
    "ops": "operations",
    "eng": "engineering",
    "mktg": "marketing",
    "hd": "head",
}
_ABBREVIATION_RE = re.compile(r"\b(" + "|".join(re.escape(k) for k in _ABBREVIATIONS) + r")\b")
_UPPER = {"vp", "svp", "evp", "avp", "it", "hr", "cx", "csm", "fp&a", "r&d", "gm", "md", "ai", "bi", "ux"}
_UPPER_RE = re.compile(r"^c[a-z]{1,2}o$")
_PLACEHOLDERS = {"n a", "na", "none", "null", "nan", "unknown", "select", "tbd", "tba", "not provided", "other"}
_MIXED = {"revops": "RevOps", "devops": "DevOps", "finops": "FinOps", "saas": "SaaS"}
_LOWER = {"of", "and", "&", "for", "the", "in", "to"}


def _text(title: object) -> str:
    """Lower case, punctuation to spaces (``&`` kept): ``"VP, Fin. Ops"`` -> ``"vp fin ops"``."""
    if title is None or (isinstance(title, float) and title != title):
        return ""
    text = " ".join(re.sub(r"[^a-z0-9&]+", " ", str(title).lower()).split())
    return "" if text in _PLACEHOLDERS else text


def seniority(title: object) -> Seniority | None:
    """The level a job title states; anything without a level word is an individual contributor."""
    text = _text(title)
    if not text:
        return None
    for level, pattern in _SENIORITY:
        if pattern.search(text):
            return level
    return "Individual contributor"


def department(title: object) -> Department | None:
    """The function a job title names; a chief executive or founder without one is "Executive"."""
    text = _text(title)
    if not text:
        return None
    for dept, pattern in _COMPOUND:
        if pattern.search(text):
            return dept
    found = [(m.start(), order, dept) for order, (dept, p) in enumerate(_KEYWORD_RES) if (m := p.search(text))]
    if found:
        return min(found)[2]
    return "Executive" if _EXECUTIVE.search(text) else "Other"


def normalize_title(title: object) -> str:
    """A display form that groups spellings: ``"vp, fin. ops"``, ``"VP Finance Ops"`` -> ``"VP Finance Operations"``."""
    text = _text(title)
    if not text:
        return ""
    text = _ABBREVIATION_RE.sub(lambda m: _ABBREVIATIONS[m.group(1)], text)
    text = re.sub(r"\bvp of\b", "vp", text)
    return " ".join(_display_word(w) for w in text.split())


def _display_word(word: str) -> str:
    if word in _MIXED:
        return _MIXED[word]
    if word in _UPPER or _UPPER_RE.match(word):
        return word.upper()
    return word if word in _LOWER else word.capitalize()


def contact_role(value: object) -> ContactRole | None:
    """The buying role of a contact: ``"Economic Buyer"``, ``"DECISION_MAKER"``, ``"Champion; Evaluator"``.

    Several roles in one cell give the first of champion, decision maker, influencer, user, other.
    An unknown label is "other"; a blank cell is ``None``.
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    whole = " ".join(re.sub(r"[^a-z]+", " ", str(value).lower()).split())
    if not whole or (whole in _PLACEHOLDERS and whole != "other"):
        return None
    parts = [" ".join(re.sub(r"[^a-z]+", " ", p.lower()).split()) for p in re.split(r"[;,|/]", str(value))]
    roles = {_ROLE_WORDS.get(p, "other") for p in parts if p}
    return next((r for r in _ROLE_PRIORITY if r in roles), None)
