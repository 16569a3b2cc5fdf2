"""'Is Acme a fit?' by name: score_prospect finds the company in the loaded datasets by domain, name or id and scores
the row as stored there, with exactly the score, tier and reasons of its fields given by hand and of the bulk scorer;
ambiguous names list the candidates, unknown ones suggest close names, given fields override what was found, and a
hostile name is only a name."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mcp import Client

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig
from icp_assistant.tools.core.errors import NotFoundError, OptionError
from icp_assistant.tools.ingest.outcomes import OutcomeSpec
from icp_assistant.tools.model.bulk import score_prospects
from icp_assistant.tools.model.icp import ICPVersion, build_icp
from icp_assistant.tools.model.prospect import ProspectScore, score_company, score_prospect
from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.lookup import (
    AmbiguousCompanyError,
    _domains,
    dataset_index,
    find_company,
    normalize_domain,
)
from icp_assistant.tools.store.workspace import Workspace

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"
ERAS = [pytest.param({}, id="modern"), pytest.param({"mode": "legacy"}, id="legacy")]
TWO_ACMES = """Company name,Company Domain Name,Industry,Number of Employees,Country/Region,Web Technologies
Acme GmbH,acme.de,Fintech,250,Germany,Salesforce; Slack
ACME Inc.,https://www.acme.com/,Retail,40,United States,Shopify
Globex Corporation,globex.com,Fintech,600,France,Salesforce
"""


def raw_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [{k: v for k, v in row.items() if k is not None} for row in csv.DictReader(handle)]


def verdict(result: ProspectScore | dict[str, Any]) -> tuple[Any, ...]:
    """What one truth per input compares: score, tier, gate and every reason with its points."""
    data = result.model_dump() if isinstance(result, ProspectScore) else result
    return data["score"], data["tier"], data.get("gate"), [(r["criterion"], r["points"]) for r in data["reasons"]]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return Workspace(tmp_path_factory.mktemp("fit") / "workspace")


@pytest.fixture(scope="module")
def icp(ws: Workspace) -> ICPVersion:
    """The example accounts (with deals) as 'example', its ICP, and the example prospects scored in bulk (which
    saves them as the dataset 'prospects')."""
    load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(deals_path=EXAMPLES / "deals.csv", name="example"))
    built = build_icp(open_dataset(ws, "example"), ws, name="fit")
    score_prospects(built, EXAMPLES / "prospects.csv", ws, LoadOptions())
    return built


@pytest.fixture(scope="module")
def acmes(ws: Workspace, icp: ICPVersion, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small list with two different Acmes, loaded as the dataset 'acmes'."""
    path = tmp_path_factory.mktemp("acmes") / "acmes.csv"
    path.write_text(TWO_ACMES, encoding="utf-8")
    load_accounts(path, ws, LoadOptions(name="acmes"))
    return path


@pytest.fixture(scope="module")
def bulk(icp: ICPVersion, ws: Workspace) -> pd.DataFrame:
    listed = score_prospects(icp, EXAMPLES / "prospects.csv", ws, LoadOptions()).csv_path
    return pd.read_csv(listed, dtype={"reasons": str}).set_index("row")


@pytest.fixture
def config(ws: Workspace, icp: ICPVersion, acmes: Path) -> ServerConfig:
    return ServerConfig(data_dirs=(EXAMPLES, acmes.parent), workspace=ws.root, raise_unexpected=True)


async def score(config: ServerConfig, arguments: dict[str, Any], era: dict[str, Any] | None = None) -> Any:
    async with Client(build_server(config), **(era or {})) as client:
        return await client.call_tool("score_prospect", {"icp": "fit", **arguments})


