"""Does the learned ICP rank held-out accounts as well as standard models, on labelled data nobody here wrote?

For each labelled real export in ../shared/data and the generated example: a fixed, stratified 70/30 split of the
accounts (seed 0; identical rows and all deals of one account stay on one side); the training rows written as a file
in the export's own format (only rows of the original, plus the training side's deals), the test rows written without
their label; the ICP built through the MCP tools on the training file with the outcome named in one argument, the
test file scored with score_prospects, and the scores joined back to the kept labels by the list's row numbers. Where
outcomes come from a deals file, each closed deal of a test account is one test case (won = 1) scored by its account.
Beside it, on the same split and units: a plain logistic regression (one-hot categories with min_frequency, log1p
on non-negative numbers, median imputation with missing flags, standard scaling, C=1) and gradient boosting.
Reported: AUC with a bootstrap 95% interval (resampling accounts), the win rate per tier with n, the base rate, and
the two targets of issue 10 (AUC >= logistic - 0.02; green >= 1.5x base where AUC > 0.65). Columns filled after the
outcome (``leaky``) are never given to the baselines; the ICP is not told about them, and the result says whether it
left them out on its own.

Usage: ``python bench/bench_insight.py [--only bank telco ...]``; results in ``bench/results/insight.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from mcp import Client
from measure import HERE, write_results
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig

SHARED = HERE.parent.parent / "shared" / "data"
EXAMPLES = HERE.parent / "examples" / "data"
OLIST = SHARED / "olist_b2b_funnel"


@dataclass
class Case:
    name: str
    accounts: Path
    label: str = ""  # the outcome column of the accounts file, or "" when outcomes come from a deals file
    success: list[str] = field(default_factory=list)
    sep: str = ","
    deals: Path | None = None
    account_key: str = ""  # accounts column the deals name (deals data)
    deal_key: str = ""
    leaky: list[str] = field(default_factory=list)  # filled after the outcome: never given to the baselines
    exclude: list[str] = field(default_factory=list)  # columns the user tells build_icp to leave out
    note: str = ""
    read: Callable[[Case], pd.DataFrame] | None = None  # how to read the rows when not one file as it is


def _olist_leads(case: Case) -> pd.DataFrame:
    """The marketing-qualified leads with `converted` = yes when the lead became a closed deal."""
    leads = pd.read_csv(case.accounts, dtype=str, keep_default_na=False, na_values=[""])
    won = pd.read_csv(OLIST / "olist_closed_deals_dataset.csv", dtype=str)["mql_id"]
    return leads.assign(converted=np.where(leads["mql_id"].isin(won), "yes", "no"))


CASES = [
    Case("bank", SHARED / "bank_marketing" / "bank-full.csv", "y", ["yes"], sep=";", leaky=["duration"],
         note="duration is only known after the call (leaky): never given to the baselines; the ICP is not told"),
    Case("bank-exclude", SHARED / "bank_marketing" / "bank-full.csv", "y", ["yes"], sep=";", leaky=["duration"],
         exclude=["duration"], note="the same, with build_icp(exclude=['duration']) as a careful user would call it"),
    Case("telco", SHARED / "telco_churn" / "Telco-Customer-Churn.csv", "Churn", ["No"]),
    Case("polish", SHARED / "polish_bankruptcy" / "5year.csv", "class", ["0"]),
    Case("maven", SHARED / "maven_crm" / "accounts.csv", deals=SHARED / "maven_crm" / "sales_pipeline.csv",
         account_key="account", deal_key="account",
         note="negative control: firmographics do not predict won vs lost here (expect AUC about 0.5)"),
    Case("olist", OLIST / "olist_marketing_qualified_leads_dataset.csv", "converted", ["yes"], read=_olist_leads,
         note="one derived column: converted = the lead's mql_id is among the closed deals"),
    Case("example", EXAMPLES / "accounts.csv", deals=EXAMPLES / "deals.csv", account_key="Company name",
         deal_key="Associated Company", leaky=["Lifecycle Stage", "Became a Customer Date", "Churn Date", "NPS"],
         note="generated example data; lifecycle, customer / churn dates and NPS are filled after the outcome"),
]  # fmt: skip


@dataclass
class Split:
    """Rows of the accounts file on each side, and the labelled cases (position of the row on its side, outcome)."""

    train: pd.DataFrame
    test: pd.DataFrame
    train_units: pd.DataFrame
    test_units: pd.DataFrame
    unit: str


def _read(case: Case) -> pd.DataFrame:
    if case.read is not None:
        return case.read(case)
    return pd.read_csv(case.accounts, dtype=str, sep=case.sep, keep_default_na=False, na_values=[""])


def _closed_deals(case: Case) -> pd.DataFrame:
    """Closed deals as (key, won 0/1)."""
    assert case.deals is not None
    deals = pd.read_csv(case.deals, dtype=str)
    stage = next(c for c in deals.columns if "stage" in c.lower())
    text = deals[stage].fillna("").str.lower()
    won = np.where(text.str.contains("won"), 1.0, np.where(text.str.contains("lost"), 0.0, np.nan))
    closed = pd.DataFrame({"key": deals[case.deal_key], "won": won}).dropna()
    return closed.astype({"won": int})


def _groups(case: Case, rows: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """One group per account (identical rows are one account) and a stratum per group; NaN stratum = no outcome."""
    if case.deals is None:
        groups = pd.Series(pd.util.hash_pandas_object(rows, index=False).to_numpy(), index=rows.index)
        y = rows[case.label].str.strip().isin(case.success).astype(int)
        return groups, y.groupby(groups.to_numpy()).max()
    groups = rows[case.account_key]
    share = _closed_deals(case).groupby("key")["won"].mean()
    share = share[share.index.isin(groups)]
    return groups, (share > share.median()).astype(int)


def _units(case: Case, rows: pd.DataFrame) -> pd.DataFrame:
    """The labelled cases of one side: (position of the account row, outcome)."""
    positions = np.arange(len(rows))
    if case.deals is None:
        y = rows[case.label].str.strip().isin(case.success).astype(int).to_numpy()
        return pd.DataFrame({"position": positions, "y": y})
    first = pd.Series(positions, index=rows[case.account_key].to_numpy()).groupby(level=0).first()
    deals = _closed_deals(case)
    deals = deals[deals["key"].isin(first.index)]
    return pd.DataFrame({"position": first[deals["key"]].to_numpy(), "y": deals["won"].to_numpy()})


def _split(case: Case, rows: pd.DataFrame) -> Split:
    groups, strata = _groups(case, rows)
    _, test_keys = train_test_split(strata.index.to_numpy(), test_size=0.3, stratify=strata, random_state=0)
    in_test = groups.isin(set(test_keys))
    train, test = rows[~in_test].reset_index(drop=True), rows[in_test].reset_index(drop=True)
    unit = "accounts" if case.deals is None else "closed deals"
    return Split(train, test, _units(case, train), _units(case, test), unit)


def _write(case: Case, split: Split, folder: Path) -> tuple[Path, Path | None, Path]:
    """The training rows as the export they came from, the test rows without their label, the training deals."""
    suffix = case.accounts.suffix
    train_path, test_path = folder / f"train{suffix}", folder / f"test{suffix}"
    split.train.to_csv(train_path, sep=case.sep, index=False)
    split.test.drop(columns=[case.label] if case.label else []).to_csv(test_path, sep=case.sep, index=False)
    if case.deals is None:
        return train_path, None, test_path
    deals = pd.read_csv(case.deals, dtype=str)
    deals_path = folder / f"train_deals{case.deals.suffix}"
    deals[~deals[case.deal_key].isin(split.test[case.account_key])].to_csv(deals_path, index=False)
    return train_path, deals_path, test_path


async def _icp_scores(case: Case, folder: Path, train: Path, deals: Path | None, test: Path) -> dict[str, Any]:
    server = build_server(ServerConfig(data_dirs=(folder,), workspace=folder / "ws", raise_unexpected=True))
    load: dict[str, Any] = {"path": str(train), "name": "train"}
    if case.label:
        load["outcome"] = {"column": case.label, "success": case.success}
    if deals is not None:
        load["deals_path"] = str(deals)
    async with Client(server) as client:
        loaded = await client.call_tool("load_accounts", load)
        assert not loaded.is_error, loaded.content
        built = await client.call_tool("build_icp", {"dataset": "train", "name": "bench", "exclude": case.exclude})
        assert not built.is_error, built.content
        scored = await client.call_tool("score_prospects", {"icp": "bench", "path": str(test)})
        assert not scored.is_error, scored.content
    summary, card = built.structured_content or {}, loaded.structured_content or {}
    saved = json.loads(Path(summary["path"]).read_text())
    listed = pd.read_csv((scored.structured_content or {})["csv_path"], dtype={"tier": str}).sort_values("row")
    return {
        "list": listed, "criteria": summary.get("criteria_total"), "excluded": summary.get("excluded", []),
        "top_criteria": summary.get("criteria", [])[:5], "method": summary.get("method"),
        "fields": {f["source"]: f["field"] for f in card.get("fields", []) if f.get("source")},
        "scored_attributes": {c["attribute"] for c in saved["scorecard"]["criteria"] if c["points"]},
    }  # fmt: skip


def _features(train: pd.DataFrame, test: pd.DataFrame, case: Case) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The baselines' inputs: every column but the label, the key, leaky ones and text that is unique per row."""
    drop = {case.label, case.account_key, *case.leaky} - {""}
    keep = [c for c in train if c not in drop and (train[c].nunique() < 0.9 * len(train) or _numeric(train[c]))]
    return train[keep].replace({"?": np.nan, " ": np.nan}), test[keep].replace({"?": np.nan, " ": np.nan})


