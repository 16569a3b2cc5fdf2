"""score_prospects and size_market in memory and out of core (DuckDB), each in a fresh process, beside a plain
reader of the same file in the same run: time, peak memory (VmHWM).

    python bench/bench_out_of_core.py --rows 1000000            # the prospect list CSV
    python bench/bench_out_of_core.py --rows 10000000 --universe  # a 10M-row Parquet universe (size_market)

The ICP is built once on the committed example data (scoring cost does not depend on the training size).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from measure import HERE, in_child, peak_mb, write_results

EXAMPLES = HERE.parent / "examples" / "data"
RESULTS = HERE / "results" / "out_of_core.json"


def _workspace(root: Path) -> None:
    from icp_assistant.tools.model.icp import build_icp
    from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
    from icp_assistant.tools.store.workspace import Workspace

    ws = Workspace(root)
    load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(deals_path=EXAMPLES / "deals.csv", name="example"))
    build_icp(open_dataset(ws, "example"), ws, name="core")


def _read(path: Path) -> dict:
    import pandas as pd

    start = time.perf_counter()
    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, engine="pyarrow")
    rows = len(frame)
    return {"seconds": round(time.perf_counter() - start, 2), "peak_mb": round(peak_mb()), "rows": rows}


def _score(root: Path, path: Path, engine: str, market: bool) -> dict:
    from icp_assistant.tools.model.bulk import score_prospects
    from icp_assistant.tools.model.engines import Compute
    from icp_assistant.tools.model.icp import open_icp
    from icp_assistant.tools.model.market import size_market
    from icp_assistant.tools.store.datasets import LoadOptions, open_dataset
    from icp_assistant.tools.store.workspace import Workspace

    ws = Workspace(root)
    icp = open_icp(ws, "core")
    start = time.perf_counter()
    if market:
        result = size_market(open_dataset(ws, "example"), icp, path, ws, compute=Compute(engine))
        rows = result.universe
    else:
        rows = score_prospects(icp, path, ws, LoadOptions(use_cache=False), compute=Compute(engine)).rows
    return {"seconds": round(time.perf_counter() - start, 2), "peak_mb": round(peak_mb()), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--universe", action="store_true", help="size_market over a Parquet universe")
    parser.add_argument("--engines", nargs="+", default=["memory", "duckdb"])
    parser.add_argument("--workspace", type=Path, default=Path("/tmp/icp-bench/out-of-core-ws"))
    args = parser.parse_args()
    import large

    if not (args.workspace / "icps" / "core").exists():
        _workspace(args.workspace)
    results = []
    for rows in args.rows:
        path = large.universe(rows) if args.universe else large.prospects(rows)
        read = in_child("bench_out_of_core", "_read", path)
        entry: dict[str, object] = {"rows": rows, "file": path.name, "read": read}
        for engine in args.engines:
            entry[engine] = in_child("bench_out_of_core", "_score", args.workspace, path, engine, args.universe)
            print(rows, engine, entry[engine], flush=True)
        print(rows, "read", entry["read"], flush=True)
        results.append(entry)
    write_results(RESULTS.with_name(f"out_of_core{'-universe' if args.universe else ''}.json"), results)


if __name__ == "__main__":
    main()
