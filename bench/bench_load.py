"""Benchmark: load_accounts against plain pandas.read_csv on 10k / 100k / 1M generated accounts.

Each measurement runs in a fresh Python process so its peak memory (max RSS) is its own.
Usage: ``python bench/bench_load.py [--rows 10000 100000 1000000] [--out bench/results/load.json]``.
Numbers are recorded, never asserted: speed is not a test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import in_child, peak_mb, write_results


def _measure(kind: str, csv_path: Path, workspace: Path) -> dict[str, float]:
    """Run inside the child process: one load, its wall time and the card size."""
    start = time.perf_counter()
    card_tokens = 0.0
    if kind == "pandas":
        import pandas as pd

        frame = pd.read_csv(csv_path, low_memory=False)
        rows = len(frame)
    else:
        from icp_assistant.tools.store.datasets import LoadOptions, load_accounts
        from icp_assistant.tools.store.workspace import Workspace

        card = load_accounts(csv_path, Workspace(workspace), LoadOptions(use_cache=False))
        rows = card.rows
        card_tokens = len(card.model_dump_json()) / 4
    seconds = time.perf_counter() - start
    peak = peak_mb()
    return {"seconds": round(seconds, 3), "peak_mb": round(peak, 1), "rows": rows, "card_tokens": card_tokens}


def _baseline_mb() -> float:
    here = str(Path(__file__).parent)
    code = f"import sys; sys.path.insert(0, {here!r}); import pandas; from measure import peak_mb; print(peak_mb())"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout)


def run(rows_list: list[int]) -> list[dict[str, object]]:
    from icp_assistant.tools.synthetic import generate_large_accounts

    results = []
    base = _baseline_mb()
    with tempfile.TemporaryDirectory() as tmp:
        for rows in rows_list:
            path = Path(tmp) / f"accounts_{rows}.csv"
            generate_large_accounts(rows, seed=1, messy=True).to_csv(path, index=False)
            size_mb = path.stat().st_size / 1e6
            plain = in_child("bench_load", "_measure", "pandas", path, Path(tmp) / "ws")
            ours = in_child("bench_load", "_measure", "load_accounts", path, Path(tmp) / "ws")
            results.append(
                {
                    "rows": rows,
                    "file_mb": round(size_mb, 1),
                    "pandas_read_csv": plain,
                    "load_accounts": ours,
                    "time_ratio": round(ours["seconds"] / plain["seconds"], 2),
                    "memory_ratio_above_import": round((ours["peak_mb"] - base) / max(plain["peak_mb"] - base, 1), 2),
                    "python_with_pandas_imported_mb": round(base, 1),
                }
            )
            print(json.dumps(results[-1]), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "load.json")
    args = parser.parse_args()
    results = run(args.rows)
    write_results(args.out, results)


if __name__ == "__main__":
    main()