# -- through the MCP client ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_a_customer_named_by_the_user_is_found_and_scored_exactly_as_its_fields_given_by_hand(
    config: ServerConfig, era: dict[str, Any]
) -> None:
    first = raw_rows(EXAMPLES / "accounts.csv")[0]
    by_name = await score(config, {"company": "orbitflow lending"}, era)
    by_hand = await score(config, {"fields": first}, era)

    assert not by_name.is_error, by_name.content
    result = by_name.structured_content
    assert verdict(result) == verdict(by_hand.structured_content)
    assert result["found"] == {
        "dataset": "example", "file": "accounts.csv", "row": 1, "id": first["Record ID"],
        "name": "Orbitflow Lending Corp.", "domain": "orbitflowlending.com", "matched_by": "name", "outcome": "won",
        "churned": False, "also_in": [], "note": None,
    }  # fmt: skip
    assert result["customer"].startswith("Orbitflow Lending Corp. is a customer in dataset 'example' and sits inside")
    assert f"({result['tier']}, score {result['score']})" in result["customer"]
    assert result["overridden"] == {} and result["ignored"] == []


@pytest.mark.parametrize("era", ERAS)
async def test_a_prospect_found_by_its_web_address_scores_as_in_the_bulk_list(
    config: ServerConfig, bulk: pd.DataFrame, era: dict[str, Any]
) -> None:
    row = 2  # Stonescale Health, stonescalehealth.com.br
    result = (
        await score(config, {"company": "HTTPS://www.StoneScaleHealth.com.br/contact?x=1"}, era)
    ).structured_content
    listed = bulk.loc[row]

    assert (result["found"]["dataset"], result["found"]["row"], result["found"]["matched_by"]) == (
        "prospects",
        row,
        "domain",
    )
    assert result["found"]["outcome"] is None and result.get("customer") is None  # a prospect, not a customer
    reasons = "; ".join(f"{r['criterion']} ({r['points']:+d})" for r in result["reasons"][:3])
    assert (result["score"], result["tier"], reasons) == (int(listed["score"]), listed["tier"], listed["reasons"])


async def test_a_name_matching_two_companies_lists_them_and_either_can_then_be_picked(config: ServerConfig) -> None:
    ambiguous = await score(config, {"company": "Acme"})

    assert ambiguous.is_error
    message = ambiguous.content[0].text
    assert "'Acme' matches 2 different companies: acmes row 1: 'Acme GmbH' (domain acme.de); " in message
    assert "acmes row 2: 'ACME Inc.' (domain https://www.acme.com/)" in message
    assert "pass its domain as `company`, or `dataset` and `row`" in message

    german = (await score(config, {"company": "acme.de"})).structured_content
    american = (await score(config, {"dataset": "acmes", "row": 2})).structured_content
    assert (german["found"]["name"], german["found"]["matched_by"]) == ("Acme GmbH", "domain")
    assert (american["found"]["name"], american["found"]["matched_by"]) == ("ACME Inc.", "row")
    rows = raw_rows(config.data_dirs[1] / "acmes.csv")
    assert verdict(german) == verdict((await score(config, {"fields": rows[0]})).structured_content)
    assert verdict(american) == verdict((await score(config, {"fields": rows[1]})).structured_content)


async def test_an_unknown_name_says_what_was_searched_and_suggests_close_names(config: ServerConfig) -> None:
    result = await score(config, {"company": "Orbitflw Lendng"})

    assert result.is_error
    message = result.content[0].text
    assert "No company matching 'Orbitflw Lendng' in acmes (3 rows by domain/name), example (500 rows" in message
    assert "Close names: example row 1: 'Orbitflow Lending Corp.' (domain orbitflowlending.com" in message
    assert "describe the company in `fields`" in message


