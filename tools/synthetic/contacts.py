"""A contacts export for the example accounts, with a planted buying-committee pattern.

Every account with a closed deal gets 2-4 contacts: one champion, one decision maker and 0-2
others (technical buyers, evaluators, users...). Planted (``PLANTED``): in won accounts (a won deal)
the champion is mostly a VP / Head of Finance or Operations and the decision maker mostly the CFO or
COO; in lost accounts (only lost deals) the champion is mostly an IT manager or an individual
contributor in IT, and the decision maker more often the CTO or CIO. Other contacts and the
remaining titles come from one pool whatever the outcome.

Messy like a real export: a few blank titles, odd casing, abbreviations ("VP, Fin. Ops", "IT Mgr"),
company names spelled differently, role labels from several vocabularies ("Economic Buyer",
"Executive Sponsor") and a few contacts of companies that are not in the accounts file.

Draws come from their own stream (spawned after the account streams), so adding contacts changes
no other file of the example set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .helpers import _STREAMS
from .names import _name_key

CONTACT_COLUMNS = ("First Name", "Last Name", "Email", "Job Title", "Company Name", "Contact Role")

# Title pools; each planted pool is named by what an analysis should find.
POOLS: dict[str, tuple[str, ...]] = {
    "VP / Head of Finance or Operations": (
        "VP Finance",
        "VP of Finance",
        "Vice President, Finance",
        "Head of Finance",
        "VP Operations",
        "VP of Operations",
        "Head of Operations",
        "Head of Finance & Operations",
        "VP, Fin. Ops",
        "Head of FP&A",
        "SVP Finance",
        "VP Business Operations",
    ),
    "CFO or COO": ("CFO", "Chief Financial Officer", "COO", "Chief Operating Officer", "CFO"),
    "IT manager or IT individual contributor": (
        "IT Manager",
        "IT Mgr",
        "Systems Administrator",
        "Software Engineer",
        "IT Specialist",
        "Data Analyst",
        "Sr. Software Developer",
        "Network Engineer",
        "IT Project Manager",
        "Solutions Architect",
    ),
    "CTO or CIO": ("CTO", "Chief Technology Officer", "CIO", "Chief Information Officer", "Co-founder & CTO"),
    "staff": (
        "Marketing Manager",
        "Sales Director",
        "Customer Success Manager",
        "Director of RevOps",
        "Operations Manager",
        "Finance Manager",
        "Product Manager",
        "HR Manager",
        "Procurement Manager",
        "Account Executive",
        "Senior Accountant",
        "Head of Sales",
        "Director of Marketing",
        "IT Manager",
        "Office Manager",
        "Business Analyst",
    ),
    "executive": (
        "CEO",
        "Founder & CEO",
        "President",
        "Managing Director",
        "VP Sales",
        "Chief Revenue Officer",
        "General Manager",
        "CMO",
        "CFO",
        "CTO",
    ),
}
# role -> outcome -> (planted pool, probability of drawing from it, fallback pool)
PLANTED: dict[str, dict[str, tuple[str, float, str]]] = {
    "champion": {
        "won": ("VP / Head of Finance or Operations", 0.75, "staff"),
        "lost": ("IT manager or IT individual contributor", 0.70, "staff"),
    },
    "decision maker": {
        "won": ("CFO or COO", 0.70, "executive"),
        "lost": ("CTO or CIO", 0.60, "executive"),
    },
}
DECISION_LABELS = ("Decision Maker", "Economic Buyer", "Executive Sponsor")
DECISION_WEIGHTS = (0.6, 0.25, 0.15)
OTHER_ROLES = ("Technical Buyer", "Evaluator", "Influencer", "End User", "Business User", "Other", "")
FIRST = tuple("Anna Ben Carla David Elena Farid Grace Hiro Ines Jakob Kemi Liam Maya Noah Olga Pedro".split())
FIRST += tuple("Quinn Rosa Sam Tara Umar Vera Will Yara Zoe".split())
LAST = tuple("Adams Brown Costa Dubois Evans Fischer Garcia Hansen Ito Jensen Kowalski Lopez Müller".split())
LAST += tuple("Nakamura O'Brien Patel Rossi Silva Tanaka Usman Virtanen Wagner Novak Young Zhang".split())
UNKNOWN_COMPANIES = (
    ("Harborlight Analytics Ltd", "harborlight.io"),
    ("Quillmoor Foods", "quillmoorfoods.com"),
    ("Vantagecrest Logistics Inc.", "vantagecrest.com"),
    ("Brightwell Dental Group", "brightwelldental.com"),
)
CONTACTS_NOTES = (
    "Outcome of an account: won when it has a Closed Won deal, lost when it has only Closed Lost deals "
    "(deals joined by exact company name on the clean frames); accounts with no closed deal get no contacts.",
    "Realised shares are of the drawn titles before blanks and re-casing; each contact's planted pool is "
    "known to the generator, not written in the file.",
)


@dataclass
class ContactsTruth:
    """What the contacts file plants and realises."""

    dataset: str
    seed: int
    parameters: dict[str, Any]
    planted: dict[str, dict[str, dict[str, Any]]]
    realised: dict[str, dict[str, dict[str, Any]]]
    messiness: dict[str, int]
    notes: tuple[str, ...] = field(default=CONTACTS_NOTES)


def _contacts_stream(seed: int) -> np.random.Generator:
    """A stream of its own, spawned after the eight account streams (which it leaves untouched)."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(len(_STREAMS) + 1)[-1])


