"""The canonical fields file: data/fields.toml loads, validates, and ships in the wheel."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.fields import (
    DERIVED_KINDS,
    FIELD_BY_NAME,
    FIELDS,
    OUTCOME_KINDS,
    FieldsFileError,
    fields_for,
    load_added,
    load_fields,
    normalize_header,
)

REPO = Path(__file__).resolve().parents[1]

GOOD = """
[[field]]
name = "employee_count"
kind = "number"
table = "accounts"
role = "firmographic"
description = "Number of employees"
post_outcome = false
synonyms = ["Number of Employees", "NumberOfEmployees", "number of employees", "# Employees"]

[[field]]
name = "deal_amount"
kind = "money"
table = "deals"
role = "value"
description = "Deal value"
post_outcome = true
synonyms = ["Amount"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fields.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_packaged_fields_load() -> None:
    assert FIELDS
    assert load_fields() == FIELDS
    assert all(f.description.strip() for f in FIELDS)
    assert all(f.synonyms for f in FIELDS)
    assert list(FIELD_BY_NAME) == [f.name for f in FIELDS]
    assert fields_for("accounts") + fields_for("deals") + fields_for("usage") == FIELDS


def test_the_packaged_synonyms_are_stored_normalised() -> None:
    for spec in FIELDS:
        assert all(normalize_header(s) == s for s in spec.synonyms), spec.name
        assert len(set(spec.synonyms)) == len(spec.synonyms), spec.name


def test_a_loaded_file_normalises_synonyms_in_order_without_duplicates(tmp_path: Path) -> None:
    employees, amount = load_fields(_write(tmp_path, GOOD))
    spellings = ["Number of Employees", "NumberOfEmployees", "number of employees", "# Employees"]
    assert employees.synonyms == tuple(dict.fromkeys(normalize_header(s) for s in spellings))
    assert employees.synonyms == ("number of employees", "employees")
    assert employees.kind == "number" and employees.table == "accounts" and not employees.post_outcome
    assert amount.synonyms == ("amount",) and amount.post_outcome


def test_post_outcome_defaults_to_false(tmp_path: Path) -> None:
    (spec, _) = load_fields(_write(tmp_path, GOOD.replace("post_outcome = false\n", "", 1)))
    assert spec.post_outcome is False


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('kind = "number"', 'kind = "numeric"', r"unknown kind 'numeric' \(valid: id, text,"),
        ('table = "deals"', 'table = "contacts"', r"unknown table 'contacts' \(valid: accounts, deals, usage\)"),
        ('role = "firmographic"', 'role = "firmo"', r"unknown role 'firmo'"),
        ('name = "deal_amount"', 'name = "employee_count"', r"field #2 .*duplicate field name 'employee_count'"),
        ('description = "Deal value"\n', "", r"field #2 \('deal_amount'\): missing key 'description'"),
        ('description = "Deal value"', 'description = "  "', r"empty description"),
        ("post_outcome = true", 'post_outcome = "yes"', r"'post_outcome' must be a bool"),
        ('synonyms = ["Amount"]', 'synonyms = "Amount"', r"'synonyms' must be a list"),
        ('synonyms = ["Amount"]', 'synonyms = ["Amount", 3]', r"synonyms must be non-empty strings"),
        ("post_outcome = true", "post_outcome = true\nsynonym = []", r"unknown key\(s\) synonym"),
        ('kind = "number"', "kind = number", r"not valid TOML"),
    ],
)
def test_an_invalid_file_is_refused_with_a_clear_error(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(FieldsFileError, match=message):
        load_fields(path)


@pytest.mark.parametrize("text", ["", "title = 'fields'\n" + GOOD, "field = [1, 2]\n"])
def test_a_file_without_field_tables_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(FieldsFileError, match=r"\[\[field\]\]"):
        load_fields(_write(tmp_path, text))


def test_the_columns_the_engine_adds_are_declared_beside_the_fields(example: Dataset) -> None:
    """Every column loading adds is declared in fields.toml ([[derived]] or [[outcome]]) with its kind; the only ones
    a file can also carry are derived when it does not (region, contract value)."""
    from_file = {f.name for f in FIELDS} | {u.column for u in example.card.unmapped}
    engine_made = {c for c in example.accounts.columns if c not in from_file and not c.endswith(("_low", "_high"))}
    assert engine_made and not engine_made - set(DERIVED_KINDS) - set(OUTCOME_KINDS)
    assert {"size_band", "region", "company_age"} <= set(DERIVED_KINDS) & set(example.accounts.columns)
    assert {"outcome", "won_value", "win_rate"} <= set(OUTCOME_KINDS) & set(example.accounts.columns)
    assert (set(DERIVED_KINDS) | set(OUTCOME_KINDS)) & set(FIELD_BY_NAME) == {"region", "contract_value"}
    assert all(example.kinds[c] == k for c, k in DERIVED_KINDS.items() if c in example.kinds)


def test_an_added_column_without_a_known_kind_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + '\n[[derived]]\nname = "size_band"\nkind = "colour"\ndescription = "x"\n')
    with pytest.raises(FieldsFileError, match="size_band"):
        load_added("derived", path)


@pytest.mark.slow
def test_the_wheel_ships_the_fields_file(built_wheel: Path, tmp_path: Path) -> None:
    wheel = built_wheel
    with zipfile.ZipFile(wheel) as archive:
        assert "icp_assistant/tools/core/data/fields.toml" in archive.namelist()
        shipped = archive.read("icp_assistant/tools/core/data/fields.toml").decode("utf-8")
    assert shipped == (REPO / "tools" / "core" / "data" / "fields.toml").read_text(encoding="utf-8")
    assert load_fields(_write(tmp_path, shipped)) == FIELDS
