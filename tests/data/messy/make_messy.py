"""Write the messy-file corpus used by tests/test_messy_files.py.

Each file reproduces one quirk of real exports. The same eight accounts appear in every file, so one
set of expectations checks them all. Run ``python tests/data/messy/make_messy.py`` to regenerate; the
files are committed so the tests read real bytes from disk.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent

HEADER = [
    "Company name",
    "Industry",
    "Number of Employees",
    "Annual Revenue",
    "Country/Region",
    "Technologies",
]
ROWS = [
    ["Société Générale Tech", "Fintech", "51-200", "$1.2M", "France", "Salesforce; HubSpot"],
    ["Acme Logistics", "Logistics", "1,200", "€5 Mio", "Germany", "SAP"],
    ["Bolt Retail", "Retail", "10", "N/A", "UK", "Shopify; Klaviyo"],
    ["Cobalt Health", "Healthcare", "10,000+", "2.5bn", "USA", "Epic"],
    ["Delta Fintech", "fintech", "unknown", "12,500,000", "United States", "Salesforce"],
    ["Echo Media", "Media", "-", "#N/A", "Japan", ""],
    ["Foxtrot Software", "Software", "250", "$30M", "Canada", "Salesforce, Slack"],
    ["Gamma Manufacturing", "Manufacturing", "Select", "€ 1.234.567,89", "Brazil", "SAP | Oracle"],
]


def _csv_text(delimiter: str = ",", rows: list[list[str]] | None = None) -> str:
    def cell(value: str) -> str:
        if delimiter in value or '"' in value or "," in value or ";" in value:
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [delimiter.join(cell(v) for v in row) for row in [HEADER, *(rows or ROWS)]]
    return "\n".join(lines) + "\n"


def _eu_rows() -> list[list[str]]:
    eu = {"$1.2M": "1.200.000,00", "$30M": "30.000.000,00", "12,500,000": "12.500.000,00", "2.5bn": "2,5 Mrd"}
    return [[eu.get(v, v) for v in row] for row in ROWS]


def write_all() -> None:
    text = _csv_text()
    (HERE / "utf8.csv").write_text(text, encoding="utf-8")
    (HERE / "utf8_bom.csv").write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    (HERE / "crlf.csv").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    (HERE / "cr_only_mac.csv").write_bytes(text.replace("\n", "\r").encode("utf-8"))
    (HERE / "cp1252.csv").write_bytes(text.encode("cp1252"))
    (HERE / "latin1.csv").write_bytes(text.replace("€", "EUR ").encode("latin-1"))
    (HERE / "excel_unicode_text.txt").write_bytes(codecs.BOM_UTF16_LE + _csv_text("\t").encode("utf-16-le"))
    (HERE / "tab_separated.tsv").write_text(_csv_text("\t"), encoding="utf-8")
    (HERE / "semicolon_european.csv").write_text(_csv_text(";", _eu_rows()), encoding="utf-8")
    (HERE / "pipe_separated.txt").write_text(_csv_text("|"), encoding="utf-8")
    frame = pd.DataFrame(ROWS, columns=HEADER)
    with pd.ExcelWriter(HERE / "two_sheets.xlsx") as writer:
        pd.DataFrame({"Note": ["Exported from CRM"]}).to_excel(writer, sheet_name="About", index=False)
        frame.to_excel(writer, sheet_name="Accounts", index=False)
    frame.to_parquet(HERE / "accounts.parquet", index=False)
    (HERE / "records.json").write_text(json.dumps({"data": frame.to_dict("records")}, ensure_ascii=False))
    ndjson = "\n".join(json.dumps(r, ensure_ascii=False) for r in frame.to_dict("records"))
    (HERE / "records.ndjson").write_text(ndjson + "\n", encoding="utf-8")
    nested = [
        {
            "name": r[0],
            "category": {"industry": r[1]},
            "metrics": {"employees": r[2], "annualRevenue": r[3]},
            "geo": {"country": r[4]},
            "tech": [t.strip() for t in r[5].replace("|", ";").replace(",", ";").split(";") if t.strip()],
        }
        for r in ROWS
    ]
    (HERE / "clearbit_nested.json").write_text(json.dumps(nested, ensure_ascii=False), encoding="utf-8")
    footer = text + ',,,,,\nGrand Totals (8 records),,,,,\n"Confidential Information - Do Not Distribute",,,,,\n'
    (HERE / "salesforce_report_footer.csv").write_text(footer, encoding="utf-8")
    (HERE / "header_only.csv").write_text(",".join(HEADER) + "\n", encoding="utf-8")
    (HERE / "empty.csv").write_bytes(b"")


if __name__ == "__main__":
    write_all()