async def test_fields_given_with_the_name_replace_what_was_found_and_say_so(config: ServerConfig) -> None:
    first = raw_rows(EXAMPLES / "accounts.csv")[0]
    overrides = {"Employees": "5000", "Country": "Germany"}
    result = (await score(config, {"company": "orbitflowlending.com", "fields": overrides})).structured_content
    by_hand = await score(config, {"fields": {**first, "Number of Employees": "5000", "Country/Region": "Germany"}})

    assert result["overridden"] == {"employee_count": "173 -> 5000", "country": "United States -> Germany"}
    assert result["read_as"]["size_band"] == "Large (1,000+)"  # re-derived from the new headcount
    assert verdict(result) == verdict(by_hand.structured_content)
    assert verdict(result) != verdict((await score(config, {"company": "orbitflowlending.com"})).structured_content)


@pytest.mark.parametrize("name", ["../../etc/passwd", "Acme'; DROP TABLE accounts;--", "=cmd|' /C calc'!A0"])
async def test_a_hostile_name_is_just_a_name_that_is_not_found(config: ServerConfig, name: str) -> None:
    result = await score(config, {"company": name})

    assert result.is_error
    assert f"No company matching {name!r} in acmes (3 rows" in result.content[0].text


async def test_a_dataset_that_is_a_path_is_looked_up_never_opened(config: ServerConfig) -> None:
    result = await score(config, {"company": "Acme", "dataset": "../../etc"})

    assert result.is_error
    assert "No dataset named '../../etc' in the workspace. Names are single words, not paths." in result.content[0].text


async def test_a_row_without_its_dataset_or_beyond_it_is_an_error_saying_what_to_pass(config: ServerConfig) -> None:
    alone = await score(config, {"row": 3})
    beyond = await score(config, {"dataset": "acmes", "row": 4})
    nothing = await score(config, {})

    assert (
        "row=3 needs the dataset it is a row of: pass `dataset` too (datasets: acmes, example" in alone.content[0].text
    )
    assert "Row 4 is not in dataset 'acmes': its rows are 1 to 3." in beyond.content[0].text
    assert "Say which company to score: `company`" in nothing.content[0].text


# -- the engine ---------------------------------------------------------------------------------------------------


def test_every_example_account_is_found_at_its_row_in_the_file_and_scores_as_its_fields_given_by_hand(
    ws: Workspace, icp: ICPVersion
) -> None:
    rows = raw_rows(EXAMPLES / "accounts.csv")
    first_seen: dict[str, int] = {}
    for number, fields in enumerate(rows, start=1):
        first = first_seen.setdefault(fields["Company name"], number)  # a repeat was removed at load: found as first
        assert find_company(ws, fields["Company name"], dataset="example").row == first, number
    for number in range(1, len(rows) + 1, 25):  # scoring the fields by hand is the slow part: a sample
        found = score_company(ws, icp, rows[number - 1]["Company name"], dataset="example")
        assert verdict(found) == verdict(score_prospect(icp, rows[number - 1])), number


def test_every_bulk_scored_prospect_found_by_id_scores_as_in_the_bulk_list(
    ws: Workspace, icp: ICPVersion, bulk: pd.DataFrame
) -> None:
    for number, fields in enumerate(raw_rows(EXAMPLES / "prospects.csv"), start=1):
        result = score_company(ws, icp, fields["Record ID"], dataset="prospects")
        assert result.found is not None and result.found.matched_by == "id"
        listed = bulk.loc[result.found.row]
        reasons = "; ".join(f"{r.criterion} ({r.points:+d})" for r in result.reasons[:3])
        expected = "" if pd.isna(listed["reasons"]) else listed["reasons"]
        assert (result.score, result.tier, reasons) == (int(listed["score"]), listed["tier"], expected), number


def test_a_repeated_row_number_resolves_to_the_row_it_repeats(ws: Workspace, icp: ICPVersion) -> None:
    rows = raw_rows(EXAMPLES / "accounts.csv")
    assert rows[323] == rows[289]  # file rows 324 and 290: one company, the repeat removed at load
    result = score_company(ws, icp, dataset="example", row=324)

    assert result.found is not None and (result.found.row, result.found.name) == (290, "Nimbusforge Lending Inc.")
    with pytest.raises(OptionError, match=r"Row 324 of 'example' is 'Nimbusforge Lending Inc.' .* not 'Acme'"):
        score_company(ws, icp, "Acme", dataset="example", row=324)


