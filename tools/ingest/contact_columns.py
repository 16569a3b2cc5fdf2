"""Map and read a contacts export: name, job title, company or account, role in the deal.

Headers are normalised like account headers (:func:`.fields.normalize_header`) and looked up in a
small synonyms table (HubSpot contacts, Salesforce contacts and OpportunityContactRole reports), first
as written, then without an object or vendor prefix ("Contact: Title", "Opportunity.Account.Name",
"hs_buying_role"). "Opportunity Name" and "Deal Name" are never a person's name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from icp_assistant.tools.core.errors import ColumnError, OptionError, listing
from icp_assistant.tools.core.fields import normalize_header

from .dialects import read_header
from .readers import read_table

# Synonyms per contacts field, normalised with normalize_header; earlier ones win. Vendor spellings:
# HubSpot contacts ("First Name", "Job Title", "Associated Company", "Buying Role", internal "jobtitle"),
# Salesforce contacts and OpportunityContactRole ("Title", "Account Name", "AccountId", "Role").
CONTACT_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("full name", "name", "contact name", "contact", "person", "person name"),
    "first_name": ("first name", "firstname", "given name"),
    "last_name": ("last name", "lastname", "surname", "family name"),
    "email": ("email", "email address", "e mail", "work email", "business email"),
    "title": ("job title", "jobtitle", "title", "position", "job position", "job role", "designation", "headline"),
    "account_id": (
        "account id",
        "company id",
        "associated company id",
        "associated company ids",
        "company ids",
        "organization id",
    ),
    "account_name": (
        "associated company",
        "company name",
        "account name",
        "company",
        "account",
        "organization",
        "organization name",
        "organisation",
        "employer",
        "associated company name",
    ),
    "role": (
        "contact role",
        "role",
        "buying role",
        "role in deal",
        "deal role",
        "opportunity contact role",
        "buying committee role",
        "contact roles",
    ),
}
_PREFIXES: tuple[str, ...] = (
    "contact",
    "contacts",
    "opportunity",
    "opp",
    "associated",
    "primary",
    "hubspot",
    "hub spot",
    "hs",
    "salesforce",
    "sf",
    "sfdc",
    "person",
    "lead",
    "properties",
    "account",
)
_NOT_CONTACT = {"opportunity name", "deal name", "opportunity", "deal", "opportunity id", "deal id"}


def _forms(header: str) -> list[tuple[int, str]]:
    """(0, exact form) then (1, form without a vendor / object prefix) for one header."""
    text = normalize_header(header)
    forms, stripped = [(0, text)], text
    while True:
        prefix = next((p for p in _PREFIXES if stripped.startswith(p + " ")), None)
        if prefix is None or stripped in _NOT_CONTACT:
            return forms
        stripped = stripped[len(prefix) + 1 :]
        forms.append((1, stripped))


def _check_overrides(columns: Sequence[str], overrides: Mapping[str, str]) -> None:
    for field, column in overrides.items():
        if field not in CONTACT_FIELDS:
            raise OptionError(f"Mapping key {field!r} is not a contacts field. Use one of: {listing(CONTACT_FIELDS)}.")
        if column not in columns:
            raise ColumnError(f"Mapping {field!r} -> {column!r}: no such column. Columns are: {listing(columns)}.")


def _claims(position: int, column: str) -> list[tuple[int, int, int, str, str]]:
    """(exact=0 / prefixed=1, synonym rank, position, field, column) for every field a header could be."""
    claims = []
    for kind, form in _forms(column):
        if form in _NOT_CONTACT:
            break
        claims += [(kind, s.index(form), position, f, column) for f, s in CONTACT_FIELDS.items() if form in s]
    return claims


def map_contact_columns(columns: Sequence[str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{field: header}`` for the contacts fields found in ``columns`` (overrides win)."""
    _check_overrides(columns, overrides or {})
    chosen = dict(overrides or {})
    claims = [claim for position, column in enumerate(columns) for claim in _claims(position, column)]
    for *_, field, column in sorted(claims):
        if field not in chosen and column not in chosen.values():
            chosen[field] = column
    return chosen


def require_columns(columns: dict[str, str], headers: Sequence[str], path: Path) -> None:
    if "title" not in columns:
        raise ColumnError(
            f"{path.name} has no job title column (such as 'Job Title', 'Title' or 'jobtitle'). Columns are: "
            f"{listing(headers)}. Pass mapping={{'title': '<column>'}}."
        )
    if "account_id" not in columns and "account_name" not in columns:
        raise ColumnError(
            f"{path.name} has no column naming each contact's company (such as 'Company Name', 'Account Name', "
            f"'Associated Company' or 'Account ID'). Columns are: {listing(headers)}. "
            "Pass mapping={'account_name': '<column>'} or mapping={'account_id': '<column>'}."
        )


def read_contacts(
    path: Path, sheet: str | int | None, mapping: Mapping[str, str] | None, max_bytes: int | None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The contacts file's rows and ``{field: header}``; a clear error without a title or company column."""
    text_columns: list[str] = []
    if path.suffix.lower() in {".csv", ".tsv", ".txt", ".tab", ""} and path.is_file() and path.stat().st_size:
        pre = map_contact_columns(read_header(path), mapping) if not mapping else {}
        text_columns = [pre["account_id"]] if "account_id" in pre else []
    raw = read_table(path, sheet=sheet, max_bytes=max_bytes, text_columns=text_columns)
    headers = [str(c) for c in raw.frame.columns]
    columns = map_contact_columns(headers, mapping)
    require_columns(columns, headers, path)
    return raw.frame, columns
