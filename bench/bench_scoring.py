"""Benchmark: scoring prospects with an ICP, Python scorer vs the exported SQL in DuckDB, side by side.

The ICP is learned on the committed example data; prospects are generated (10k / 100k / 1M rows), loaded
once through load_accounts (Parquet in a workspace), then scored by ``score_rows`` and by the exported
SELECT in DuckDB over the same Parquet file. Each scorer runs in a fresh process so peak memory is its own.
Usage: ``python bench/bench_scoring.py [--rows 100000 1000000]``. Numbers are recorded, never asserted.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from measure import in_child, peak_mb, write_results

REPO = Path(__file__).resolve().parents[1]


def _score(kind: str, workspace: Path, icp_name: str, dataset: str) -> dict[str, float]:
    """Run inside the child process."""
    from icp_assistant.tools.analysis.attributes import add_bands
    from icp_assistant.tools.model.export import icp_sql
    from icp_assistant.tools.model.icp import columns_read, open_icp, score_rows
    from icp_assistant.tools.store.workspace import Workspace

    ws = Workspace(workspace)
    icp = open_icp(ws, icp_name)
    start = time.perf_counter()
    parquet = workspace / "datasets" / dataset / "accounts.parquet"
    if kind == "python":  # like DuckDB, read only the columns the scorecard needs
        import pandas as pd
        import pyarrow.parquet as pq

        present = set(pq.read_schema(parquet).names)
        frame = pd.read_parquet(parquet, columns=[c for c in columns_read(icp) if c in present])
        scored = score_rows(icp, add_bands(frame))
        rows, total = len(scored), int(scored["score"].sum())
    else:
        import duckdb

        sql = f"SELECT COUNT(*), SUM(icp_score) FROM ({icp_sql(icp, f'read_parquet({str(parquet)!r})')})"
        rows, total = duckdb.sql(sql).fetchall()[0]
    seconds = time.perf_counter() - start
    peak = peak_mb()
    return {"seconds": round(seconds, 3), "peak_mb": round(peak, 1), "rows": rows, "score_sum": total}


def run(rows_list: list[int]) -> list[dict[str, object]]:
    from icp_assistant.tools.model.icp import build_icp
    from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
    from icp_assistant.tools.store.workspace import Workspace
    from icp_assistant.tools.synthetic import generate_large_accounts

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp))
        examples = REPO / "examples" / "data"
        load_accounts(examples / "accounts.csv", ws, LoadOptions(deals_path=examples / "deals.csv", name="ex"))
        build_icp(open_dataset(ws, "ex"), ws, name="bench")
        for rows in rows_list:
            path = Path(tmp) / f"prospects_{rows}.csv"
            generate_large_accounts(rows, seed=3, messy=True).to_csv(path, index=False)
            load_accounts(path, ws, LoadOptions(name=f"p{rows}"))
            python = in_child("bench_scoring", "_score", "python", ws.root, "bench", f"p{rows}")
            sql = in_child("bench_scoring", "_score", "duckdb", ws.root, "bench", f"p{rows}")
            results.append(
                {
                    "rows": rows,
                    "python": python,
                    "duckdb_sql": sql,
                    "same_scores": python["score_sum"] == sql["score_sum"] and python["rows"] == sql["rows"],
                    "python_rows_per_second": round(rows / python["seconds"]),
                    "duckdb_rows_per_second": round(rows / sql["seconds"]),
                }
            )
            print(json.dumps(results[-1]), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "scoring.json")
    args = parser.parse_args()
    results = run(args.rows)
    write_results(args.out, results)


if __name__ == "__main__":
    main()