def test_one_company_in_two_datasets_is_taken_from_the_icps_own_and_the_other_row_is_named(
    ws: Workspace, icp: ICPVersion, tmp_path: Path
) -> None:
    load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(name="copy"))
    try:
        result = score_company(ws, icp, "Orbitflow Lending Corp")
    finally:
        ws.commit_folder("datasets", "copy", lambda folder: None)  # an empty folder: no longer a dataset
    assert result.found is not None and result.found.dataset == "example"
    assert [(c.dataset, c.row, c.name) for c in result.found.also_in] == [("copy", 1, "Orbitflow Lending Corp.")]


def test_a_customer_outside_the_icp_is_flagged_for_customer_success(ws: Workspace, icp: ICPVersion) -> None:
    accounts = open_dataset(ws, "example").accounts
    rows = raw_rows(EXAMPLES / "accounts.csv")
    outside = next(
        r for r in rows
        if accounts["name"].eq(r["Company name"]).any()
        and accounts.loc[accounts["name"].eq(r["Company name"]), "outcome"].iloc[0] == "won"
        and score_prospect(icp, r).tier == "red"
    )  # fmt: skip
    result = score_company(ws, icp, outside["Company name"])
    assert "outside the ICP: worth a customer-success review (red, score" in (result.customer or "")

    lost = accounts.loc[accounts["outcome"].eq("lost"), "name"].iloc[0]
    assert score_company(ws, icp, lost).customer is None


def test_a_lookup_reads_the_index_once_per_version_of_the_dataset(ws: Workspace, icp: ICPVersion) -> None:
    first = dataset_index(ws, "example")
    assert dataset_index(ws, "example") is first
    load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(deals_path=EXAMPLES / "deals.csv", name="example",
                                                              use_cache=False))  # fmt: skip
    assert dataset_index(ws, "example") is not first
    assert find_company(ws, "orbitflowlending.com", dataset="example").row == 1


def test_without_datasets_the_error_says_to_load_one_or_describe_the_company(tmp_path: Path, icp: ICPVersion) -> None:
    with pytest.raises(NotFoundError, match=r"no datasets to search yet\. Load the accounts .* with load_accounts"):
        score_company(Workspace(tmp_path / "empty"), icp, "Acme")


