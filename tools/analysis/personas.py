"""describe_personas: who champions and decides in won vs lost deals, from a contacts export.

A contacts file (name, job title, company or account, role in the deal) is read like any export,
joined to a loaded dataset's accounts (by account id first, then by normalised company name), and
the titles of each buying role are summarised by seniority and department for won and for lost
accounts. Differences between won and lost are tested (Fisher's exact / chi-square per level and
department, Benjamini-Hochberg across all of them); only those that hold (q < 0.05, at least 5
contacts on each side) become findings. Without a contacts file, personas stay hypotheses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from icp_assistant.tools.core.company_keys import normalize_name
from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import InsufficientDataError, listing
from icp_assistant.tools.core.job_titles import SENIORITY_ORDER, contact_role, department, normalize_title, seniority
from icp_assistant.tools.ingest.contact_columns import read_contacts

from .persona_stats import MIN_CONTACTS, Difference, compare_roles, findings_text

PersonaRole = Literal["champion", "decision maker", "influencer", "user", "other", "all"]
ROLES: tuple[PersonaRole, ...] = ("champion", "decision maker", "influencer", "user", "other")
TESTED: tuple[PersonaRole, ...] = ("champion", "decision maker")
OUTCOMES: tuple[Literal["won", "lost"], ...] = ("won", "lost")
TOP_TITLES = 5
JOINS = {"id": "account id", "name": "normalised company name"}


class Share(BaseModel):
    """One value of a breakdown."""

    value: str = Field(description="Seniority level, department or normalised job title")
    count: int = Field(description="Contacts with this value")
    share: float = Field(description="count / contacts with a job title in the group, 0-1")


class RoleSummary(BaseModel):
    """The titles of one buying role in won or in lost accounts."""

    role: PersonaRole = Field(description="Buying role ('all' when the file has no role column)")
    outcome: Literal["won", "lost"] = Field(description="won: the account has a won deal; lost: only lost deals")
    contacts: int = Field(description="Contacts of this role in accounts with this outcome")
    with_title: int = Field(description="Of them, contacts with a job title (the base of the shares)")
    seniority: list[Share] = Field(description="Seniority levels, most senior first")
    departments: list[Share] = Field(description="Departments, most frequent first")
    titles: list[Share] = Field(description=f"Top {TOP_TITLES} normalised job titles")
    profiles: list[Share] = Field(description="Top 3 seniority x department combinations")
    small_sample: bool = Field(description="True when fewer than 30 contacts have a title (weak evidence)")


class Personas(BaseModel):
    """Champions and decision makers of won vs lost deals, from a contacts file."""

    file: str = Field(description="The contacts file")
    columns: dict[str, str] = Field(description="Contacts field -> header used in the file")
    contacts: int = Field(description="Contact rows read (duplicates of one person, account and role removed)")
    matched: int = Field(description="Contacts whose company matches an account of the dataset")
    unmatched: int = Field(description="Contacts whose company matches no account")
    unmatched_examples: list[str] = Field(description="Up to 3 company values that matched no account")
    won_contacts: int = Field(description="Matched contacts of accounts with a won deal")
    lost_contacts: int = Field(description="Matched contacts of accounts with only lost deals")
    roles: list[RoleSummary] = Field(description="Title breakdowns per buying role and outcome")
    differences: list[Difference] = Field(description="Won-vs-lost differences that hold (q < 0.05, n >= 5 each)")
    comparisons: int = Field(description="Seniority / department comparisons tested (the BH family size)")
    findings: list[str] = Field(description="Plain statements of the differences, or that there are none")
    notes: list[str] = Field(description="How contacts were matched and counted; caveats")


# ---------------------------------------------------------------------------------------- joining
def _id_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).split(";")[0].strip()
    return text or None


def _account_outcomes(accounts: pd.DataFrame) -> pd.Series:
    """won when the account has a won deal; lost when it has lost deals and no won one; else None."""
    outcome = accounts["outcome"].astype("object") if "outcome" in accounts else pd.Series(None, index=accounts.index)
    won_deals = accounts.get("deals_won", pd.Series(0, index=accounts.index)).fillna(0)
    lost_deals = accounts.get("deals_lost", pd.Series(0, index=accounts.index)).fillna(0)
    won = outcome.eq("won") | (won_deals > 0)
    lost = ~won & (outcome.eq("lost") | (lost_deals > 0))
    result = pd.Series(None, index=accounts.index, dtype="object")
    return result.mask(lost, "lost").mask(won, "won")


def _match(frame: pd.DataFrame, columns: dict[str, str], accounts: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(account label or NaN, "id" / "name" / None) per contact: by account id first, then by name."""
    key = pd.Series(np.nan, index=frame.index, dtype="object")
    how = pd.Series(None, index=frame.index, dtype="object")
    refs = [frame[c] for f, c in columns.items() if f in ("account_id", "account_name")]
    if "account_id" in accounts:
        ids = pd.Series(accounts.index, index=accounts["account_id"].map(_id_text))
        ids = ids[ids.index.notna() & ~ids.index.duplicated()]
        for ref in refs:
            found = ref.map(_id_text).map(ids).where(key.isna())
            how = how.mask(found.notna() & key.isna(), "id")
            key = key.fillna(found)
    names = pd.Series(
        accounts.index, index=accounts.get("name", pd.Series("", index=accounts.index)).map(normalize_name)
    )
    names = names[(names.index != "") & ~names.index.duplicated()]
    if "account_name" in columns:
        found = frame[columns["account_name"]].map(normalize_name).map(names).where(key.isna())
        how = how.mask(found.notna() & key.isna(), "name")
        key = key.fillna(found)
    return key, how