def _as_number(column: pd.Series) -> pd.Series:
    return pd.to_numeric(column.astype("string").str.replace(r"[,$\s]", "", regex=True), errors="coerce")


def _numeric(column: pd.Series) -> bool:
    """Numbers in at least 90% of the filled cells."""
    return bool(_as_number(column).notna().sum() >= 0.9 * max(column.notna().sum(), 1))


def _log1p(x: np.ndarray) -> np.ndarray:
    """log1p for columns that are non-negative in training (a negative test value counts as 0)."""
    return np.log1p(np.clip(x, 0, None))


def _encoder(numbers: pd.DataFrame, categories: list[str]) -> ColumnTransformer:
    positive = [c for c in numbers if numbers[c].min() >= 0]
    signed = [c for c in numbers if c not in positive]
    return ColumnTransformer([
        ("log", make_pipeline(SimpleImputer(strategy="median", add_indicator=True),
                              FunctionTransformer(_log1p), StandardScaler()), positive),
        ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), signed),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="(missing)"),
                              OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5)), categories),
    ])  # fmt: skip


def _baselines(train: pd.DataFrame, test: pd.DataFrame, y_train: np.ndarray, y_test: np.ndarray) -> dict[str, float]:
    numeric = [c for c in train if _numeric(train[c])]
    categories = [c for c in train if c not in numeric]

    def numbers(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[numeric].apply(_as_number).astype(float)

    x_train = pd.concat([numbers(train), train[categories].astype(object)], axis=1)
    x_test = pd.concat([numbers(test), test[categories].astype(object)], axis=1)
    logistic = make_pipeline(_encoder(numbers(train), categories), LogisticRegression(C=1.0, max_iter=5000))
    logistic.fit(x_train, y_train)
    boosted_x, boosted_t = numbers(train), numbers(test)
    for c in categories:  # at most 250 levels (the most frequent in training); the rest count as missing
        known = train[c].value_counts().index[:250]
        boosted_x[c], boosted_t[c] = (
            pd.Categorical(f[c].where(f[c].isin(known)), categories=known) for f in (train, test)
        )
    boosted = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0).fit(boosted_x, y_train)
    return {
        "logistic": float(roc_auc_score(y_test, logistic.predict_proba(x_test)[:, 1])),
        "boosting": float(roc_auc_score(y_test, boosted.predict_proba(boosted_t)[:, 1])),
    }


