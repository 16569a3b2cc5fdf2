"""Benchmark: writing the scored target list as XLSX, and the reasons text, old way vs new way.

The ICP is learned on the committed example data; prospects are generated (100k / 1M rows) and scored once by
``score_prospects`` (its wall time is recorded: the whole tool, new code). Each measurement then runs in a fresh
process on that scored list (read back from its Parquet file):

- ``old_to_excel``: every row through ``write_table`` to XLSX (pandas ``to_excel``, openpyxl's normal mode),
  as score_prospects wrote it before;
- ``new_workbook``: the workbook writer (openpyxl write-only, formatted, summary sheet), capped at 100,000 rows
  as the tool writes it;
- ``new_workbook_uncapped``: the same writer on every row (cap = the row count), for a like-for-like rate;
- ``reasons``: the row-by-row ``apply`` the reasons used to be vs the columnar version (same text, checked).

Peak memory is the process's resident high-water mark during the measured step alone (reset just before it via
/proc/self/clear_refs), next to the resident size before it (the scored list held in memory).
Usage: ``python bench/bench_workbook.py [--rows 100000 1000000]``. Numbers are recorded, never asserted.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from measure import in_child, peak_mb, write_results

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).parent


def _resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> float:
    """Reset this process's peak resident size to its current size (Linux 4.0+); returns the current size."""
    Path("/proc/self/clear_refs").write_text("5")
    return _resident_mb()


def _write(kind: str, workspace: Path, listing: Path, dataset: str, out: Path) -> dict[str, float]:
    """Run inside the child process: write the scored list one way and measure that step."""
    import pandas as pd

    from icp_assistant.tools.model.bulk import _sheet_columns
    from icp_assistant.tools.model.workbook import XLSX_ROW_CAP, Note, write_workbook
    from icp_assistant.tools.store.datasets import open_dataset
    from icp_assistant.tools.store.workspace import Workspace, write_table

    frame = pd.read_parquet(listing)
    data = open_dataset(Workspace(workspace), dataset)
    columns = _sheet_columns(data.card, frame, data.accounts, data.kinds)
    before = _reset_peak()
    start = time.perf_counter()
    if kind == "old_to_excel":
        write_table(frame, out)
        rows = len(frame)
    else:
        cap = XLSX_ROW_CAP if kind == "new_workbook" else len(frame)
        rows = write_workbook(out, frame, columns, [Note("Benchmark"), Note("Rows", len(frame))], cap=cap).rows
    seconds = time.perf_counter() - start
    return {
        "seconds": round(seconds, 2), "peak_mb": round(peak_mb(), 1), "resident_before_mb": round(before, 1),
        "rows_written": rows, "file_mb": round(out.stat().st_size / 2**20, 1),
    }  # fmt: skip


def _reasons(workspace: Path, icp_name: str, dataset: str) -> dict[str, object]:
    """Run inside the child process: the reasons text row by row (as before) and columnar (now)."""
    import pandas as pd

    from icp_assistant.tools.analysis.attributes import add_bands
    from icp_assistant.tools.model.bulk import _reasons as columnar
    from icp_assistant.tools.model.icp import open_icp, score_rows
    from icp_assistant.tools.store.datasets import open_dataset
    from icp_assistant.tools.store.workspace import Workspace

    ws = Workspace(workspace)
    icp = open_icp(ws, icp_name)
    scored = score_rows(icp, add_bands(open_dataset(ws, dataset).accounts))
    labels = {c.id: (c.label, c.points) for c in icp.scorecard.criteria if c.id in scored}
    ordered = sorted(labels, key=lambda k: -abs(labels[k][1]))

    def explain(row: pd.Series) -> str:
        return "; ".join([f"{labels[k][0]} ({int(row[k]):+d})" for k in ordered if row[k] != 0][:3])

    start = time.perf_counter()
    old = scored[ordered].apply(explain, axis=1)
    middle = time.perf_counter()
    new = columnar(icp, scored)
    end = time.perf_counter()
    return {
        "row_by_row_seconds": round(middle - start, 2), "columnar_seconds": round(end - middle, 2),
        "identical": bool(old.tolist() == new.tolist()), "criteria": len(ordered),
    }  # fmt: skip


def _one_size(ws_root: Path, rows: int, tmp: Path) -> dict[str, object]:
    from icp_assistant.tools.model.bulk import score_prospects
    from icp_assistant.tools.model.icp import open_icp
    from icp_assistant.tools.store.datasets import LoadOptions
    from icp_assistant.tools.store.workspace import Workspace
    from icp_assistant.tools.synthetic import generate_large_accounts

    ws = Workspace(ws_root)
    path = tmp / f"prospects_{rows}.csv"
    generate_large_accounts(rows, seed=3, messy=True).to_csv(path, index=False)
    start = time.perf_counter()
    listed = score_prospects(open_icp(ws, "bench"), path, ws, LoadOptions(name=f"p{rows}"))
    tool_seconds = time.perf_counter() - start
    result: dict[str, object] = {"rows": rows, "score_prospects_seconds": round(tool_seconds, 1)}
    for kind in ("old_to_excel", "new_workbook", "new_workbook_uncapped"):
        out = tmp / f"{kind}_{rows}.xlsx"
        result[kind] = in_child("bench_workbook", "_write", kind, ws.root, Path(listed.parquet_path), f"p{rows}", out)
        out.unlink()
    result["reasons"] = in_child("bench_workbook", "_reasons", ws.root, "bench", f"p{rows}")
    return result


def run(rows_list: list[int]) -> list[dict[str, object]]:
    from icp_assistant.tools.model.icp import build_icp
    from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
    from icp_assistant.tools.store.workspace import Workspace

    results = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        ws = Workspace(tmp / "ws")
        examples = REPO / "examples" / "data"
        load_accounts(examples / "accounts.csv", ws, LoadOptions(deals_path=examples / "deals.csv", name="ex"))
        build_icp(open_dataset(ws, "ex"), ws, name="bench")
        for rows in rows_list:
            results.append(_one_size(ws.root, rows, tmp))
            print(json.dumps(results[-1]), flush=True)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    write_results(HERE / "results" / "workbook.json", run(parser.parse_args().rows))