def _account_text(frame: pd.DataFrame, columns: dict[str, str]) -> pd.Series:
    text = pd.Series("", index=frame.index, dtype="object")
    for field in ("account_id", "account_name"):
        if field in columns:
            values = frame[columns[field]].map(lambda v: _id_text(v) or "")
            text = text.where(text != "", values)
    return text


def _person(frame: pd.DataFrame, columns: dict[str, str]) -> pd.Series:
    """A key for one person: email, else full name, else first + last name ("" when unknown)."""

    def column(field: str) -> pd.Series:
        if field not in columns:
            return pd.Series("", index=frame.index, dtype="object")
        return frame[columns[field]].map(lambda v: "" if _id_text(v) is None else str(v).strip().lower())

    full = column("name").where(column("name") != "", (column("first_name") + " " + column("last_name")).str.strip())
    return column("email").where(column("email") != "", full)


def _contacts_table(frame: pd.DataFrame, columns: dict[str, str], dataset: Dataset) -> pd.DataFrame:
    frame = frame.dropna(how="all")
    key, how = _match(frame, columns, dataset.accounts)
    outcomes = _account_outcomes(dataset.accounts)
    roles = frame[columns["role"]].map(contact_role) if "role" in columns else pd.Series("all", index=frame.index)
    titles = frame[columns["title"]]
    table = pd.DataFrame(
        {
            "person": _person(frame, columns),
            "company": _account_text(frame, columns),
            "key": key,
            "how": how,
            "outcome": key.map(outcomes),
            "role": roles.fillna("other"),
            "role_blank": roles.isna(),
            "title": titles.map(normalize_title),
            "seniority": titles.map(seniority),
            "department": titles.map(department),
        }
    )
    table["where"] = table["key"].astype("object").where(table["key"].notna(), table["company"].map(normalize_name))
    repeated = table["person"].ne("") & table.duplicated(["person", "where", "role"])
    table.attrs["duplicates"] = int(repeated.sum())
    return table[~repeated]


# ---------------------------------------------------------------------------------------- summaries
def _shares(values: pd.Series, order: Sequence[str] | None = None, top: int | None = None) -> list[Share]:
    known = values.dropna()
    known = known[known != ""]
    if known.empty:
        return []
    counts = known.value_counts(sort=False)
    if order is not None:
        counts = counts.reindex([v for v in order if v in counts.index])
    else:
        counts = counts.loc[sorted(counts.index, key=lambda v: (-counts[v], str(v)))]
    total = len(known)
    return [Share(value=str(v), count=int(c), share=round(int(c) / total, 4)) for v, c in counts.head(top).items()]


def _role_summary(group: pd.DataFrame, role: PersonaRole, outcome: Literal["won", "lost"]) -> RoleSummary:
    titled = group[group["seniority"].notna()]
    profiles = titled["seniority"] + " · " + titled["department"]
    return RoleSummary(
        role=role,
        outcome=outcome,
        contacts=len(group),
        with_title=len(titled),
        seniority=_shares(titled["seniority"], SENIORITY_ORDER),
        departments=_shares(titled["department"]),
        titles=_shares(titled["title"], top=TOP_TITLES),
        profiles=_shares(profiles, top=3),
        small_sample=len(titled) < 30,
    )


def _summaries(closed: pd.DataFrame, roles: Sequence[PersonaRole]) -> list[RoleSummary]:
    out = []
    for role in roles:
        for outcome in OUTCOMES:
            group = closed[(closed["role"] == role) & (closed["outcome"] == outcome)]
            if len(group):
                out.append(_role_summary(group, role, outcome))
    return out


