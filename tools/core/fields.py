"""Canonical fields: what the engine calls each column, its kind, and the headers it is known by.

A CRM export names the same thing many ways ("Number of Employees", "NumberOfEmployees",
"# Employees", "metrics.employees"). Headers are normalised (see :func:`normalize_header`) and looked
up in the synonyms of each field, which follow the documented export columns of HubSpot, Salesforce,
ZoomInfo, Apollo, LinkedIn Sales Navigator (Phantombuster exports), Clearbit / Breeze Intelligence,
Bombora, 6sense and Demandbase.

The fields themselves are data, in ``data/fields.toml`` (one ``[[field]]`` table per field, synonyms
spelled as the vendors write them); :func:`load_fields` reads and validates that file and normalises
the synonyms, so :data:`FIELDS` holds them already normalised.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, cast, get_args

Kind = Literal[
    "id",  # identifier: kept as text, never analysed as a category
    "text",  # free text (name, description, url)
    "category",  # one value per cell
    "multi",  # several values per cell ("Salesforce; HubSpot")
    "number",  # plain number; ranges ("51-200") keep low/high and midpoint
    "money",  # currency amount; "$1.2M", "€5 Mio", ranges
    "percent",  # "12%" -> 0.12
    "year",  # four-digit year (or a date, from which the year is taken)
    "date",
    "bool",
]
ColumnKind = Literal[Kind, "named_outcome"]  # a dataset column's kind; "named_outcome": the outcome column the user
# named (never an attribute)
LEGACY_KINDS: dict[str, ColumnKind] = {"label": "named_outcome"}  # kinds saved by earlier versions -> today's
Kinds = dict[str, ColumnKind]  # dataset column -> its kind
Table = Literal["accounts", "deals", "usage"]
Role = Literal[
    "key",
    "firmographic",
    "technographic",
    "outcome",
    "value",
    "intent",
    "relationship",
    "deal",
    "other",
]


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field."""

    name: str
    kind: Kind
    table: Table
    role: Role
    description: str
    synonyms: tuple[str, ...] = ()
    # Set after the outcome is known (close value, churn date, rep notes): never fed to a fit model.
    post_outcome: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def normalize_header(header: object) -> str:
    """Normalise a column header for lookup.

    ``"NumberOfEmployees"`` -> ``"number of employees"``; ``"Company Domain Name"`` ->
    ``"company domain name"``; ``"metrics.employees"`` -> ``"metrics employees"``;
    ``"# Employees"`` -> ``"employees"``; ``"Revenue (in 000s USD)"`` -> ``"revenue in 000s usd"``.
    """
    text = str(header).strip().lstrip("\ufeff")
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)  # camelCase -> camel Case
    text = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", text)  # HTMLParser -> HTML Parser
    text = re.sub(r"^#\s*", "", text)  # "# Employees" (Apollo) -> "Employees"
    text = text.lower().replace("&", " and ").replace("#", " number ")
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


# Prefixes that vendors put in front of a field name; a header is also tried without them.
VENDOR_PREFIXES = (
    "company",
    "account",
    "organization",
    "organisation",
    "org",
    "billing",
    "hq",
    "clearbit",
    "breeze",
    "zoominfo",
    "zoom info",  # "ZoomInfo ..." normalises to "zoom info ..."
    "apollo",
    "6sense",
    "demandbase",
    "bombora",
    "hubspot",
    "hub spot",  # "HubSpot ..." normalises to "hub spot ..."
    "hs",  # HubSpot internal names: hs_employee_range, hs_country_code, hs_createdate
    "properties",
    "metrics",
    "category",
    "geo",
)


class FieldsFileError(ValueError):
    """The canonical fields file is malformed (a packaging bug, not a user error)."""


_REQUIRED: dict[str, type] = {
    "name": str,
    "kind": str,
    "table": str,
    "role": str,
    "description": str,
    "synonyms": list,
}
_OPTIONAL: dict[str, type] = {"post_outcome": bool}
_CHOICES: dict[str, tuple[str, ...]] = {"kind": get_args(Kind), "table": get_args(Table), "role": get_args(Role)}