def _auc_interval(
    y: np.ndarray, s: np.ndarray, accounts: np.ndarray, resamples: int = 500
) -> tuple[float, float] | None:
    """Bootstrap 95% interval, resampling accounts (all cases of a drawn account come along)."""
    if np.ptp(s) == 0:
        return None
    rng = np.random.default_rng(0)
    ids, codes = np.unique(accounts, return_inverse=True)
    members = pd.Series(np.arange(len(y))).groupby(codes).apply(np.asarray).to_list()
    values = []
    for _ in range(resamples):
        i = np.concatenate([members[k] for k in rng.integers(0, len(ids), len(ids))])
        if 0 < y[i].sum() < len(i):
            values.append(roc_auc_score(y[i], s[i]))
    low, high = np.percentile(values, [2.5, 97.5])
    return round(float(low), 3), round(float(high), 3)


def _tiers(tier: np.ndarray, y: np.ndarray) -> dict[str, dict[str, float]]:
    out = {}
    for name in ("green", "yellow", "red", "unscored"):
        mask = tier == name
        if mask.any():
            out[name] = {"n": int(mask.sum()), "win_rate": round(float(y[mask].mean()), 3)}
    return out


def _leaks(case: Case, icp: dict[str, Any]) -> dict[str, str]:
    """For each known leaky column: did the ICP score it, leave it out (and why), or give it no points?"""
    status = {}
    for column in case.leaky:
        name = icp["fields"].get(column, column)
        reason = next((e.split(": ", 1)[1] for e in icp["excluded"] if e.split(": ", 1)[0] == name), None)
        used = any(a == name or a.startswith(f"{name}_") for a in icp["scored_attributes"])
        status[column] = "USED" if used else f"left out ({reason})" if reason else "no points"
    return status


