"""Benchmark: discover_segments against k-prototypes (``kmodes``) on generated accounts with known segments.

Datasets (generated, seeded):

* ``planted``: four segments defined by industry x size x tech stack (20% of industries swapped at
  random, 80% of a segment's tools listed, 8% of any other tool), beside pure-noise columns
  (region, colour, lead score) and 5% missing cells. Shares 40/30/20/10%, win rates 35/15/25/45%.
  Quality = adjusted Rand index (ARI) of the labels against the planted segments.
* ``synthetic``: ``icp_assistant.tools.synthetic.generate_large_accounts`` (the demo data). Its
  segments are *rules* (e.g. Fintech + 100-999 employees + Salesforce), 75% of the accounts are
  "other" with no pattern, so a low ARI there is expected of any clustering; it shows speed and
  memory on realistic columns and whether the segments separate the planted win rates.

Methods: ``discover_segments`` choosing k in 2-8 (what users run), ``discover_segments`` with k
fixed to 4 (like for like), and ``KPrototypes(n_clusters=4, init="Cao", n_init=4)`` on log-scaled,
standardised numbers and categorical columns (each listed tool as a yes/no column). k-prototypes
is slow: it runs on the 10k set and on a 20k random sample of larger sets, and its ARI is on those
rows only (labelling every row would need its ``predict`` on all of them).

Each measurement runs in a fresh process; peak memory is the process's peak resident set while
the method runs (``/proc/self/clear_refs`` resets it after the data is generated), so the data
itself is included but not its generation. Numbers are recorded, never asserted.

Usage: ``python bench/bench_segments.py [--rows 10000 100000 1000000] [--datasets planted synthetic]``
(needs the bench-only dependency ``kmodes``: ``pip install kmodes``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from measure import in_child, peak_mb, write_results

KPROTO_ROWS = 20_000
INDUSTRIES = ("Software", "Manufacturing", "Retail", "Healthcare", "Financial Services", "Logistics", "Media")
TOOLS = ("AWS", "Slack", "HubSpot", "SAP", "Microsoft 365", "Shopify", "Google Workspace", "Epic", "Zoom")
PLANTED = (  # share, industry, log10(employees), tech stack, win rate
    (0.40, "Software", 1.7, ("AWS", "Slack", "HubSpot"), 0.35),
    (0.30, "Manufacturing", 3.0, ("SAP", "Microsoft 365"), 0.15),
    (0.20, "Retail", 2.2, ("Shopify", "Google Workspace"), 0.25),
    (0.10, "Healthcare", 3.5, ("Epic", "Microsoft 365", "Zoom"), 0.45),
)
COLUMNS = {  # dataset: (categorical, numeric)
    "planted": (["industry", "tech", "region", "colour"], ["employees", "revenue", "lead_score"]),
    "synthetic": (
        ["Industry", "Country/Region", "Web Technologies"],
        ["Number of Employees", "Annual Revenue", "Year Founded"],
    ),
}
WON_STAGES = ("Customer", "Evangelist", "Churned", "Former Customer")


# ---------------------------------------------------------------------------------------- data
def _tech(rng: np.random.Generator, segment: np.ndarray) -> pd.Series:
    stack = rng.random((len(segment), len(TOOLS))) < 0.08
    for i, (*_, tools, _win) in enumerate(PLANTED):
        rows = segment == i
        for tool in tools:
            stack[rows, TOOLS.index(tool)] |= rng.random(rows.sum()) < 0.8
    codes = stack @ (1 << np.arange(len(TOOLS)))  # one code per distinct stack, joined once each
    texts = {c: "; ".join(t for j, t in enumerate(TOOLS) if c >> j & 1) or None for c in np.unique(codes)}
    return pd.Series(codes).map(texts)


def planted(rows: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    rng = np.random.default_rng(seed)
    segment = rng.choice(len(PLANTED), rows, p=[p[0] for p in PLANTED])
    industry = np.array([p[1] for p in PLANTED], dtype=object)[segment]
    flip = rng.random(rows) < 0.2
    industry[flip] = np.array(INDUSTRIES, dtype=object)[rng.integers(0, len(INDUSTRIES), flip.sum())]
    industry[rng.random(rows) < 0.05] = None
    employees = np.round(10 ** (np.array([p[2] for p in PLANTED])[segment] + rng.normal(0, 0.35, rows)))
    frame = pd.DataFrame(
        {
            "industry": industry,
            "employees": np.where(rng.random(rows) < 0.05, np.nan, employees),
            "revenue": employees * 10 ** rng.normal(5, 0.3, rows),
            "tech": _tech(rng, segment),
            "region": np.array(["NA", "EMEA", "APAC", "LATAM", "DACH", "Nordics"])[rng.integers(0, 6, rows)],
            "colour": np.array(list("ABCDEFGH"))[rng.integers(0, 8, rows)],
            "lead_score": rng.integers(0, 100, rows).astype(float),
        }
    )
    won = pd.Series(rng.random(rows) < np.array([p[4] for p in PLANTED])[segment])
    return frame, segment, won


def synthetic(rows: int) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    from icp_assistant.tools.synthetic import generate_large_accounts, segment_labels

    frame = generate_large_accounts(rows, seed=1, messy=False)
    truth = pd.factorize(segment_labels(frame))[0]
    return frame, truth, frame["Lifecycle Stage"].isin(WON_STAGES)


def dataset(name: str, rows: int) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    return planted(rows) if name == "planted" else synthetic(rows)


# ---------------------------------------------------------------------------------------- methods
def _kprototypes_input(
    frame: pd.DataFrame,
    categorical: list[str],
    numeric: list[str],
) -> tuple[np.ndarray, list[int]]:
    numbers = []
    for name in numeric:
        x = pd.to_numeric(frame[name], errors="coerce").astype(float)
        x = np.log1p(x.clip(lower=0)) if x.min() >= 0 and x.skew() > 1 else x
        x = x.fillna(x.median())
        numbers.append(((x - x.mean()) / x.std()).to_numpy())
    cats = []
    for name in categorical:
        text = frame[name].astype("string").fillna("(missing)").astype(str)
        if text.str.contains(";", regex=False).mean() > 0.01:  # listed values: one yes/no column each
            tools = text.str.split(";").explode().str.strip().value_counts().index[:15]
            cats += [np.where(text.str.contains(t, regex=False), "yes", "no") for t in tools]
        else:
            cats.append(text.to_numpy())
    data = np.column_stack([*numbers, *cats]).astype(object)
    return data, list(range(len(numbers), data.shape[1]))


def run_method(method: str, name: str, frame: pd.DataFrame, won: pd.Series) -> dict[str, object]:
    categorical, numeric = COLUMNS[name]
    if method == "kprototypes":
        from kmodes.kprototypes import KPrototypes

        data, cat_index = _kprototypes_input(frame, categorical, numeric)
        model = KPrototypes(n_clusters=4, init="Cao", n_init=4, random_state=0, n_jobs=1)
        return {"labels": model.fit_predict(data, categorical=cat_index), "k": 4}
    from icp_assistant.tools.analysis.clustering import discover_segments

    fixed = 4 if method == "discover_segments_k4" else None
    result = discover_segments(frame, categorical, numeric, outcome=won, k=fixed, random_state=0)
    return {"labels": result.labels, "k": result.k, "stable": result.stable, "reason": result.reason}


# ---------------------------------------------------------------------------------------- measuring
def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _win_rate_spread(labels: np.ndarray, won: pd.Series) -> float:
    rates = pd.Series(won.to_numpy(dtype=float)).groupby(labels).mean()
    return round(float(rates.max() - rates.min()), 3)


def measure(method: str, name: str, rows: int) -> dict[str, object]:
    """Run inside the child process: generate, then time one method and record its peak memory."""
    import kmodes.kprototypes  # noqa: F401  (imported before the peak resets: not the method's memory)
    from sklearn.metrics import adjusted_rand_score

    import icp_assistant.tools.analysis.clustering  # noqa: F401

    frame, truth, won = dataset(name, rows)
    if method == "kprototypes" and rows > KPROTO_ROWS:
        keep = np.sort(np.random.default_rng(0).choice(rows, KPROTO_ROWS, replace=False))
        frame, truth, won = frame.iloc[keep].reset_index(drop=True), truth[keep], won.iloc[keep]
    data_mb = _rss_mb()
    _reset_peak()
    start = time.perf_counter()
    out = run_method(method, name, frame, won)
    seconds = time.perf_counter() - start
    labels = np.asarray(out.pop("labels"))
    return {
        "dataset": name,
        "rows": rows,
        "method": method,
        "rows_clustered": len(frame),
        "seconds": round(seconds, 2),
        "peak_mb": round(peak_mb(), 1),
        "data_mb": round(data_mb, 1),
        "ari_vs_planted": round(float(adjusted_rand_score(truth, labels)), 3),
        "win_rate_spread": _win_rate_spread(labels, won),
        **out,
    }


def run(rows_list: list[int], datasets: list[str], methods: list[str]) -> list[dict[str, object]]:
    results = []
    for name in datasets:
        for rows in rows_list:
            for method in methods:
                results.append(in_child("bench_segments", "measure", method, name, rows))
                if method == "kprototypes" and rows > KPROTO_ROWS:
                    results[-1]["note"] = f"k-prototypes on a random {KPROTO_ROWS:,}-row sample; ARI on it"
                print(json.dumps(results[-1]), flush=True)
    return results


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--datasets", nargs="+", default=["planted", "synthetic"], choices=sorted(COLUMNS))
    parser.add_argument(
        "--methods",
        nargs="+",
        default=["discover_segments", "discover_segments_k4", "kprototypes"],
        choices=["discover_segments", "discover_segments_k4", "kprototypes"],
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "segments.json")
    args = parser.parse_args()
    results = run(args.rows, args.datasets, args.methods)
    write_results(args.out, results)


if __name__ == "__main__":
    main()