def _check_keys(entry: dict[str, Any], where: str) -> None:
    unknown = sorted(set(entry) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise FieldsFileError(f"{where}: unknown key(s) {', '.join(unknown)}")
    for key, typ in (_REQUIRED | _OPTIONAL).items():
        if key not in entry:
            if key in _REQUIRED:
                raise FieldsFileError(f"{where}: missing key {key!r}")
        elif not isinstance(entry[key], typ):
            raise FieldsFileError(f"{where}: {key!r} must be a {typ.__name__}, got {entry[key]!r}")
    for key, choices in _CHOICES.items():
        if entry[key] not in choices:
            raise FieldsFileError(f"{where}: unknown {key} {entry[key]!r} (valid: {', '.join(choices)})")
    if not entry["description"].strip():
        raise FieldsFileError(f"{where}: empty description")
    if not all(isinstance(s, str) and s.strip() for s in entry["synonyms"]):
        raise FieldsFileError(f"{where}: synonyms must be non-empty strings")


def _spec(entry: dict[str, Any]) -> FieldSpec:
    return FieldSpec(
        entry["name"],
        cast(Kind, entry["kind"]),
        cast(Table, entry["table"]),
        cast(Role, entry["role"]),
        entry["description"],
        # Normalised, in order, duplicates removed (the first spelling wins).
        tuple(dict.fromkeys(normalize_header(s) for s in entry["synonyms"])),
        post_outcome=entry.get("post_outcome", False),
    )


def load_fields(path: str | Path | None = None) -> tuple[FieldSpec, ...]:
    """Read and validate the canonical fields (``data/fields.toml`` in this package by default).

    Raises :class:`FieldsFileError` naming the offending entry for invalid TOML, a missing or unknown
    key, a value of the wrong type, an unknown kind / table / role, or a duplicate field name.
    """
    if path is None:
        resource = files("icp_assistant.tools.core") / "data" / "fields.toml"
        source, text = str(resource), resource.read_text(encoding="utf-8")
    else:
        source, text = str(path), Path(path).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FieldsFileError(f"{source}: not valid TOML: {exc}") from exc
    entries = data.get("field")
    if not set(data) <= {"field", "derived", "outcome"} or not isinstance(entries, list) or not entries:
        raise FieldsFileError(f"{source}: expected [[field]] tables (at least one), [[derived]] and [[outcome]] only")
    specs: list[FieldSpec] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise FieldsFileError(f"{source}: field #{number} is not a [[field]] table")
        where = f"{source}: field #{number} ({entry.get('name', '?')!r})"
        _check_keys(entry, where)
        if entry["name"] in seen:
            raise FieldsFileError(f"{where}: duplicate field name {entry['name']!r}")
        seen.add(entry["name"])
        specs.append(_spec(entry))
    return tuple(specs)


def load_added(kind_of: str, path: str | Path | None = None) -> dict[str, Kind]:
    """The columns the engine adds, ``[[derived]]`` or ``[[outcome]]`` in ``data/fields.toml``: name -> kind."""
    resource = files("icp_assistant.tools.core") / "data" / "fields.toml" if path is None else Path(path)
    entries = tomllib.loads(resource.read_text(encoding="utf-8")).get(kind_of, [])
    added: dict[str, Kind] = {}
    for entry in entries:
        where = f"{resource}: [[{kind_of}]] {entry.get('name', '?')!r}"
        if set(entry) != {"name", "kind", "description"} or entry["kind"] not in _CHOICES["kind"]:
            raise FieldsFileError(f"{where}: needs name, kind (one of {', '.join(_CHOICES['kind'])}) and description")
        added[entry["name"]] = entry["kind"]
    return added


FIELDS: tuple[FieldSpec, ...] = load_fields()
DERIVED_KINDS: dict[str, Kind] = load_added("derived")  # computed at load time from the cleaned fields
OUTCOME_KINDS: dict[str, Kind] = load_added("outcome")  # the outcome and the joined deals' aggregates

FIELD_BY_NAME: dict[str, FieldSpec] = {f.name: f for f in FIELDS}


def fields_for(table: Table) -> tuple[FieldSpec, ...]:
    """The canonical fields of one table, in declaration order."""
    return tuple(f for f in FIELDS if f.table == table)