def measure(case: Case) -> dict[str, Any]:
    started = time.perf_counter()
    split = _split(case, _read(case))
    with tempfile.TemporaryDirectory() as tmp:
        icp = asyncio.run(_icp_scores(case, Path(tmp), *_write(case, split, Path(tmp))))
    listed, units = icp["list"], split.test_units
    assert listed["row"].tolist() == list(range(1, len(split.test) + 1)), "the list must keep every test row"
    y, position = units["y"].to_numpy(), units["position"].to_numpy()
    score = listed["score"].to_numpy(dtype=float)[position]
    score = np.where(np.isnan(score), np.nanmedian(score) if np.isfinite(score).any() else 50.0, score)
    auc = float(roc_auc_score(y, score)) if np.ptp(score) else 0.5
    features = _features(split.train, split.test, case)
    baselines = _baselines(
        features[0].iloc[split.train_units["position"]], features[1].iloc[position],
        split.train_units["y"].to_numpy(), y,
    )  # fmt: skip
    base = float(y.mean())
    tiers = _tiers(listed["tier"].to_numpy()[position], y)
    green, red = tiers.get("green", {}).get("win_rate"), tiers.get("red", {}).get("win_rate")
    return {
        "dataset": case.name, "unit": split.unit, "train_rows": len(split.train), "test_rows": len(split.test),
        "test_cases": len(y), "base_rate": round(base, 3),
        "icp_auc": round(auc, 3), "icp_auc_ci": _auc_interval(y, score, position),
        "logistic_auc": round(baselines["logistic"], 3), "boosting_auc": round(baselines["boosting"], 3),
        "method": icp["method"], "criteria": icp["criteria"], "top_criteria": icp["top_criteria"], "tiers": tiers,
        "target_auc": auc >= baselines["logistic"] - 0.02,
        "target_green": None if auc <= 0.65 or 1.5 * base > 1 else bool(green is not None and green >= 1.5 * base),
        "green_vs_base": round(green / base, 2) if green is not None and base else None,
        "red_failure_vs_base": round((1 - red) / (1 - base), 2) if red is not None and base < 1 else None,
        "leaky": _leaks(case, icp), "excluded": icp["excluded"][:12],
        "note": case.note, "seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip


def _targets(r: dict[str, Any]) -> str:
    text = "AUC ok" if r["target_auc"] else "AUC MISSED"
    if "USED" in r["leaky"].values():
        text += " (but the ICP scored a leaky column: not comparable)"
    if r["green_vs_base"]:
        text += f"; green {r['green_vs_base']}x base"
    if r["target_green"] is not None:
        text += " (ok)" if r["target_green"] else " (MISSED)"
    elif r["icp_auc"] > 0.65:
        text += f" (1.5x base is over 100%: n/a; red tier fails at {r['red_failure_vs_base']}x the base failure rate)"
    leaks = [f"{c} {status}" for c, status in r["leaky"].items()]
    return text + (f"; leaky: {', '.join(leaks)}" if leaks else "")


def _table(results: list[dict[str, Any]]) -> str:
    lines = ["| data | test cases | base | ICP AUC (95% CI) | logistic | boosting | tiers: win rate (n) | targets |",
             "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        ci = f" ({r['icp_auc_ci'][0]:.2f}-{r['icp_auc_ci'][1]:.2f})" if r["icp_auc_ci"] else " (constant score)"
        tiers = ", ".join(f"{t} {v['win_rate']:.0%} ({v['n']:,})" for t, v in r["tiers"].items())
        lines.append(f"| {r['dataset']} | {r['test_cases']:,} {r['unit']} | {r['base_rate']:.1%} | "
                     f"{r['icp_auc']:.3f}{ci} | {r['logistic_auc']:.3f} | {r['boosting_auc']:.3f} | {tiers} | "
                     f"{_targets(r)} |")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=[c.name for c in CASES])
    args = parser.parse_args()
    chosen = [case for case in CASES if not args.only or case.name in args.only]
    missing = [c.name for c in chosen if not c.accounts.exists() or (c.deals is not None and not c.deals.exists())]
    if missing:
        print(f"Skipped {missing}: their files are not there (the real exports live in {SHARED}, beside the checkout).")
    results = [measure(case) for case in chosen if case.name not in missing]
    if not results:
        raise SystemExit("Nothing to measure: no dataset's files were found.")
    write_results(HERE / "results" / "insight.json", results)
    print(_table(results))


if __name__ == "__main__":
    main()
