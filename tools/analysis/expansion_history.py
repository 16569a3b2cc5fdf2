"""The expansion history of customers: who expanded, and the traits of those that did.

A customer expanded when it won a deal closed after its first won deal (upsell or cross-sell), or when the data
holds an expansion value above zero. Customers that expanded are contrasted with those that did not, attribute value
by attribute value, with the project's contrast (:mod:`.contrast`): expansion rate with and without each value,
Wilson intervals, lift, and Benjamini-Hochberg correction over every value and pair tested. Nothing passing gives
"no reliable pattern".
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.labels import field_label, level_label
from icp_assistant.tools.core.stats import Rate, bh_adjust, rate, round_sig
from icp_assistant.tools.store.workspace import write_table

from .adoption_schemas import ExpansionHistory, ExpansionTrait
from .attributes import OTHER, Attribute, attributes, trait_mask
from .contrast import MIN_COUNT, Comparison, pair_tests, score_counts, select, value_tests

MAX_TRAITS, MAX_FEWER = 6, 3
NOT_TRAITS = ("lifecycle_stage", "churned")  # the relationship after the sale, not a trait of the company


def expanded_customers(dataset: Dataset, is_customer: pd.Series) -> tuple[pd.Series, str] | None:
    """For customers with a known history: True when they expanded; and how that was recognised. None without any
    history (no won deals with close dates, no expansion value)."""
    found: list[pd.Series] = []
    said: list[str] = []
    deals = dataset.deals
    if deals is not None and "deal_closed" in deals:
        won = deals[deals["outcome"].eq("won") & deals["account_key"].notna() & deals["deal_closed"].notna()]
        if len(won):
            first = won.groupby("account_key")["deal_closed"].transform("min")
            later = won[won["deal_closed"] > first].groupby("account_key").size()
            known = pd.Index(won["account_key"].unique())
            by_deals = pd.Series(known.isin(later.index), index=known).reindex(dataset.accounts.index)
            found.append(by_deals)
            said.append("a won deal closed after the customer's first won deal (upsell or cross-sell)")
    if "expansion_value" in dataset.accounts and dataset.accounts["expansion_value"].notna().any():
        amount = pd.to_numeric(dataset.accounts["expansion_value"], errors="coerce")
        found.append(amount.gt(0).where(amount.notna()))
        said.append("an expansion value above zero")
    if not found:
        return None
    combined = pd.concat(found, axis=1)
    history = combined.any(axis=1).where(combined.notna().any(axis=1))
    history = history[is_customer & history.notna()].astype(bool)
    return history, " or ".join(said)


def expansion_history(
    dataset: Dataset, rows: pd.DataFrame, is_customer: pd.Series, folder: Path
) -> ExpansionHistory | None:
    found = expanded_customers(dataset, is_customer)
    if found is None:
        return None
    expanded, source = found
    overall = rate(int(expanded.sum()), len(expanded))
    if expanded.sum() < 3 or (~expanded).sum() < 3:
        return ExpansionHistory(
            source=source,
            expanded=overall,
            reliable=False,
            traits=[],
            fewer=[],
            tested=0,
            table_path="",
            verdict=_one_sided(expanded, source),
        )
    frame = Comparison(rows.loc[expanded.index], expanded, "accounts", "customers that expanded vs those that did not")
    attrs = attributes(dataset, frame.rows, exclude=NOT_TRAITS)
    table = _tests(frame, attrs)
    path = write_table(_trait_table(table), folder / "expansion_traits.csv")
    over, under = select(table, True), select(table, False)
    traits = [_trait(row, attrs) for _, row in over.head(MAX_TRAITS).iterrows()]
    fewer = [_trait(row, attrs) for _, row in under.head(MAX_FEWER).iterrows()]
    return ExpansionHistory(
        source=source,
        expanded=overall,
        reliable=bool(traits),
        verdict=_verdict(overall, traits),
        traits=traits,
        fewer=fewer,
        tested=len(table),
        table_path=str(path),
    )


def _one_sided(expanded: pd.Series, source: str) -> str:
    said = (
        f"No reliable pattern: {int(expanded.sum())} of {len(expanded)} customers expanded; at least 3 on each side "
        "are needed to compare them."
    )
    if expanded.all() and len(expanded) >= 3:
        said += (
            f" Every customer has {source}: repeat purchases are the norm here, so 'expanded' does not single anyone "
            "out (compare value with white space instead)."
        )
    return said


def _tests(frame: Comparison, attrs: list[Attribute]) -> pd.DataFrame:
    """Every value and the strongest pairs, with BH-corrected q-values (the same family for all)."""
    singles = value_tests(frame, attrs, 1.0)
    if singles.empty:
        return singles.assign(q_value=pd.Series(dtype=float))
    over = singles[(singles["lift"] > 1) & (singles["value"] != OTHER)].sort_values("lift", ascending=False)
    by_column = {a.column: a for a in attrs}
    pairs = pair_tests(frame, over.head(12), by_column, 1.0)
    anchored = anchored_pairs(frame, singles, by_column)
    table = pd.concat([singles, pairs, anchored], ignore_index=True)
    key = table["attribute"] + "=" + table["value"]
    table = table[~key.map(lambda k: frozenset(_components(k))).duplicated()]
    table = table.assign(q_value=bh_adjust(table["p_value"].to_numpy()))
    return table.sort_values("q_value", kind="stable").reset_index(drop=True)


def _components(key: str) -> list[str]:
    attribute, value = key.split("=", 1)
    return [f"{a}={v}" for a, v in zip(attribute.split(" + "), value.split(" + "), strict=False)]


def anchored_pairs(frame: Comparison, singles: pd.DataFrame, attrs: dict[str, Attribute]) -> pd.DataFrame:
    """The strongest over-represented value paired with every value of the other attributes (the shared pair search
    pairs only each attribute's strongest value, so a group defined by a common value, such as a tool most accounts
    use, would go unseen). Kept, like the shared pairs, only when the pair's lift beats both parts' by 10%."""
    over = singles[(singles["lift"] > 1) & (singles["value"] != OTHER) & (singles["in_group"] >= MIN_COUNT)]
    if over.empty:
        return over
    anchor = over.sort_values("p_value", kind="stable").iloc[0]
    base = trait_mask(frame.rows, attrs[anchor.attribute], anchor.value)
    others = singles[(singles["attribute"] != anchor.attribute) & (singles["value"] != OTHER)]
    records = []
    for row in others.itertuples():
        both = base & trait_mask(frame.rows, attrs[row.attribute], row.value)
        records.append(
            (
                f"{anchor.attribute} + {row.attribute}",
                f"{anchor.value} + {row.value}",
                int((both & frame.members).sum()),
                int(both.sum()),
                max(anchor.lift, row.lift),
            )
        )
    table = pd.DataFrame(records, columns=["attribute", "value", "in_group", "with_value", "component_lift"])
    table = score_counts(table[table["with_value"] > 0], int(frame.members.sum()), len(frame.rows), 1.0)
    return table[table["lift"] >= 1.1 * table["component_lift"]].drop(columns="component_lift")


def _words(attribute: str, value: str, kinds: Mapping[str, str]) -> str:
    parts = zip(attribute.split(" + "), value.split(" + "), strict=False)
    return " and ".join(level_label(a, v, kinds.get(a) == "multi") for a, v in parts)


def _trait(row: pd.Series, attrs: list[Attribute]) -> ExpansionTrait:
    kinds = {a.column: a.kind for a in attrs}
    hits, n = int(row.in_group), int(row.with_value)
    rest_hits, rest_n = int(row.group_size) - hits, int(row.total) - n
    return ExpansionTrait(
        trait=_words(str(row.attribute), str(row.value), kinds),
        expanded_with=rate(hits, n),
        expanded_without=rate(rest_hits, rest_n),
        lift=round(float(row.lift), 3),
        q_value=round_sig(float(row.q_value)) or 0.0,
    )


def _trait_table(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Attribute": [" + ".join(field_label(a) for a in str(x).split(" + ")) for x in table["attribute"]],
            "Value": table["value"],
            "Customers with it": table["with_value"],
            "Of them expanded": table["in_group"],
            "Expansion rate with it": table["rate_with"].round(4),
            "Expansion rate without it": table["rate_without"].round(4),
            "Lift": table["lift"].round(3),
            "p-value": table["p_value"],
            "q-value (Benjamini-Hochberg)": table["q_value"],
        }
    )


def _verdict(overall: Rate, traits: list[ExpansionTrait]) -> str:
    n = overall.n
    if traits:
        top = traits[0]
        return (
            f"{len(traits)} trait(s) separate customers that expanded beyond chance (n={n:,} customers). Strongest: "
            f"{top.trait}: {top.expanded_with.rate:.0%} expanded (n={top.expanded_with.n}) vs "
            f"{top.expanded_without.rate:.0%} without it; lift {top.lift:.2f}."
        )
    return (
        f"No reliable pattern: no attribute separates customers that expanded from those that did not beyond chance "
        f"at this sample size (n={n:,} customers; a trait must be significant after correction and change the rate "
        "by at least 20%)."
    )
