"""Benchmark: held-out AUC of the learned scorecard against a plain logistic regression on the same split.

validate_icp refits the scorecard's points on the training side of the split (by close date when
known, else by account) and scores the held-out side; the baseline is an L2 logistic regression on the
same attribute columns, fitted and judged on the same rows. Datasets: the committed example data,
larger generated sets (2k accounts / 12k deals, 5k / 30k), and the Maven CRM export when
``../shared/data`` is present. Also the saved version scored as-is on a generated next quarter.
Usage: ``python bench/bench_validation.py``. Numbers are recorded in ``bench/results/validation.json``,
never asserted.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from measure import HERE, write_results

from icp_assistant.tools.model.icp import build_icp
from icp_assistant.tools.model.validation import ValidationReport, validate_icp, validate_on
from icp_assistant.tools.store.datasets import Dataset, LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace
from icp_assistant.tools.synthetic.generate import generate_accounts_and_deals

REPO = HERE.parent
SHARED = REPO.parent / "shared" / "data"


def _load(ws: Workspace, accounts: Path, deals: Path, name: str) -> Dataset:
    load_accounts(accounts, ws, LoadOptions(deals_path=deals, name=name))
    return open_dataset(ws, name)


def _generated(folder: Path, n_accounts: int, n_deals: int, seed: int, drift: str = "none") -> tuple[Path, Path]:
    accounts, deals, _ = generate_accounts_and_deals(n_accounts, n_deals, seed=seed, drift=drift)  # type: ignore[arg-type]
    a, d = folder / f"accounts_{seed}.csv", folder / f"deals_{seed}.csv"
    accounts.to_csv(a, index=False)
    deals.to_csv(d, index=False)
    return a, d


def _row(label: str, report: ValidationReport, seconds: float) -> dict[str, object]:
    evaluation = report.evaluation
    logistic = next(b for b in report.baselines if b.name == "logistic regression")
    tiers = {t.tier: t.win_rate.rate if t.win_rate else None for t in evaluation.tiers}
    return {
        "dataset": label,
        "split": report.split,
        "test_rows": evaluation.rows,
        "scorecard_auc": evaluation.auc,
        "scorecard_auc_interval": evaluation.auc_interval,
        "logistic_auc": logistic.auc,
        "logistic_auc_interval": logistic.auc_interval,
        "green_win_rate": tiers["green"],
        "red_win_rate": tiers["red"],
        "tiers_separate": evaluation.tiers_separate,
        "seconds": round(seconds, 2),
    }


def _measure(label: str, ws: Workspace, data: Dataset, holdout: Dataset | None = None) -> dict[str, object]:
    icp = build_icp(data, ws, name=f"{data.name}-icp")
    start = time.perf_counter()
    report = validate_on(data, holdout, icp) if holdout is not None else validate_icp(data, icp)
    row = _row(label, report, time.perf_counter() - start)
    print(
        f"{label:<44} {row['split'][:34]:<34} scorecard AUC {row['scorecard_auc']}  logistic AUC {row['logistic_auc']}"
    )
    return row


def main() -> None:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder, ws = Path(tmp), Workspace(Path(tmp) / "ws")
        example = _load(ws, REPO / "examples/data/accounts.csv", REPO / "examples/data/deals.csv", "example")
        results.append(_measure("example (500 accounts, 3k deals)", ws, example))
        for n_accounts, n_deals, seed in ((2000, 12000, 21), (5000, 30000, 22)):
            data = _load(ws, *_generated(folder, n_accounts, n_deals, seed), f"gen{n_accounts}")
            results.append(_measure(f"generated ({n_accounts:,} accounts, {n_deals:,} deals)", ws, data))
        quarter = _load(ws, *_generated(folder, 500, 3000, 31), "quarter")
        results.append(_measure("example -> generated next quarter (no drift)", ws, example, quarter))
        if SHARED.exists():
            maven = _load(ws, SHARED / "maven_crm/accounts.csv", SHARED / "maven_crm/sales_pipeline.csv", "maven")
            results.append(_measure("Maven CRM (85 accounts, 6.7k closed deals)", ws, maven))
    write_results(HERE / "results" / "validation.json", results)


if __name__ == "__main__":
    main()
