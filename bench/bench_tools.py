"""Benchmark: every tool at 100k and 1M accounts (two deals each), called as a client calls it, beside a plain reader.

Each measurement runs in a fresh Python process: the server is built, an in-process MCP client connects, and one
tool call is timed (wall time of the call, peak resident memory of the process, the result's estimated tokens as the
server counts them). The workspace persists between calls of one size, as it does for a user: ``load_accounts``
first, then the method's tools in order. Beside them, in the same run, ``pandas.read_csv(engine="pyarrow")`` of the
same files is the plain reader, and the same read followed by saving each file as Parquet (no cleaning, no card) is
the least a load that keeps its tables can cost. The 1M/100k ratio shows whether a tool grows faster than its input.

``load_accounts:accounts_only`` loads the accounts file alone into a workspace of its own, so that load is compared with
a plain read of the same file (the ratio issue 12 sets its target on); ``load_accounts`` loads both files and is
compared with a plain read of both.

With ``--universe N``: scoring an N-row Parquet universe with the ``score_prospects`` tool (out of core, through
DuckDB) beside the Python scorer in memory and a plain pyarrow read. Off by default: it takes minutes at 10M rows;
``bench/bench_out_of_core.py`` measures the out-of-core engines on their own.

Usage: ``python bench/bench_tools.py [--rows 100000 1000000] [--universe 0] [--only TOOL ...]``.
Numbers are recorded in ``bench/results/tools.json``, never asserted: speed is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import large
from measure import in_child, peak_mb, write_results

STEPS: list[tuple[str, dict[str, Any]]] = [
    ("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv", "name": "crm"}),
    ("load_accounts:accounts_only", {"path": "accounts.csv", "name": "crm"}),  # in a workspace of its own
    ("find_patterns", {"dataset": "crm"}),
    ("find_red_flags", {"dataset": "crm"}),
    ("find_best_customers", {"dataset": "crm"}),
    ("segment_accounts", {"dataset": "crm", "dimensions": ["industry", "size_band"], "name": "dims"}),
    ("segment_accounts:discovered", {"dataset": "crm", "name": "found"}),
    ("rank_segments", {"dataset": "crm", "segmentation": "dims"}),
    ("build_icp", {"dataset": "crm", "name": "core"}),
    ("validate_icp", {"dataset": "crm", "icp": "core"}),
    ("check_drift", {"dataset": "crm", "icp": "core", "since": "2025-12-01"}),
    ("score_prospect", {"icp": "core", "company": "ROW_ID"}),
    ("score_prospects", {"icp": "core", "path": "prospects.csv"}),
    ("size_market", {"dataset": "crm", "icp": "core", "universe": "prospects.csv"}),
    ("review_pipeline", {"dataset": "crm", "icp": "core"}),
    ("analyze_feature_adoption", {"dataset": "crm", "icp": "core", "usage_path": "usage.csv"}),
    ("find_expansion", {"dataset": "crm", "icp": "core", "tier": ["green", "yellow"]}),
    ("export_icp", {"icp": "core"}),
    ("draft_icp_document", {"icp": "core"}),
    ("draft_messaging", {"icp": "core", "segment": "FIRST_SEGMENT"}),
]


def _call(data: Path, workspace: Path, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Run inside the child process: build the server, connect a client, time one tool call."""
    import anyio
    from mcp import Client

    from icp_assistant.server.app import build_server
    from icp_assistant.server.config import ServerConfig

    config = ServerConfig(data_dirs=(data,), workspace=workspace)
    out: dict[str, Any] = {}

    async def main() -> None:
        async with Client(build_server(config)) as client:
            start = time.perf_counter()
            result = await client.call_tool(tool, arguments)
            out["seconds"] = round(time.perf_counter() - start, 2)
            text = next((c.text for c in result.content if getattr(c, "type", "") == "text"), "")
            out["tokens"] = len(text) // 4
            out["error"] = text[:300] if result.is_error else None

    anyio.run(main)
    out["peak_mb"] = round(peak_mb())
    return out


def _read_csv(*paths: Path) -> dict[str, Any]:
    """Run inside the child process: the plain reader of the same files."""
    import pandas as pd

    start = time.perf_counter()
    rows = sum(len(pd.read_csv(p, engine="pyarrow")) for p in paths)
    return {"seconds": round(time.perf_counter() - start, 2), "peak_mb": round(peak_mb()), "rows": rows}


