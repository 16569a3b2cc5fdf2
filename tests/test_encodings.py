"""Exports in the code pages CRMs still write (Cyrillic, Central European, Japanese, Western) load with their names
read right and the card says how the file was read; company-name join keys survive legal forms and accents;
workspace names from non-Latin file names are readable and distinct."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from mcp import Client

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig
from icp_assistant.tools.core.company_keys import normalize_name, normalize_names
from icp_assistant.tools.ingest.deals import join_deals
from icp_assistant.tools.ingest.encodings import detect_encoding
from icp_assistant.tools.store.workspace import is_name, slugify

pytestmark = pytest.mark.anyio

INDUSTRIES = ["Software", "Retail", "Manufacturing", "Finance"]
EXPORTS = {
    "cp1251": (
        "Company Name,City,Industry,Employees",
        ["ООО Ромашка", "АО Северсталь", "ПАО Сбербанк", "Яндекс"],
        ["Москва", "Череповец", "Санкт-Петербург", "Казань"],
        "Cyrillic (Windows-1251)",
    ),
    "cp1250": (
        "Company Name,City,Industry,Employees",
        ["Żabka Polska", "Przedsiębiorstwo Łódź", "Škoda Auto", "Grupa Żywiec"],
        ["Łódź", "Poznań", "Mladá Boleslav", "Kraków"],
        "Central European (Windows-1250)",
    ),
    "shift_jis": (
        "Company Name,City,Industry,Employees",
        ["株式会社ソニー", "トヨタ自動車", "任天堂", "楽天グループ"],
        ["東京", "豊田", "京都", "世田谷"],
        "Japanese (Shift-JIS)",
    ),
    "cp1252": (
        "Company Name,City,Industry,Employees",
        ["Société Générale", "Müller Brötchen", "Pâtisserie Crème", "Compañía Telefónica"],
        ["Paris", "Köln", "São Paulo", "A Coruña"],  # è, ã, ñ are other letters in Windows-1250
        "Western European (Windows-1252)",
    ),
    "utf-8": (
        "Company Name,City,Industry,Employees",
        ["Ωmega Ltd", "Ромашка", "ソニー", "Café René"],
        ["Αθήνα", "Москва", "東京", "Besançon"],
        None,
    ),
}


def _write(path: Path, encoding: str, rows: int) -> list[str]:
    header, names, cities, _ = EXPORTS[encoding]
    lines = [header]
    written = []
    for i in range(rows):
        name = f"{names[i % len(names)]} {i}"
        written.append(name)
        lines.append(f"{name},{cities[i % len(cities)]},{INDUSTRIES[i % 4]},{50 + i}")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return written


@pytest.mark.parametrize("encoding", list(EXPORTS))
async def test_an_export_in_its_code_page_loads_with_its_names_and_the_card_says_how_it_was_read(
    tmp_path: Path, encoding: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    names = _write(data / f"accounts_{encoding}.csv", encoding, 300)
    server = build_server(ServerConfig(data_dirs=(data,), workspace=tmp_path / "ws", raise_unexpected=True))
    async with Client(server) as client:
        result = await client.call_tool("load_accounts", {"path": str(data / f"accounts_{encoding}.csv")})
    assert not result.is_error, result.content
    card = result.structured_content
    assert card is not None
    read_as = card["files"][0]["encoding"]
    guessed = [w for w in card["warnings"] if "detected from its text" in w]
    label = EXPORTS[encoding][3]
    if label is None:
        assert read_as == "utf-8" and not guessed
    else:
        assert detect_encoding((data / f"accounts_{encoding}.csv").read_bytes()[:262144]) == read_as
        assert len(guessed) == 1 and label in guessed[0], card["warnings"]
    from icp_assistant.tools.store.datasets import open_dataset
    from icp_assistant.tools.store.workspace import Workspace

    dataset = open_dataset(Workspace(tmp_path / "ws"), card["name"])
    assert list(dataset.accounts["name"]) == names


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("name,city\nCafé René,Besançon\nMüller GmbH,Köln\n", "cp1252"),
        ("name,city\n" + "".join(f"Société {i},Orléans\n" for i in range(20)), "cp1252"),
        ("name,city\nŁódź Sp. z o.o.,Łódź\nŻabka,Poznań\n" * 5, "cp1250"),
        ("name,city\nРомашка,Москва\n" * 3, "cp1251"),
    ],
    ids=["two-rows-german", "twenty-rows-french", "polish", "russian"],
)
def test_a_short_file_is_read_as_well_as_before(text: str, encoding: str) -> None:
    """Western files are read as Windows-1252 however short (cp1250 reads the same bytes the same way unless a
    Central European letter appears), and a short Polish or Russian file is no longer read as Western."""
    assert detect_encoding(text.encode(encoding)) == encoding


LANGUAGES = {
    "portuguese": (["Comércio São João", "Construções Lusitânia", "Pão de Açúcar"], ["São Paulo", "Belém"], "cp1252"),
    "spanish": (["Compañía Telefónica", "Industrias Peñafiel"], ["Málaga", "A Coruña"], "cp1252"),
    "french": (["Pâtisserie Crème", "Bière Fraîche", "Hôtel Étoile"], ["Besançon", "Nîmes"], "cp1252"),
    "italian": (["Città Nuova", "Caffè Più", "Società Però"], ["Forlì", "Cantù"], "cp1252"),
    "nordic": (["Ørsted", "Mærsk", "Åkerström"], ["København", "Tromsø", "Malmö"], "cp1252"),
    "mixed-western": (["São Paulo Comércio", "Müller Brötchen", "Crème"], ["São Paulo", "Köln"], "cp1252"),
    "czech": (["Plzeňský Prazdroj", "Budějovický Budvar", "Třinecké železárny"], ["Plzeň", "Třinec"], "cp1250"),
    "hungarian": (["Fővárosi Vízművek", "Magyar Építők", "Győri Keksz"], ["Győr", "Pécs"], "cp1250"),
    "romanian": (["Societatea Braşov", "Construcţii Ţara", "Dacia Piteşti"], ["Braşov", "Iaşi"], "cp1250"),
    "polish": (["Żabka Polska", "Przedsiębiorstwo Łódź"], ["Łódź", "Gdańsk"], "cp1250"),
    "baltic": (["Rīgas Piena Kombināts", "Latvijas Gāze", "Šiaulių bankas"], ["Rīga", "Liepāja"], "cp1257"),
    "russian": (["ООО Ромашка", "ПАО Сбербанк"], ["Москва", "Казань"], "cp1251"),
    "greek": (["Ελληνικά Πετρέλαια", "Κωτσόβολος"], ["Αθήνα", "Πάτρα"], "cp1253"),
    "chinese": (["华为技术有限公司", "阿里巴巴"], ["深圳", "杭州"], "gb18030"),
    "korean": (["삼성전자", "현대자동차"], ["서울", "울산"], "cp949"),
}


@pytest.mark.parametrize("rows", [20, 300, 3000])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_each_language_is_read_in_its_code_page_whatever_the_file_size(language: str, rows: int) -> None:
    """Western files stay Windows-1252 although most of their bytes are letters in Windows-1250 too (São -> Săo,
    Crème -> Crčme); Central European, Baltic, Cyrillic, Greek and East Asian files are read in their own page."""
    names, cities, encoding = LANGUAGES[language]
    lines = [f"{names[i % len(names)]} {i},{cities[i % len(cities)]},{INDUSTRIES[i % 4]},{i}" for i in range(rows)]
    data = ("Company,City,Industry,Employees\n" + "\n".join(lines) + "\n").encode(encoding)
    found = detect_encoding(data[:262144])
    assert data.decode(found) == data.decode(encoding), (found, encoding)


@pytest.mark.parametrize(
    ("written", "bare"),
    [
        ("Müller GmbH & Co. KG", "Müller"),
        ("MÜLLER gmbh", "Muller"),
        ("Rossi S.p.A.", "Rossi"),
        ("Kowalski Sp. z o.o.", "Kowalski"),
        ("Sony K.K.", "Sony"),
        ("株式会社ソニー", "ソニー"),
        ("Acme, Inc.", "ACME Inc"),
        ("Société Générale S.A.", "Societe Generale"),
        ("The Home Depot, Inc.", "Home Depot"),
        ("ООО Ромашка", "Ромашка"),
        ("АО «Северсталь»", "Северсталь"),
    ],
)
def test_a_company_keys_the_same_with_or_without_its_legal_form(written: str, bare: str) -> None:
    assert normalize_name(written) == normalize_name(bare) != ""


@pytest.mark.parametrize(
    ("one", "other"),
    [("Müller GmbH", "Miller GmbH"), ("Иван", "Йван"), ("ガス", "カス"), ("Acme Inc", "Acne Inc")],
)
def test_different_companies_keep_different_keys(one: str, other: str) -> None:
    assert normalize_name(one) != normalize_name(other)


def test_a_legal_form_alone_is_not_emptied() -> None:
    assert normalize_name("Inc") == "inc"
    assert normalize_name(None) == "" and normalize_name(float("nan")) == ""


def test_keys_of_a_column_are_computed_per_distinct_name_and_keep_the_index() -> None:
    names = pd.Series(["Acme Inc", None, "ACME, Inc.", "Müller GmbH"], index=[10, 11, 12, 13])
    keys = normalize_names(names)
    assert list(keys.index) == [10, 11, 12, 13]
    assert list(keys) == ["acme", "", "acme", "muller"]


def test_deals_written_with_other_legal_forms_join_their_accounts() -> None:
    accounts = pd.DataFrame(
        {"name": ["Müller GmbH & Co. KG", "Rossi S.p.A.", "Kowalski Sp. z o.o.", "Sony K.K.", "Miller Ltd"]},
        index=[0, 1, 2, 3, 4],
    )
    deals = pd.DataFrame(
        {
            "deal_account": ["MÜLLER", "Rossi SpA", "KOWALSKI", "ソニー株式会社", "Sony", "Unknown Oy"],
            "deal_stage": ["Closed Won", "Closed Lost", "Closed Won", "Closed Won", "Closed Lost", "Closed Won"],
        }
    )
    joined, info = join_deals(accounts, deals)
    keys = joined["account_key"].tolist()
    assert keys[:3] == [0, 1, 2] and keys[4] == 3  # MÜLLER, Rossi SpA, KOWALSKI, Sony
    assert pd.isna(keys[3])  # ソニー株式会社 is written in katakana, the account in Latin letters: not the same key
    assert info.matched == 4 and info.unknown_account == 2
    assert pd.isna(joined["account_key"].iloc[5])


@pytest.mark.parametrize(
    ("stem", "name"),
    [("Клиенты 2026", "klienty-2026"), ("顧客", "gu-ke"), ("Müller Kunden", "muller-kunden"), ("!!!", "dataset")],
)
def test_a_workspace_name_from_a_non_latin_file_name_is_readable(stem: str, name: str) -> None:
    assert slugify(stem) == name and is_name(slugify(stem))


async def test_two_non_latin_file_names_load_as_two_datasets(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _write(data / "Клиенты.csv", "utf-8", 30)
    _write(data / "Заказчики.csv", "utf-8", 40)
    server = build_server(ServerConfig(data_dirs=(data,), workspace=tmp_path / "ws", raise_unexpected=True))
    async with Client(server) as client:
        first = await client.call_tool("load_accounts", {"path": str(data / "Клиенты.csv")})
        second = await client.call_tool("load_accounts", {"path": str(data / "Заказчики.csv")})
    assert first.structured_content and second.structured_content
    assert first.structured_content["name"] == "klienty"
    assert second.structured_content["name"] == "zakazchiki"
    assert (first.structured_content["rows"], second.structured_content["rows"]) == (30, 40)


async def test_two_files_with_the_same_transliteration_get_two_names(tmp_path: Path) -> None:
    """'Клиенты' and 'клиенты' both transliterate to 'klienty': the second file is loaded as 'klienty-2', never over
    the first."""
    data = tmp_path / "data"
    data.mkdir()
    _write(data / "Клиенты.csv", "utf-8", 30)
    _write(data / "клиенты.csv", "cp1251", 40)
    server = build_server(ServerConfig(data_dirs=(data,), workspace=tmp_path / "ws", raise_unexpected=True))
    async with Client(server) as client:
        first = await client.call_tool("load_accounts", {"path": str(data / "Клиенты.csv")})
        second = await client.call_tool("load_accounts", {"path": str(data / "клиенты.csv")})
        again = await client.call_tool("load_accounts", {"path": str(data / "Клиенты.csv")})
    cards = [r.structured_content for r in (first, second, again)]
    assert all(cards), [r.content for r in (first, second, again)]
    assert [(c["name"], c["rows"]) for c in cards if c] == [("klienty", 30), ("klienty-2", 40), ("klienty", 30)]


def test_a_deal_without_an_account_never_joins_an_account_without_an_id() -> None:
    """A blank account reference names no account: it is not matched to an account whose id is blank too (a pandas
    lookup matches missing to missing)."""
    accounts = pd.DataFrame({"account_id": ["A1", "A2", None, "A4"], "name": ["Acme", "Birch", "Cedar", "Dune"]})
    deals = pd.DataFrame(
        {"deal_account": ["A1", None, "A2", "A4", None], "deal_stage": ["Closed Won", "Closed Lost"] * 2 + ["Open"]}
    )
    joined, info = join_deals(accounts, deals)
    assert joined["account_key"].tolist()[:1] == [0] and joined["account_key"].isna().tolist() == [
        False, True, False, False, True,
    ]  # fmt: skip
    assert (info.key, info.matched, info.without_account) == ("id", 3, 2)
