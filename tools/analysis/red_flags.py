"""find_red_flags: the anti-ICP, from churned, lost and low-value accounts.

For each source of bad outcomes the data has, the traits (and pairs of traits) over-represented among
the bad accounts are tested like patterns (lift, counts, Benjamini-Hochberg); each surviving trait is
stated with the bad-outcome rate of accounts that have it, against the base rate, and rendered as a
candidate disqualifier for the ICP.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import InsufficientDataError
from icp_assistant.tools.core.stats import bh_adjust, design_effect, rate, round_sig
from icp_assistant.tools.store.workspace import write_table

from .attributes import add_bands, attributes
from .best_customers import best_mask
from .contrast import Comparison, pair_tests, select, value_tests
from .patterns import comparison_frame
from .schemas import RedFlag, RedFlags, Source

MAX_FLAGS = 8
WORDS = {"churned": "churn", "lost": "lose", "low_value": "are low-value"}


def _frames(dataset: Dataset, top_share: float) -> Iterator[tuple[Source, Comparison]]:
    """Each bad outcome's comparison, built when it is tested (one deal-level frame in memory at a time, holding
    only the attribute columns: at a million accounts every column on two million deals was gigabytes)."""
    columns = [a.column for a in attributes(dataset, add_bands(dataset.accounts))]
    for source, compare in (("churned", "churned"), ("lost", "won")):
        try:
            frame = comparison_frame(dataset, compare, None, top_share, columns)  # type: ignore[arg-type]
        except InsufficientDataError:
            continue
        if source == "lost":
            frame = Comparison(frame.rows, ~frame.members, frame.unit, "lost vs won", frame.cluster)
        yield source, frame  # type: ignore[misc]
        del frame  # released before the next comparison is built
    try:
        low = ~best_mask(dataset, 1 - top_share)  # bottom share by value among customers
        customers = dataset.accounts["outcome"].eq("won") if "outcome" in dataset.accounts else low | True
        rows = add_bands(dataset.accounts)[customers]
        yield "low_value", Comparison(rows, low[customers], "accounts", "low-value customers vs other customers")
    except InsufficientDataError:
        pass


def _flags_for(dataset: Dataset, source: Source, frame: Comparison) -> pd.DataFrame:
    deff = design_effect(frame.members, frame.cluster) if frame.cluster is not None else 1.0
    attrs = attributes(dataset, frame.rows)
    singles = value_tests(frame, attrs, deff)
    over = singles[(singles["lift"] > 1) & (singles["value"] != "Other")].sort_values("lift", ascending=False)
    table = pd.concat(
        [singles, pair_tests(frame, over.head(12), {a.column: a for a in attrs}, deff)], ignore_index=True
    )
    table["q_value"] = bh_adjust(table["p_value"].to_numpy())
    table["source"], table["deff"], table["unit"] = source, deff, frame.unit
    table["base_bad"] = frame.members.mean()
    return table


def _conservative_lift(row: pd.Series) -> float:
    """Lower end of the bad-outcome rate's 95% interval over the base rate: evidence-weighted lift."""
    low = rate(row.in_group / row.deff, row.with_value / row.deff).low or 0.0
    return low / row.base_bad if row.base_bad else 0.0


def _flag(row: pd.Series) -> RedFlag:
    bad = rate(row.in_group / row.deff, row.with_value / row.deff)
    trait = f"{row.attribute} = {row.value}"
    statement = (
        f"{row.unit.capitalize()} with {trait} {WORDS[row.source]} {row.rate_with:.0%} of the time "
        f"(n={int(row.with_value)}) vs {row.base_bad:.0%} overall; lift {row.lift:.1f}"
    )
    conditions = " AND ".join(
        f"{a} = {v}" for a, v in zip(row.attribute.split(" + "), row.value.split(" + "), strict=False)
    )
    return RedFlag(
        source=row.source,
        attribute=row.attribute,
        value=row.value,
        statement=statement,
        with_trait=int(row.with_value),
        bad_rate=bad,
        base_rate=round(float(row.base_bad), 4),
        lift=round(float(row.lift), 2),
        q_value=round_sig(float(row.q_value)) or 0.0,
        disqualifier=f"Deprioritise or disqualify when {conditions} ({WORDS[row.source]} rate x{row.lift:.1f})",
    )


def find_red_flags(dataset: Dataset, output_dir: Path, *, top_share: float = 0.2, chart: bool = False) -> RedFlags:
    tables, sources = [], {}
    for source, frame in _frames(dataset, top_share):
        tables.append(_flags_for(dataset, source, frame))
        sources[source] = f"{int(frame.members.sum()):,} of {len(frame.rows):,} {frame.unit}"
        del frame
    if not tables:
        raise InsufficientDataError(
            "No bad outcomes to learn from: the dataset has no churned, lost or low-value accounts. Load a deals "
            "file with lost deals, or accounts with a churn date / status."
        )
    table = pd.concat(tables, ignore_index=True)
    chosen = select(table, over=True)
    chosen = chosen.assign(conservative=[_conservative_lift(r) for _, r in chosen.iterrows()])
    chosen = chosen.sort_values(["conservative", "q_value"], ascending=[False, True], kind="stable")
    flags = [_flag(row) for _, row in chosen.head(MAX_FLAGS).iterrows()]
    path = write_table(table.sort_values("q_value", kind="stable"), output_dir / "red_flags.csv")
    verdict = (
        f"{len(chosen)} trait(s) mark accounts that {', '.join(WORDS[s] for s in sources)} more often than the "
        "base rate; "
        f"top: {flags[0].statement}."
        if flags
        else "No reliable red flag: no trait is over-represented among churned, lost or low-value accounts "
        "beyond chance."
    )
    chart_path = None
    if chart:
        from icp_assistant.tools.core.charts import LiftBar, lift_bars

        bars = [
            LiftBar(f"{f.attribute} = {f.value} ({f.source})", f.lift, None, None, f.with_trait, True) for f in flags
        ]
        chart_path = str(lift_bars(bars, output_dir / "red_flags.png", title="Red flags (anti-ICP)"))
    return RedFlags(
        dataset=dataset.name,
        sources=sources,
        flags=flags,
        reliable=bool(flags),
        verdict=verdict,
        total=len(chosen),
        truncated=len(chosen) > MAX_FLAGS,
        table_path=str(path),
        chart_path=chart_path,
    )
