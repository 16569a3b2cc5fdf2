"""Tests for infer_kind: what a column holds, inferred from its values."""

from __future__ import annotations

import pytest

from icp_assistant.tools.core.values import infer_kind

# --------------------------------------------------------------------------------------------------
# infer_kind
# --------------------------------------------------------------------------------------------------

KIND_EXAMPLES = {
    "bool": ["Yes", "No", "yes", "N/A"] * 10,
    "percent": [f"{i / 3:.1f}%" for i in range(40)],
    "money": [f"${i}.{i % 10}M" for i in range(30)] + ["$300k", "$1,200", "€5 Mio", "USD 10"],
    "number": [str(i * 37) for i in range(50)],
    "ranges": ["1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "10,000+"] * 5,
    "iso_date": [f"2021-03-{d:02d}" for d in range(1, 29)],
    "us_date": [f"03/{d:02d}/2021" for d in range(1, 29)],
    "month_date": [f"Mar {d}, 2021" for d in range(1, 29)],
    "multi": ["Salesforce; HubSpot", "HubSpot", "Salesforce; Marketo", "Marketo; HubSpot", "Salesforce"] * 8,
    "id": [f"0015g00000{i:05d}AAA" for i in range(40)],
    "uuid": [f"{i:08x}-1234-5678-9abc-def012345678" for i in range(40)],
    "emails": [f"person{i}@example.com" for i in range(40)],
    "text": [f"Company {i} builds software for logistics teams and sells it to mid-market firms" for i in range(40)],
    "names": [f"Jane Doe {i}" for i in range(40)],
    "category": ["Software", "Retail", "Finance", "Healthcare"] * 10,
    "small_category": ["Software", "Retail", "Finance"],
    "account_numbers": [f"00{i:05d}" for i in range(1000, 1040)],
}
EXPECTED_KINDS = {
    "bool": "bool",
    "percent": "percent",
    "money": "money",
    "number": "number",
    "ranges": "number",
    "iso_date": "date",
    "us_date": "date",
    "month_date": "date",
    "multi": "multi",
    "id": "id",
    "uuid": "id",
    "emails": "id",
    "text": "text",
    "names": "text",
    "category": "category",
    "small_category": "category",
    "account_numbers": "id",
}


@pytest.mark.parametrize("column", sorted(KIND_EXAMPLES))
def test_the_kind_of_an_unmapped_column_is_inferred_from_its_values(column: str) -> None:
    assert infer_kind(KIND_EXAMPLES[column]) == EXPECTED_KINDS[column]


def test_a_column_of_placeholders_is_text() -> None:
    assert infer_kind(["N/A", "", "-"]) == "text"


def test_kind_inference_is_deterministic_and_looks_at_a_bounded_sample() -> None:
    values = [str(i) for i in range(1000)] + ["not a number"] * 5000
    assert infer_kind(values) == "number"
    assert infer_kind(values) == infer_kind(list(values))
