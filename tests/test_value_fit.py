"""A column maps to a canonical field only when its values fit that field; otherwise it stays an attribute under its
own name (a 'Client' column of New/Current/Past is not the company name; a 'Growth' column of Stable/Growth is not
employee growth to be emptied as unreadable)."""

from __future__ import annotations

from pathlib import Path

from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace


def test_values_that_do_not_fit_a_field_keep_their_column_and_say_why(tmp_path: Path) -> None:
    rows = ["Client,Growth,Industry,Employees"]
    rows += [f"{['New', 'Current', 'Past'][i % 3]},{['Stable', 'Growth'][i % 2]},Fintech,{10 + i}" for i in range(40)]
    (tmp_path / "leads.csv").write_text("\n".join(rows) + "\n")
    ws = Workspace(tmp_path / "ws")
    card = load_accounts(tmp_path / "leads.csv", ws, LoadOptions(name="leads"))
    fields = {f.field: f.source for f in card.fields}
    assert "name" not in fields and "employee_growth" not in fields
    assert {"Client", "Growth"} <= {u.column for u in card.unmapped}
    data = open_dataset(ws, "leads")
    assert data.accounts["Growth"].notna().all() and set(data.accounts["Client"]) == {"New", "Current", "Past"}
    notes = " ".join(card.warnings)
    assert "Column 'Growth' kept under its own name, not read as employee_growth" in notes
    assert "Column 'Client' kept under its own name, not read as name" in notes


def test_the_users_own_mapping_is_never_taken_back(tmp_path: Path) -> None:
    rows = ["Client,Industry"] + [f"{['New', 'Current'][i % 2]},Fintech" for i in range(40)]
    (tmp_path / "a.csv").write_text("\n".join(rows) + "\n")
    card = load_accounts(tmp_path / "a.csv", Workspace(tmp_path / "ws"), LoadOptions(mapping={"name": "Client"}))
    assert {f.field: f.source for f in card.fields}["name"] == "Client"