def _tested_roles(closed: pd.DataFrame) -> tuple[PersonaRole, ...]:
    present = set(closed["role"])
    tested = tuple(r for r in TESTED if r in present)
    return tested or ("all",)


# ---------------------------------------------------------------------------------------- the tool
def _no_match_error(table: pd.DataFrame, dataset: Dataset, path: Path) -> InsufficientDataError:
    companies = [c for c in table["company"].drop_duplicates() if c][:3]
    accounts = dataset.accounts.get("name", dataset.accounts.get("account_id", pd.Series(dtype="object")))
    examples = [str(v) for v in accounts.dropna().drop_duplicates().head(3)]
    return InsufficientDataError(
        f"None of the {len(table):,} contacts in {path.name} matches an account of dataset {dataset.name!r}: "
        f"contact companies such as {listing(companies)} vs dataset accounts such as {listing(examples)}. "
        "Check that the contacts belong to this dataset's accounts, or map the column holding each contact's "
        "company with mapping={'account_name': '<column>'} (or 'account_id')."
    )


def _notes(table: pd.DataFrame, closed: pd.DataFrame, columns: dict[str, str], comparisons: int) -> list[str]:
    matched = table[table["key"].notna()]
    how = matched["how"].value_counts()
    joins = ", ".join(f"{int(how[k]):,} by {label}" for k, label in JOINS.items() if how.get(k, 0))
    notes = [
        f"Contacts matched to accounts: {joins}; {int(table['key'].isna().sum()):,} match no account.",
        "A contact's outcome is its account's: won when the account has a won deal, lost when it has only lost deals.",
        f"Each seniority level and department was compared between won and lost ({comparisons} comparisons, "
        f"Fisher's exact or chi-square, Benjamini-Hochberg); a difference is reported when q < 0.05 and each side "
        f"has at least {MIN_CONTACTS} contacts with a title.",
    ]
    if (open_ := len(matched) - len(closed)) > 0:
        notes.append(f"{open_:,} matched contacts of accounts without a closed deal are not compared.")
    if (untitled := int(closed["seniority"].isna().sum())) > 0:
        notes.append(f"{untitled:,} compared contacts have no job title: counted, but not in the shares.")
    if "role" not in columns:
        notes.append(
            "The file has no role column (such as 'Contact Role' or 'Buying Role'): all contacts are compared "
            "together, so champions and decision makers stay hypotheses. Pass mapping={'role': '<column>'}."
        )
    elif (blank := int(closed["role_blank"].sum())) > 0:
        notes.append(f"{blank:,} compared contacts have no role and are counted as 'other'.")
    if table.attrs.get("duplicates"):
        notes.append(f"{table.attrs['duplicates']:,} repeated rows of one person, account and role were counted once.")
    return notes


def describe_personas(
    path: Path,
    dataset: Dataset,
    *,
    max_bytes: int | None = None,
    sheet: str | int | None = None,
    mapping: Mapping[str, str] | None = None,
) -> Personas:
    """Summarise the titles of champions and decision makers in won vs lost accounts of ``dataset``.

    ``mapping`` forces a header for a contacts field: name, first_name, last_name, email, title,
    account_id, account_name, role (see :data:`.contact_columns.CONTACT_FIELDS`).
    """
    frame, columns = read_contacts(path, sheet, mapping, max_bytes)
    table = _contacts_table(frame, columns, dataset)
    matched = table[table["key"].notna()]
    if matched.empty:
        raise _no_match_error(table, dataset, path)
    closed = matched[matched["outcome"].isin(["won", "lost"])]
    if closed.empty:
        raise InsufficientDataError(
            f"{len(matched):,} contacts in {path.name} match accounts of dataset {dataset.name!r}, but none of those "
            "accounts has a won or lost deal. Load the accounts together with their deals file "
            "(load_accounts with deals_path) so outcomes are known."
        )
    tested = _tested_roles(closed)
    roles: tuple[PersonaRole, ...] = ROLES if "role" in columns else ("all",)
    differences, comparisons = compare_roles(closed, tested)
    unmatched = table[table["key"].isna()]
    return Personas(
        file=str(path),
        columns=columns,
        contacts=len(table),
        matched=len(matched),
        unmatched=len(unmatched),
        unmatched_examples=[c for c in unmatched["company"].drop_duplicates() if c][:3],
        won_contacts=int(closed["outcome"].eq("won").sum()),
        lost_contacts=int(closed["outcome"].eq("lost").sum()),
        roles=_summaries(closed, roles),
        differences=differences,
        comparisons=comparisons,
        findings=findings_text(closed, tested, differences),
        notes=_notes(table, closed, columns, comparisons),
    )