def _account_outcomes(accounts: pd.DataFrame, deals: pd.DataFrame) -> pd.DataFrame:
    stages = deals.groupby("Associated Company")["Deal Stage"]
    won = stages.apply(lambda s: bool(s.eq("Closed Won").any()))
    lost = stages.apply(lambda s: bool(s.eq("Closed Lost").any()))
    frame = accounts.drop_duplicates("Record ID")[["Company name", "Company Domain Name"]].copy()
    frame["outcome"] = np.where(
        frame["Company name"].map(won).eq(True), "won", np.where(frame["Company name"].map(lost).eq(True), "lost", "")
    )
    return frame[frame["outcome"] != ""]


class _Draw:
    """Draws one contact at a time from the contacts stream and records its planted pool."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.rows: list[dict[str, Any]] = []
        self.people: set[tuple[str, str, str]] = set()

    def pick(self, values: tuple[str, ...]) -> str:
        return values[int(self.rng.integers(len(values)))]

    def title(self, role: str, outcome: str) -> tuple[str, str]:
        if role in PLANTED:
            pool, p, fallback = PLANTED[role][outcome]
            name = pool if self.rng.random() < p else fallback
        else:
            name = "staff" if self.rng.random() < 0.8 else "executive"
        return name, self.pick(POOLS[name])

    def role_label(self, role: str) -> str:
        if role == "champion":
            return "Champion"
        if role == "decision maker":
            return DECISION_LABELS[int(self.rng.choice(len(DECISION_LABELS), p=DECISION_WEIGHTS))]
        return self.pick(OTHER_ROLES)

    def contact(self, company: str, domain: str, outcome: str, role: str) -> None:
        pool, title = self.title(role, outcome)
        first, last = self.pick(FIRST), self.pick(LAST)
        while (first, last, company) in self.people:  # one person, one row per account
            first, last = self.pick(FIRST), self.pick(LAST)
        self.people.add((first, last, company))
        local = f"{first}.{last}".lower().replace("'", "").replace("ü", "ue")
        self.rows.append(
            {
                "First Name": first,
                "Last Name": last,
                "Email": f"{local}@{domain}" if domain else "",
                "Job Title": title,
                "Company Name": company,
                "Contact Role": self.role_label(role),
                "_role": role,
                "_outcome": outcome,
                "_pool": pool,
            }
        )

    def account(self, company: str, domain: str, outcome: str) -> None:
        extra = int(self.rng.choice(3, p=[0.35, 0.4, 0.25]))
        for role in ("champion", "decision maker", *["other"] * extra):
            self.contact(company, domain, outcome, role)


def _messy(frame: pd.DataFrame, rng: np.random.Generator) -> dict[str, int]:
    n = len(frame)
    blank = rng.random(n) < 0.03
    upper, lower = rng.random(n) < 0.02, rng.random(n) < 0.03
    titles = frame["Job Title"].astype("object")
    titles = titles.mask(upper, titles.str.upper()).mask(lower, titles.str.lower()).mask(blank, "")
    frame["Job Title"] = titles
    respelled = rng.random(n) < 0.03
    frame.loc[respelled, "Company Name"] = frame.loc[respelled, "Company Name"].str.upper()
    no_email = rng.random(n) < 0.05
    frame.loc[no_email, "Email"] = ""
    odd_roles = (rng.random(n) < 0.03) & frame["Contact Role"].ne("")
    frame.loc[odd_roles, "Contact Role"] = frame.loc[odd_roles, "Contact Role"].str.lower()
    return {
        "blank_titles": int(blank.sum()),
        "odd_case_titles": int(((upper | lower) & ~blank).sum()),
        "company_names_upper_case": int(respelled.sum()),
        "blank_emails": int(no_email.sum()),
        "lower_case_roles": int(odd_roles.sum()),
    }


def _realised(frame: pd.DataFrame) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for role, outcomes in PLANTED.items():
        pools = sorted({pool for pool, _, _ in outcomes.values()})
        out[role] = {}
        for outcome in ("won", "lost"):
            group = frame[(frame["_role"] == role) & (frame["_outcome"] == outcome)]
            shares = {pool: round(float(group["_pool"].eq(pool).mean()), 4) if len(group) else None for pool in pools}
            out[role][outcome] = {"contacts": len(group), "shares": shares}
    return out


def generate_contacts(
    accounts: pd.DataFrame,
    deals: pd.DataFrame,
    *,
    seed: int = 7,
    messy: bool = True,
    exclude_names: Iterable[str] = (),
) -> tuple[pd.DataFrame, ContactsTruth]:
    """Contacts (``CONTACT_COLUMNS``) of the accounts with closed deals, from the clean frames of
    :func:`generate_accounts_and_deals` (``messy=False``: exact company names, clean stages)."""
    rng = _contacts_stream(seed)
    draw = _Draw(rng)
    closed = _account_outcomes(accounts, deals)
    for company, domain, outcome in closed.itertuples(index=False):
        draw.account(str(company), str(domain) if isinstance(domain, str) else "", str(outcome))
    realised, known_contacts = _realised(pd.DataFrame(draw.rows)), len(draw.rows)
    known = {_name_key(c) for c in [*accounts["Company name"].dropna(), *exclude_names]}
    for company, domain in [(c, d) for c, d in UNKNOWN_COMPANIES if _name_key(c) not in known][:3]:
        for role in ("champion", "decision maker"):
            draw.contact(company, domain, "lost", role)
    frame = pd.DataFrame(draw.rows)
    counts = _messy(frame, rng) if messy else {}
    counts["unknown_company_contacts"] = len(frame) - known_contacts
    truth = ContactsTruth(
        dataset="contacts",
        seed=seed,
        parameters={"accounts_with_closed_deals": len(closed), "contacts": len(frame)},
        planted={
            role: {o: {"pool": pool, "share": p, "otherwise": fallback} for o, (pool, p, fallback) in by.items()}
            for role, by in PLANTED.items()
        },
        realised=realised,
        messiness=counts,
    )
    return frame[list(CONTACT_COLUMNS)], truth
