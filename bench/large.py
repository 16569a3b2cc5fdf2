"""Large generated inputs for the benchmarks: an accounts export with two deals per account, a prospect list, and a
company universe of up to 10M rows as Parquet. Files are cached under ``$ICP_BENCH_DATA`` (default
``/tmp/icp-bench``) by size and seed, so every tool of a run reads the same bytes.

Accounts come from ``generate_large_accounts`` (planted segments, messy cells). Deals reference the account's
``Record ID`` (``Associated Company ID``): an account that became a customer has one Closed Won deal and one more
(lost, won or open); any other account has deals that were lost or are still open, so the deals carry the same
planted pattern as the accounts.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(os.environ.get("ICP_BENCH_DATA", "/tmp/icp-bench"))
DEALS_PER_ACCOUNT = 2
UNIVERSE_CHUNK = 1_000_000


def _folder(kind: str, rows: int, seed: int) -> Path:
    folder = ROOT / f"{kind}-{rows}-s{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def accounts_and_deals(rows: int, seed: int = 1) -> tuple[Path, Path]:
    """``accounts.csv`` (``rows`` accounts) and ``deals.csv`` (two deals each), written once and reused."""
    folder = _folder("crm", rows, seed)
    accounts_path, deals_path = folder / "accounts.csv", folder / "deals.csv"
    if accounts_path.exists() and deals_path.exists():
        return accounts_path, deals_path
    from icp_assistant.tools.synthetic import generate_large_accounts

    accounts = generate_large_accounts(rows, seed=seed, messy=True)
    codes, _ = pd.factorize(accounts["Record ID"])  # one id per company (the messy export repeats ~1% of rows)
    accounts["Record ID"] = codes + 10_000_001
    deals = _deals(accounts.drop_duplicates("Record ID"), np.random.default_rng(seed + 1000))
    _write_csv(accounts, accounts_path)
    _write_csv(deals, deals_path)
    return accounts_path, deals_path


def _deals(accounts: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(accounts)
    customer = accounts["Became a Customer Date"].notna().to_numpy()
    created = pd.to_datetime(accounts["Create Date"], errors="coerce", format="mixed")
    created = created.fillna(pd.Timestamp("2024-01-01")).to_numpy()
    frames = []
    for deal in range(DEALS_PER_ACCOUNT):
        draw = rng.random(n)
        if deal == 0:
            stage = np.where(customer, "Closed Won", np.where(draw < 0.8, "Closed Lost", "Qualified To Buy"))
        else:
            stage = np.where(draw < 0.35, np.where(customer, "Closed Won", "Closed Lost"), "Closed Lost")
            stage = np.where(draw > 0.88, "Presentation Scheduled", stage)
        opened = created + (rng.integers(0, 120, n) * 86_400).astype("timedelta64[s]")
        cycle = rng.gamma(3.0, 20.0, n).astype(int) + 7
        closed = opened + (cycle * 86_400).astype("timedelta64[s]")
        is_open = ~pd.Series(stage).str.startswith("Closed").to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "Deal ID": np.arange(n) * DEALS_PER_ACCOUNT + deal + 50_000_000,
                    "Associated Company ID": accounts["Record ID"].to_numpy(),
                    "Deal Stage": stage,
                    "Amount": np.round(rng.lognormal(9.3, 0.7, n), -2).astype(int),
                    "Create Date": pd.Series(opened).dt.strftime("%Y-%m-%d %H:%M"),
                    "Close Date": pd.Series(closed).dt.strftime("%m/%d/%Y").where(~is_open, ""),
                    "Pipeline": "Sales Pipeline",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


FEATURES = ("Dashboards", "Integrations", "Alerts", "Reports", "Workflow automation", "API access", "SSO", "Mobile app")


def usage(rows: int, seed: int = 1) -> Path:
    """``usage.csv`` for the accounts of ``accounts_and_deals(rows, seed)``: one row per account and feature it used
    (events, first use), each feature adopted by a fixed share of accounts; written once and reused."""
    folder = _folder("crm", rows, seed)
    path = folder / "usage.csv"
    if path.exists():
        return path
    ids = np.arange(rows) + 10_000_001  # the Record IDs accounts_and_deals gives (a superset after de-duplication)
    rng = np.random.default_rng(seed + 2000)
    frames = []
    for share, feature in zip(np.linspace(0.15, 0.75, len(FEATURES)), FEATURES, strict=True):
        used = ids[rng.random(rows) < share]
        first = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, len(used)), unit="D")
        frames.append(
            pd.DataFrame(
                {
                    "Account ID": used,
                    "Feature": feature,
                    "Events": rng.integers(1, 200, len(used)),
                    "First Used": first.strftime("%Y-%m-%d"),
                }
            )
        )
    _write_csv(pd.concat(frames, ignore_index=True), path)
    return path


def prospects(rows: int, seed: int = 3) -> Path:
    """A prospect list of ``rows`` companies (the accounts export's columns, other companies)."""
    folder = _folder("prospects", rows, seed)
    path = folder / "prospects.csv"
    if not path.exists():
        from icp_assistant.tools.synthetic import generate_large_accounts

        _write_csv(generate_large_accounts(rows, seed=seed, messy=True), path)
    return path


def universe(rows: int, seed: int = 5) -> Path:
    """A company universe of ``rows`` companies as one Parquet file, written 1M rows at a time (constant memory)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = _folder("universe", rows, seed)
    path = folder / "universe.parquet"
    if path.exists():
        return path
    from icp_assistant.tools.synthetic import generate_large_accounts

    partial = path.with_suffix(".partial")
    writer: pq.ParquetWriter | None = None
    done = 0
    while done < rows:
        size = min(UNIVERSE_CHUNK, rows - done)
        frame = generate_large_accounts(size, seed=seed + done // UNIVERSE_CHUNK, messy=True).astype("string")
        frame["Record ID"] = pd.Series(np.arange(done, done + size) + 90_000_000).astype("string")
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(partial, table.schema)
        writer.write_table(table)
        done += size
    assert writer is not None
    writer.close()
    partial.replace(path)
    return path


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    partial = path.with_suffix(".partial")
    frame.to_csv(partial, index=False)
    partial.replace(path)


if __name__ == "__main__":
    import sys

    for size in [int(a) for a in sys.argv[1:]] or [100_000]:
        print(accounts_and_deals(size), prospects(size))