def _read_and_save(*paths: Path) -> dict[str, Any]:
    """Run inside the child process: the plain reader of the same files, each then saved as Parquet the way a load
    saves its tables (Arrow's defaults, one thread per file) and nothing else: no cleaning, no card. The least any
    load that keeps what it read for the next tool can take."""
    from concurrent.futures import ThreadPoolExecutor

    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    start = time.perf_counter()
    frames = [pd.read_csv(p, engine="pyarrow") for p in paths]
    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(len(frames)) as pool:
        tables = [pa.Table.from_pandas(f, preserve_index=False) for f in frames]
        saving = [pool.submit(pq.write_table, t, Path(folder) / f"{i}.parquet") for i, t in enumerate(tables)]
        for done in saving:
            done.result()
    rows = sum(len(f) for f in frames)
    return {"seconds": round(time.perf_counter() - start, 2), "peak_mb": round(peak_mb()), "rows": rows}


def _link(source: Path, target: Path) -> None:
    """The input inside the data folder without copying it (a symlink would resolve outside the allowed folder)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _row_id(accounts: Path) -> str:
    """A company the bench looks up by id (names repeat in the large generated files)."""
    import pandas as pd

    return str(pd.read_csv(accounts, nrows=50)["Record ID"].iloc[7])


def _first_segment(workspace: Path) -> str:
    from icp_assistant.tools.model.icp import open_icp
    from icp_assistant.tools.store.workspace import Workspace

    segments = open_icp(Workspace(workspace), "core").segments
    return segments[0].name if segments else "none"


def run_size(rows: int, only: set[str]) -> dict[str, Any]:
    accounts, deals = large.accounts_and_deals(rows)
    prospects = large.prospects(rows)
    usage = large.usage(rows)
    data = Path(tempfile.mkdtemp(prefix=f"icp-bench-{rows}-"))
    for source in (accounts, deals, prospects, usage):
        _link(source, data / source.name)
    workspace = data / "workspace"
    in_child("bench_tools", "_read_csv", accounts, deals, prospects)  # warm the page cache: every reader reads it warm
    result: dict[str, Any] = {
        "rows": rows,
        "read_csv_accounts": in_child("bench_tools", "_read_csv", accounts),
        "read_csv_accounts_and_deals": in_child("bench_tools", "_read_csv", accounts, deals),
        "read_and_save_accounts": in_child("bench_tools", "_read_and_save", accounts),
        "read_and_save_accounts_and_deals": in_child("bench_tools", "_read_and_save", accounts, deals),
        "tools": {},
    }
    print(json.dumps({k: v for k, v in result.items() if k != "tools"}), flush=True)
    row_id = _row_id(accounts)
    for step, arguments in STEPS:
        tool = step.split(":")[0]
        if only and tool not in only and step not in only and tool not in ("load_accounts", "build_icp"):
            continue
        fill = {"ROW_ID": row_id, "FIRST_SEGMENT": _first_segment(workspace) if tool == "draft_messaging" else ""}
        arguments = {k: fill.get(v, v) if isinstance(v, str) else v for k, v in arguments.items()}
        # the accounts alone go to a workspace of their own: a second dataset would be searched by score_prospect
        space = data / "workspace-accounts-only" if step == "load_accounts:accounts_only" else workspace
        measured = in_child("bench_tools", "_call", data, space, tool, arguments)
        result["tools"][step] = measured
        print(json.dumps({"rows": rows, "tool": step, **measured}), flush=True)
    both = result["tools"].get("load_accounts", {}).get("seconds")
    alone = result["tools"].get("load_accounts:accounts_only", {}).get("seconds")
    if both:
        result["load_vs_read_csv"] = round(both / result["read_csv_accounts_and_deals"]["seconds"], 2)
    if alone:
        result["load_accounts_only_vs_read_csv_accounts"] = round(alone / result["read_csv_accounts"]["seconds"], 2)
    shutil.rmtree(data, ignore_errors=True)
    return result


def _score_universe(kind: str, universe: Path, workspace: Path, data: Path) -> dict[str, Any]:
    """Run inside the child process: score the universe with the tool (DuckDB), the Python scorer, or just read it."""
    import pyarrow.parquet as pq

    from icp_assistant.tools.model.icp import columns_read, open_icp
    from icp_assistant.tools.store.workspace import Workspace

    icp = open_icp(Workspace(workspace), "core")
    present = set(pq.read_schema(universe).names)
    start = time.perf_counter()
    if kind == "tool":
        out = _call(data, workspace, "score_prospects", {"icp": "core", "path": universe.name})
        return {**out, "rows": None}
    if kind == "read":
        rows = pq.read_table(universe).num_rows
    else:
        import pandas as pd

        from icp_assistant.tools.analysis.attributes import add_bands
        from icp_assistant.tools.model.icp import score_rows

        frame = pd.read_parquet(universe, columns=[c for c in columns_read(icp) if c in present])
        rows = len(score_rows(icp, add_bands(frame)))
    return {"seconds": round(time.perf_counter() - start, 2), "peak_mb": round(peak_mb()), "rows": rows}


def run_universe(rows: int) -> dict[str, Any]:
    """The 10M-row universe: the tool (out of core) beside the Python scorer and a plain read."""
    accounts, deals = large.accounts_and_deals(100_000)
    universe = large.universe(rows)
    data = Path(tempfile.mkdtemp(prefix="icp-bench-universe-"))
    for source in (accounts, deals, universe):
        _link(source, data / source.name)
    workspace = data / "workspace"
    in_child("bench_tools", "_call", data, workspace, "load_accounts", dict(STEPS[0][1]))
    in_child("bench_tools", "_call", data, workspace, "build_icp", {"dataset": "crm", "name": "core"})
    result = {"rows": rows, "file_mb": round(universe.stat().st_size / 1e6)}
    for kind in ("read", "tool", "python"):
        result[kind] = in_child("bench_tools", "_score_universe", kind, universe, workspace, data)
        print(json.dumps({"universe": rows, kind: result[kind]}), flush=True)
    shutil.rmtree(data, ignore_errors=True)
    return result


def table(results: list[dict[str, Any]]) -> str:
    """The results as a Markdown table: each tool at each size with the 1M/100k growth, read_csv first."""
    sizes = [r for r in results if "tools" in r]
    head = "| tool | " + " | ".join(f"{r['rows']:,} rows: s / MB / tokens" for r in sizes) + " | growth |"
    lines = [head, "|---" * (len(sizes) + 2) + "|"]
    growth = next((r["growth_seconds"] for r in results if "growth_seconds" in r), {})
    plain_rows = {
        "read_csv_accounts": "read csv accounts (plain reader)",
        "read_csv_accounts_and_deals": "read csv accounts and deals (plain reader)",
        "read_and_save_accounts": "read csv accounts, save as Parquet (no cleaning)",
        "read_and_save_accounts_and_deals": "read csv accounts and deals, save as Parquet (no cleaning)",
    }
    for plain, label in plain_rows.items():
        if sizes and all(plain in r for r in sizes):  # results of earlier runs have no read-and-save rows
            cells = [f"{r[plain]['seconds']} / {r[plain]['peak_mb']} / -" for r in sizes]
            lines.append(f"| {label} | " + " | ".join(cells) + " | |")
    for step in sizes[-1]["tools"] if sizes else []:
        cells = []
        for r in sizes:
            m = r["tools"].get(step)
            cells.append(
                "-"
                if m is None
                else f"{m['seconds']} / {m['peak_mb']} / {m['tokens']}" + (" ERR" if m["error"] else "")
            )
        lines.append(f"| {step} | " + " | ".join(cells) + f" | {growth.get(step, '')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--universe", type=int, default=0, help="rows of a universe to score (0: skip)")
    parser.add_argument("--only", nargs="*", default=[], help="tools to run (load_accounts and build_icp always run)")
    parser.add_argument("--table", type=Path, help="print the Markdown table of a results file and stop")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "tools.json")
    args = parser.parse_args()
    if args.table:
        print(table(json.loads(args.table.read_text())))
        return
    sizes = [run_size(rows, set(args.only)) for rows in args.rows]
    if len(sizes) >= 2:
        small, big = sizes[0], sizes[-1]
        growth = {
            step: round(big["tools"][step]["seconds"] / max(small["tools"][step]["seconds"], 0.01), 1)
            for step in big["tools"]
            if step in small["tools"]
        }
        print(json.dumps({"growth": growth}), flush=True)
        sizes.append({"growth_seconds": growth, "rows_ratio": big["rows"] / small["rows"]})
    if args.universe:
        sizes.append({"universe": run_universe(args.universe)})
    write_results(args.out, sizes)
    print(table(sizes))


if __name__ == "__main__":
    main()
