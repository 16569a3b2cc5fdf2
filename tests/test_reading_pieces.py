"""A text export is read in pieces (on every core when pandas can split it), yet every column is typed as if the file
were read whole, and a delimiter ending every row is not taken for a column. Rows longer than the header are refused
with a clear error rather than losing cells."""

from __future__ import annotations

import csv
import platform
import random
from pathlib import Path

import pandas as pd
import pytest

from icp_assistant.tools.core import memory
from icp_assistant.tools.core.errors import UnreadableFileError
from icp_assistant.tools.ingest.batches import read_batches
from icp_assistant.tools.ingest.dialects import text_dialect
from icp_assistant.tools.ingest.readers import read_table
from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace

HEADER = ["Record ID", "Company name", "Number of Employees", "Late notes", "Flag", "Score", "Country"]


def _late_types(path: Path, rows: int) -> Path:
    """Columns whose cells change kind late in the file: numbers then text, empty then text, flags then gaps,
    whole numbers then decimals. Over 5 MB and more rows than pandas types at once, so the file is read in pieces."""
    rng = random.Random(11)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            late = i > rows * 0.9
            writer.writerow(
                [
                    f"A{i:07d}",
                    f"Company {i} {'é' * (i % 3)}",
                    rng.choice(["50-100", "N/A", "1k"]) if late else rng.randint(1, 5000),
                    rng.choice(["renewal", "Ünïcode note, with comma"]) if i > rows // 2 else "",
                    rng.choice(["", "True"]) if late else rng.choice(["True", "False"]),
                    f"{rng.random() * 100:.3f}" if late else rng.randint(0, 100),
                    rng.choice(["France", "Österreich", "Côte d'Ivoire"]),
                ]
            )
    return path


def test_columns_that_change_kind_late_are_typed_as_in_a_whole_file_read(tmp_path: Path) -> None:
    path = _late_types(tmp_path / "accounts.csv", 300_000)
    assert path.stat().st_size > 5 * 1024 * 1024
    read = read_table(path, text_columns=["Record ID"]).frame
    options = {**text_dialect(path).options, "dtype": {"Record ID": "str"}, "low_memory": False}
    whole = pd.read_csv(path, encoding="utf-8", **options)
    pd.testing.assert_frame_equal(read, whole, check_exact=True)
    assert read["Number of Employees"].dtype == "str"  # numbers first, then text: text throughout, no mixed objects
    assert read["Number of Employees"].iloc[0] == str(whole["Number of Employees"].iloc[0])
    assert read["Late notes"].dtype == "str" and read["Late notes"].iloc[0] != read["Late notes"].iloc[0]  # a gap
    assert read["Score"].dtype == "float64"


def test_a_delimiter_ending_every_row_is_not_a_column(tmp_path: Path) -> None:
    path = tmp_path / "trailing.csv"
    rows = [",".join(HEADER[:4])] + [f"{1000 + i},Company {i},{10 * (i + 1)},note {i}," for i in range(30)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    workspace = Workspace(tmp_path / "workspace")
    load_accounts(path, workspace, LoadOptions(name="trailing"))
    accounts = open_dataset(workspace, "trailing").accounts
    assert accounts["account_id"].tolist()[:2] == ["1000", "1001"]
    assert accounts["name"].tolist()[:2] == ["Company 0", "Company 1"]
    assert accounts["employee_count"].tolist()[:2] == [10, 20]
    batches = list(read_batches(path, rows=7))
    assert pd.concat(batches)["Company name"].tolist() == [f"Company {i}" for i in range(30)]


@pytest.mark.parametrize("reader", ["whole", "batches"])
def test_a_row_longer_than_the_header_is_refused_not_cut(tmp_path: Path, reader: str) -> None:
    path = tmp_path / "extra.csv"
    rows = ["Record ID,Company name,Country", "1,Acme, Inc,France"] + [f"{i},Co {i},Spain," for i in range(2, 40)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    read = (lambda: read_table(path)) if reader == "whole" else (lambda: list(read_batches(path, rows=10)))
    with pytest.raises(UnreadableFileError) as raised:
        read()
    message = str(raised.value)
    assert "extra.csv: its first row of data has more cells than its header has names" in message
    assert "quote the cells that contain ','" in message


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_loading_gives_its_freed_heap_back_to_the_system(tmp_path: Path) -> None:
    assert memory._malloc_trim() is not None  # found, so the pages the load's threads freed go back
    path = _late_types(tmp_path / "accounts.csv", 20_000)
    load_accounts(path, Workspace(tmp_path / "workspace"), LoadOptions(name="freed"))
    memory.give_back()  # idempotent, and harmless with nothing to give back