def test_an_ambiguous_lookup_carries_its_candidates(ws: Workspace, acmes: Path) -> None:
    with pytest.raises(AmbiguousCompanyError) as error:
        find_company(ws, "ACME", dataset="acmes")
    assert [(c.row, c.name, c.domain) for c in error.value.candidates] == [
        (1, "Acme GmbH", "acme.de"), (2, "ACME Inc.", "https://www.acme.com/"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("written", "domain"),
    [
        ("HTTPS://WWW.Acme.COM/about?x=1#top", "acme.com"),
        ("acme.com.", "acme.com"),
        ("ben@acme.de", "acme.de"),
        ("http://user@acme.io:8080/x", "acme.io"),
        ("www2.acme.co.uk", "acme.co.uk"),
        ("  acme.com  ", "acme.com"),
        ("Acme", ""),
        ("../../etc/passwd", ""),
        ("", ""),
    ],
)
def test_a_domain_is_normalised_the_same_way_for_a_query_and_for_a_column(written: str, domain: str) -> None:
    assert normalize_domain(written) == domain
    column = _domains(pa.chunked_array([[written]], pa.large_string())).to_pylist()
    assert column == [domain or None]


@given(st.text(alphabet=st.sampled_from("aZ09.-/:@ w_?#\t"), max_size=30))
def test_the_vectorised_domain_normalisation_agrees_with_the_scalar_one(text: str) -> None:
    column = _domains(pa.chunked_array([[text]], pa.large_string())).to_pylist()
    assert column == [normalize_domain(text) or None]


# -- real exports -------------------------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_a_maven_account_is_found_by_a_shortened_name_and_scores_as_its_row(shared_data: Path, tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    folder = shared_data / "maven_crm"
    load_accounts(folder / "accounts.csv", ws, LoadOptions(deals_path=folder / "sales_pipeline.csv", name="maven"))
    icp = build_icp(open_dataset(ws, "maven"), ws, name="maven")
    listed = pd.read_csv(score_prospects(icp, folder / "accounts.csv", ws, LoadOptions()).csv_path).set_index("row")
    rows = raw_rows(folder / "accounts.csv")

    result = score_company(ws, icp, "acme corp.")
    assert result.found is not None
    assert (result.found.dataset, result.found.row, result.found.name) == ("maven", 1, "Acme Corporation")
    assert [(c.dataset, c.row) for c in result.found.also_in] == [("accounts", 1)]
    assert result.found.outcome == "won" and result.customer is not None
    assert verdict(result) == verdict(score_prospect(icp, rows[0]))
    for number, fields in enumerate(rows, start=1):
        alone = score_company(ws, icp, fields["account"], dataset="maven")
        assert alone.found is not None and alone.found.row == number
        assert verdict(alone) == verdict(score_prospect(icp, fields))
        assert (alone.tier, alone.score) == (listed.at[number, "tier"], _int(listed.at[number, "score"]))


@pytest.mark.shared_data
@pytest.mark.slow
def test_a_telco_subscriber_is_found_by_its_id_and_scores_as_in_the_bulk_list(
    shared_data: Path, tmp_path: Path
) -> None:
    ws = Workspace(tmp_path / "ws")
    path = shared_data / "telco_churn" / "Telco-Customer-Churn.csv"
    load_accounts(path, ws, LoadOptions(name="telco", outcome=OutcomeSpec(column="Churn", success=["No"])))
    icp = build_icp(open_dataset(ws, "telco"), ws, name="telco")
    listed = pd.read_csv(score_prospects(icp, path, ws, LoadOptions()).csv_path, dtype={"reasons": str})
    listed = listed.set_index("row")
    rows = raw_rows(path)

    for number in range(1, len(rows) + 1, 250):
        result = score_company(ws, icp, rows[number - 1]["customerID"], dataset="telco")
        assert result.found is not None and result.found.matched_by == "id"
        assert verdict(result) == verdict(score_prospect(icp, rows[number - 1]))
        bulk_row = listed.loc[result.found.row]
        reasons = "; ".join(f"{r.criterion} ({r.points:+d})" for r in result.reasons[:3])
        assert (result.score, result.tier, reasons) == (int(bulk_row["score"]), bulk_row["tier"], bulk_row["reasons"])


def _int(value: object) -> int | None:
    return None if pd.isna(value) else int(value)  # type: ignore[call-overload]


def test_a_number_is_looked_up_as_an_id_before_any_name_is_normalised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A letterless query ('4711') names an id, not a company called '4711': found without normalising names (at
    a million rows that took seconds), while a query with letters still finds names."""
    from icp_assistant.tools.store import lookup

    path = tmp_path / "accounts.csv"
    path.write_text("Record ID,Company name,Industry\n4711,Cologne Water,Retail\n5000,4711,Retail\n", encoding="utf-8")
    ws = Workspace(tmp_path / "ws")
    load_accounts(path, ws, LoadOptions(name="numbers"))
    normalised: list[int] = []
    names = lookup._names
    monkeypatch.setattr(lookup, "_names", lambda column: normalised.append(1) or names(column))
    found = find_company(ws, "4711")
    assert (found.row, found.matched_by, normalised) == (1, "id", [])
    assert find_company(ws, "Cologne Water").row == 1 and normalised == [1]
