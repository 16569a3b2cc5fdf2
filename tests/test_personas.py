"""Personas from a contacts file: titles of champions and decision makers in won vs lost deals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icp_assistant.tools import synthetic as S
from icp_assistant.tools.analysis.personas import Personas, describe_personas
from icp_assistant.tools.core.company_keys import normalize_name
from icp_assistant.tools.core.errors import ColumnError, InsufficientDataError, OptionError
from icp_assistant.tools.core.job_titles import contact_role, department, normalize_title, seniority
from icp_assistant.tools.ingest.contact_columns import map_contact_columns
from icp_assistant.tools.store.datasets import Dataset, LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"
CONTACTS = EXAMPLES / "contacts.csv"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    ws = Workspace(tmp_path_factory.mktemp("personas"))
    load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(deals_path=EXAMPLES / "deals.csv", name="example"))
    return open_dataset(ws, "example")


@pytest.fixture(scope="module")
def personas(example: Dataset) -> Personas:
    return describe_personas(CONTACTS, example)


@pytest.fixture(scope="module")
def contacts() -> pd.DataFrame:
    return pd.read_csv(CONTACTS, keep_default_na=False, dtype=str)


def _difference(result: Personas, role: str, dimension: str, value: str) -> tuple[float, float] | None:
    for d in result.differences:
        if (d.role, d.dimension, d.value) == (role, dimension, value):
            assert d.won.rate is not None and d.lost.rate is not None
            return d.won.rate, d.lost.rate
    return None


def _summary(result: Personas, role: str, outcome: str) -> dict[str, float]:
    summary = next(r for r in result.roles if r.role == role and r.outcome == outcome)
    return {s.value: s.share for s in summary.seniority + summary.departments}


# ------------------------------------------------------------------------------ the planted pattern
def test_vp_and_head_of_finance_or_operations_champions_are_found_in_won_deals(personas: Personas) -> None:
    champion_lines = [f for f in personas.findings if f.startswith("Champions")]
    assert any("won deals VP / Head of · Finance" in f and "VP / Head of · Operations" in f for f in champion_lines)
    assert any("Champions in won deals are at VP / Head of level" in f for f in champion_lines)
    vp = _difference(personas, "champion", "seniority", "VP / Head of")
    assert vp is not None and vp[0] > 0.7 and vp[1] < 0.1
    finance, operations = (_difference(personas, "champion", "department", d) for d in ("Finance", "Operations"))
    assert finance is not None and finance[0] > finance[1]
    assert operations is not None and operations[0] > operations[1]


def test_it_champions_and_cto_cio_decision_makers_mark_lost_deals(personas: Personas) -> None:
    it_champions = _difference(personas, "champion", "department", "IT / Engineering")
    assert it_champions is not None and it_champions[1] > 0.6 > 0.1 > it_champions[0]
    individual = _difference(personas, "champion", "seniority", "Individual contributor")
    assert individual is not None and individual[1] > individual[0]
    it_deciders = _difference(personas, "decision maker", "department", "IT / Engineering")
    assert it_deciders is not None and it_deciders[1] > 0.5 > it_deciders[0]
    finance_deciders = _difference(personas, "decision maker", "department", "Finance")
    assert finance_deciders is not None and finance_deciders[0] > finance_deciders[1]
    # Both sides' decision makers are C-level: seniority does not separate them, and no finding says so.
    assert _difference(personas, "decision maker", "seniority", "C-level / founder") is None
    assert _summary(personas, "decision maker", "won")["C-level / founder"] > 0.8
    assert _summary(personas, "decision maker", "lost")["C-level / founder"] > 0.8


def test_every_finding_carries_counts_an_interval_and_a_q_value(personas: Personas) -> None:
    tested = [f for f in personas.findings if " in won deals " in f and "most common profiles" not in f]
    assert tested and len(tested) == len(personas.differences)
    for finding in tested:
        assert "95% CI" in finding and "q " in finding and "/" in finding
    assert all(d.q_value < 0.05 and d.won.n >= 5 and d.lost.n >= 5 for d in personas.differences)


def test_contacts_are_counted_matched_and_the_strangers_reported(personas: Personas, contacts: pd.DataFrame) -> None:
    assert personas.contacts == len(contacts)
    assert personas.unmatched == 6 and personas.matched == len(contacts) - 6
    assert set(personas.unmatched_examples) <= set(contacts["Company Name"])
    assert "Harborlight Analytics Ltd" in personas.unmatched_examples
    assert personas.won_contacts + personas.lost_contacts == personas.matched
    assert personas.columns == {
        "first_name": "First Name",
        "last_name": "Last Name",
        "email": "Email",
        "title": "Job Title",
        "role": "Contact Role",
        "account_name": "Company Name",
    }
    assert any("by normalised company name" in n for n in personas.notes)
    assert any("no job title" in n for n in personas.notes)
    champions = next(r for r in personas.roles if r.role == "champion" and r.outcome == "won")
    assert champions.contacts > champions.with_title > 200 and not champions.small_sample
    assert champions.titles[0].value == "VP Finance"
    assert len(champions.titles) == 5


def test_the_generator_realises_the_planted_shares_the_analysis_sees(personas: Personas) -> None:
    accounts, deals, _ = S.generate_accounts_and_deals(500, 3000, seed=7, messy=False)
    frame, truth = S.generate_contacts(accounts, deals, seed=7)
    again, _ = S.generate_contacts(accounts, deals, seed=7)
    pd.testing.assert_frame_equal(frame, again)
    assert tuple(frame.columns) == S.CONTACT_COLUMNS
    won = truth.realised["champion"]["won"]
    assert won["shares"]["VP / Head of Finance or Operations"] > 0.65
    vp = _difference(personas, "champion", "seniority", "VP / Head of")
    assert vp is not None and abs(vp[0] - won["shares"]["VP / Head of Finance or Operations"]) < 0.1
    assert truth.messiness["blank_titles"] > 0 and truth.messiness["unknown_company_contacts"] == 6


# ------------------------------------------------------------------------------ no pattern
def test_shuffled_titles_and_roles_give_no_reliable_difference(
    example: Dataset, contacts: pd.DataFrame, tmp_path: Path
) -> None:
    order = np.random.default_rng(3).permutation(len(contacts))
    shuffled = contacts.copy()
    for column in ("Job Title", "Contact Role"):
        shuffled[column] = contacts[column].to_numpy()[order]
    shuffled.to_csv(tmp_path / "shuffled.csv", index=False)
    result = describe_personas(tmp_path / "shuffled.csv", example)
    assert result.differences == []
    assert len(result.findings) == 1
    assert result.findings[0].startswith(
        "No reliable difference between won and lost deals in the titles of champions and decision makers"
    )
    assert "n won=" in result.findings[0] and "lost=" in result.findings[0]
    assert result.comparisons > 10


def test_a_handful_of_contacts_is_called_too_few(example: Dataset, contacts: pd.DataFrame, tmp_path: Path) -> None:
    contacts.head(9).to_csv(tmp_path / "few.csv", index=False)
    result = describe_personas(tmp_path / "few.csv", example)
    assert result.differences == []
    assert result.findings[0].startswith("Too few champions and decision makers")
    assert "hypotheses" in result.findings[0]
    assert all(r.small_sample for r in result.roles)


def test_without_a_role_column_all_contacts_are_compared_and_personas_stay_hypotheses(
    example: Dataset, contacts: pd.DataFrame, tmp_path: Path
) -> None:
    contacts.drop(columns=["Contact Role"]).to_csv(tmp_path / "no_roles.csv", index=False)
    result = describe_personas(tmp_path / "no_roles.csv", example)
    assert {r.role for r in result.roles} == {"all"}
    assert all(d.role == "all" for d in result.differences)
    assert any("no role column" in n and "hypotheses" in n for n in result.notes)


# ------------------------------------------------------------------------------ messy files map
def _salesforce(contacts: pd.DataFrame, example: Dataset) -> pd.DataFrame:
    """An OpportunityContactRole report: one row per opportunity and contact, the account by id."""
    ids = dict(zip(example.accounts["name"].map(normalize_name), example.accounts["account_id"], strict=True))
    roles = {"Champion": "Champion", "Decision Maker": "Economic Decision Maker", "Economic Buyer": "Economic Buyer"}
    rows = pd.DataFrame(
        {
            "Opportunity Name": contacts["Company Name"] + " - New Business",
            "Account ID": contacts["Company Name"].map(normalize_name).map(ids).fillna("001XX000003GYQZ"),
            "Contact: Full Name": contacts["First Name"] + " " + contacts["Last Name"],
            "Contact: Title": contacts["Job Title"],
            "Role": contacts["Contact Role"].map(roles).fillna("Business User"),
            "Is Primary": "0",
        }
    )
    renewal = rows.assign(**{"Opportunity Name": rows["Opportunity Name"].str.replace("New Business", "Renewal")})
    return pd.concat([rows, renewal], ignore_index=True)


def _write_xlsx(contacts: pd.DataFrame, _example: Dataset, path: Path) -> Path:
    contacts.to_excel(path.with_suffix(".xlsx"), index=False, sheet_name="Contacts")
    return path.with_suffix(".xlsx")


def _write_salesforce(contacts: pd.DataFrame, example: Dataset, path: Path) -> Path:
    _salesforce(contacts, example).to_csv(path.with_suffix(".csv"), index=False)
    return path.with_suffix(".csv")


def _write_semicolon(contacts: pd.DataFrame, _example: Dataset, path: Path) -> Path:
    hubspot = {"Champion": "CHAMPION", "Decision Maker": "DECISION_MAKER", "Executive Sponsor": "EXECUTIVE_SPONSOR"}
    frame = pd.DataFrame(
        {
            "Full Name": contacts["First Name"] + " " + contacts["Last Name"],
            "Title": contacts["Job Title"],
            "Account Name": contacts["Company Name"],
            "Buying Role": contacts["Contact Role"].map(hubspot).fillna("OTHER"),
        }
    )
    frame.to_csv(path.with_suffix(".csv"), index=False, sep=";", encoding="cp1252", errors="replace")
    return path.with_suffix(".csv")


@pytest.mark.parametrize(
    ("writer", "columns", "join"),
    [
        (_write_xlsx, {"title": "Job Title", "account_name": "Company Name"}, "by normalised company name"),
        (
            _write_salesforce,
            {"title": "Contact: Title", "account_id": "Account ID", "name": "Contact: Full Name"},
            "by account id",
        ),
        (_write_semicolon, {"title": "Title", "account_name": "Account Name", "role": "Buying Role"}, "company name"),
    ],
    ids=["xlsx", "salesforce-contact-roles", "semicolon-cp1252"],
)  # fmt: skip
def test_messy_contact_exports_map_and_find_the_pattern(
    writer, columns: dict[str, str], join: str, example: Dataset, contacts: pd.DataFrame, tmp_path: Path
) -> None:
    path = writer(contacts, example, tmp_path / "contacts")
    result = describe_personas(path, example)
    assert columns.items() <= result.columns.items()
    assert "Opportunity Name" not in result.columns.values()
    assert any(join in n for n in result.notes)
    assert result.matched >= len(contacts) - 6
    vp = _difference(result, "champion", "seniority", "VP / Head of")
    assert vp is not None and vp[0] > vp[1]


def test_one_person_listed_for_several_opportunities_counts_once(
    example: Dataset, contacts: pd.DataFrame, tmp_path: Path
) -> None:
    path = _write_salesforce(contacts, example, tmp_path / "ocr")
    result = describe_personas(path, example)
    assert result.contacts == len(contacts)
    assert any("counted once" in n for n in result.notes)


def test_contact_headers_map_from_hubspot_and_salesforce_names() -> None:
    hubspot = ["Record ID", "First Name", "Last Name", "jobtitle", "Associated Company", "hs_buying_role"]
    assert map_contact_columns(hubspot) == {
        "first_name": "First Name",
        "last_name": "Last Name",
        "title": "jobtitle",
        "account_name": "Associated Company",
        "role": "hs_buying_role",
    }
    salesforce = ["Id", "OpportunityId", "Opportunity.Name", "Contact.Name", "Contact.Title", "AccountId", "Role"]
    assert map_contact_columns(salesforce) == {
        "name": "Contact.Name",
        "title": "Contact.Title",
        "account_id": "AccountId",
        "role": "Role",
    }
    assert map_contact_columns(["Name", "Position", "Employer"], {"account_name": "Employer"})["title"] == "Position"


# ------------------------------------------------------------------------------ clear errors
def test_a_file_without_a_title_column_names_the_columns_and_the_fix(
    example: Dataset, contacts: pd.DataFrame, tmp_path: Path
) -> None:
    contacts.drop(columns=["Job Title"]).to_csv(tmp_path / "untitled.csv", index=False)
    with pytest.raises(ColumnError, match="no job title column") as caught:
        describe_personas(tmp_path / "untitled.csv", example)
    assert "First Name, Last Name, Email, Company Name, Contact Role" in str(caught.value)
    assert "mapping={'title': '<column>'}" in str(caught.value)


def test_a_file_without_a_company_column_lists_the_headers_found(
    example: Dataset, contacts: pd.DataFrame, tmp_path: Path
) -> None:
    contacts.drop(columns=["Company Name"]).to_csv(tmp_path / "nameless.csv", index=False)
    with pytest.raises(ColumnError, match="no column naming each contact's company") as caught:
        describe_personas(tmp_path / "nameless.csv", example)
    assert "First Name, Last Name, Email, Job Title, Contact Role" in str(caught.value)
    assert "mapping={'account_name': '<column>'}" in str(caught.value)


def test_contacts_of_other_companies_show_examples_from_both_sides(example: Dataset, tmp_path: Path) -> None:
    strangers = pd.DataFrame(
        {
            "Name": ["Ann Lee", "Bo Chen", "Cy Diaz", "Di Eze"],
            "Title": ["CFO", "VP Finance", "CTO", "IT Manager"],
            "Company": ["Globex", "Initech", "Umbrella Corp", "Hooli"],
            "Role": ["Decision Maker", "Champion", "Decision Maker", "Champion"],
        }
    )
    strangers.to_csv(tmp_path / "strangers.csv", index=False)
    with pytest.raises(InsufficientDataError, match="None of the 4 contacts") as caught:
        describe_personas(tmp_path / "strangers.csv", example)
    message = str(caught.value)
    assert "Globex, Initech, Umbrella Corp" in message and "Hooli" not in message
    for name in example.accounts["name"].head(3):
        assert name in message
    assert "mapping={'account_name'" in message


def test_a_mapping_to_an_unknown_field_or_column_is_refused(example: Dataset) -> None:
    with pytest.raises(OptionError, match=r"'job' is not a contacts field.*title"):
        describe_personas(CONTACTS, example, mapping={"job": "Job Title"})
    with pytest.raises(ColumnError, match=r"no such column.*Job Title"):
        describe_personas(CONTACTS, example, mapping={"title": "Position"})


# ------------------------------------------------------------------------------ titles and roles
@pytest.mark.parametrize(
    ("title", "level", "dept"),
    [
        ("CFO", "C-level / founder", "Finance"),
        ("Chief Financial Officer", "C-level / founder", "Finance"),
        ("COO", "C-level / founder", "Operations"),
        ("EVP, Chief Operating Officer", "C-level / founder", "Operations"),
        ("CTO", "C-level / founder", "IT / Engineering"),
        ("Chief Information Officer", "C-level / founder", "IT / Engineering"),
        ("CRO", "C-level / founder", "Sales"),
        ("CMO", "C-level / founder", "Marketing"),
        ("Co-Founder & CEO", "C-level / founder", "Executive"),
        ("President", "C-level / founder", "Executive"),
        ("Managing Director", "C-level / founder", "Executive"),
        ("General Counsel", "C-level / founder", "Legal"),
        ("VP, Fin. Ops", "VP / Head of", "Finance"),
        ("Vice President of Marketing", "VP / Head of", "Marketing"),
        ("SVP Global FP&A", "VP / Head of", "Finance"),
        ("Head of Operations", "VP / Head of", "Operations"),
        ("Head of People", "VP / Head of", "HR / People"),
        ("Chief of Staff", "VP / Head of", "Executive"),
        ("Sr. Dir., Sales Operations", "Director", "Sales"),
        ("Director of RevOps", "Director", "Sales"),
        ("Dir. of Engineering", "Director", "IT / Engineering"),
        ("IT Mgr", "Manager", "IT / Engineering"),
        ("Financial Controller", "Manager", "Finance"),
        ("Procurement Manager", "Manager", "Procurement"),
        ("Customer Success Manager", "Manager", "Customer Success / Support"),
        ("Marketing Ops Manager", "Manager", "Marketing"),
        ("Team Lead, Support", "Manager", "Customer Success / Support"),
        ("Systems Administrator", "Individual contributor", "IT / Engineering"),
        ("Software Engineer", "Individual contributor", "IT / Engineering"),
        ("DevOps Engineer", "Individual contributor", "IT / Engineering"),
        ("Account Executive", "Individual contributor", "Sales"),
        ("Senior Accountant", "Individual contributor", "Finance"),
        ("Buyer", "Individual contributor", "Procurement"),
        ("Executive Assistant to the CEO", "Individual contributor", "Executive"),
        ("Product Owner", "Individual contributor", "IT / Engineering"),
        ("Logistics Coordinator", "Individual contributor", "Operations"),
        ("HEAD OF FINANCE & OPERATIONS", "VP / Head of", "Finance"),
        ("office assistant", "Individual contributor", "Other"),
    ],
)
def test_a_job_title_gives_its_seniority_and_department(title: str, level: str, dept: str) -> None:
    assert (seniority(title), department(title)) == (level, dept)


def test_blank_titles_and_roles_are_unknown_not_guessed() -> None:
    for blank in (None, "", "  ", float("nan"), "N/A", "#N/A", "-", "unknown", "Select"):
        assert seniority(blank) is None and department(blank) is None and contact_role(blank) is None
        assert normalize_title(blank) == ""


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("Champion", "champion"),
        ("Decision Maker", "decision maker"),
        ("DECISION_MAKER", "decision maker"),
        ("Economic Buyer", "decision maker"),
        ("Economic Decision Maker", "decision maker"),
        ("Executive Sponsor", "decision maker"),
        ("Budget Holder", "decision maker"),
        ("Technical Buyer", "influencer"),
        ("Evaluator", "influencer"),
        ("influencer", "influencer"),
        ("Business User", "user"),
        ("End User", "user"),
        ("Other", "other"),
        ("Blocker", "other"),
        ("Evaluator; Champion", "champion"),
    ],
)
def test_a_buying_role_label_is_normalised(label: str, role: str) -> None:
    assert contact_role(label) == role


def test_spellings_of_one_title_group_together() -> None:
    assert normalize_title("VP, Fin. Ops") == normalize_title("vp finance operations") == "VP Finance Operations"
    assert normalize_title("Vice President of Finance") == normalize_title("VP Finance") == "VP Finance"
    assert normalize_title("IT Mgr") == "IT Manager"
    assert normalize_title("Sr. Dir. of RevOps") == "Senior Director of RevOps"
