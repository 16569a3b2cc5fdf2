"""Contrast a group of rows with the rest, attribute value by attribute value.

The shared test behind find_patterns, find_red_flags and segment descriptions: for every value of
every attribute, how many group rows have it, how many rows overall, support, base rate, lift, the
group rate among rows with and without the value, and a 2x2 test on counts divided by the design
effect (deals clustered in accounts). Pairs (AND) of the strongest traits are tested the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from icp_assistant.tools.core.distinct import weighted_counts
from icp_assistant.tools.core.stats import ALPHA, two_by_two_p

from .attributes import MAX_VALUES, OTHER, Attribute, raw_values, trait_mask, values_of

MIN_LIFT = 1.2
MIN_COUNT = 5


@dataclass
class Comparison:
    """Rows to compare (accounts or deals), which of them are members of the group, and for deals the account
    cluster."""

    rows: pd.DataFrame
    members: pd.Series  # True for a row in the group (the rest is what it is compared with)
    unit: Literal["accounts", "deals"]
    label: str
    cluster: pd.Series | None = None
    dates: pd.Series | None = None  # deals: close date per row (for time splits)


@dataclass
class AttributeValues:
    """One attribute's values per row (a multi-valued cell split once: its row repeated) and their counts."""

    values: pd.Series
    counts: pd.Series


def attribute_values(rows: pd.DataFrame, attrs: list[Attribute]) -> dict[str, AttributeValues]:
    """Every attribute's values, split and counted once, for contrasting many groups of the same rows."""
    return {attr.column: _values(rows, attr) for attr in attrs}


def _values(rows: pd.DataFrame, attr: Attribute) -> AttributeValues:
    values = values_of(rows, attr, max(MIN_COUNT, math.ceil(0.005 * len(rows))))
    return AttributeValues(values, values.value_counts())


def value_tests(
    frame: Comparison, attrs: list[Attribute], deff: float, known: dict[str, AttributeValues] | None = None
) -> pd.DataFrame:
    """Each value of each attribute tested for the group; ``known``: the rows' values from
    :func:`attribute_values` when the same rows are contrasted for many groups."""
    group_size, total = int(frame.members.sum()), len(frame.rows)
    members = frame.members.reindex(frame.rows.index).to_numpy(dtype=bool)
    records = []
    for attr in attrs:  # without ``known``, one attribute's values in memory at a time
        if known is not None:
            found = known[attr.column]
            counts = found.counts
            in_group = found.values[frame.members.reindex(found.values.index).to_numpy()].value_counts()
        else:
            counts, in_group = _distinct_counts(frame.rows, attr, members)
        for value, with_value in counts.items():
            records.append((attr.column, str(value), int(in_group.get(value, 0)), int(with_value)))
    table = pd.DataFrame(records, columns=["attribute", "value", "in_group", "with_value"])
    return score_counts(table, group_size, total, deff)


def _distinct_counts(rows: pd.DataFrame, attr: Attribute, members: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """``value_counts()`` of :func:`_values` over all rows and over the ``members``, in its order, worked out on the
    column's distinct cells: each cell's values (split, rare ones pooled) weighted by the rows that hold it, so two
    million deals' values are never split and copied per row."""
    cells, distinct = pd.factorize(rows[attr.column])
    held = cells >= 0
    everyone = np.bincount(cells[held], minlength=len(distinct))
    in_group = np.bincount(cells[held & members], minlength=len(distinct))
    parts = raw_values(pd.DataFrame({attr.column: distinct}), attr)  # raw_values' reading, on distinct cells
    holders = parts.index.to_numpy()
    raw = weighted_counts(parts.to_numpy(dtype=object), everyone[holders])
    keep = raw[raw >= max(MIN_COUNT, math.ceil(0.005 * len(rows)))].head(MAX_VALUES).index  # as pool_values keeps
    if attr.kind == "multi":
        kept = parts.isin(keep).to_numpy()
        values, holders = parts[kept].to_numpy(dtype=object), holders[kept]
    else:
        values = parts.where(parts.isin(keep), OTHER).to_numpy(dtype=object)
    return weighted_counts(values, everyone[holders]), weighted_counts(values, in_group[holders])


def score_counts(table: pd.DataFrame, group_size: int, total: int, deff: float) -> pd.DataFrame:
    table = table.copy()
    table["group_size"], table["total"] = group_size, total
    table["support"] = table["in_group"] / max(group_size, 1)
    table["base_rate"] = table["with_value"] / max(total, 1)
    table["lift"] = table["support"] / table["base_rate"].replace(0, np.nan)
    table["rate_with"] = table["in_group"] / table["with_value"].replace(0, np.nan)
    rest = total - table["with_value"]
    table["rate_without"] = (group_size - table["in_group"]) / rest.replace(0, np.nan)
    table["p_value"] = [
        two_by_two_p(a / deff, (w - a) / deff, (group_size - a) / deff, (total - w - group_size + a) / deff)
        for a, w in zip(table["in_group"], table["with_value"], strict=True)
    ]
    return table


def pair_tests(frame: Comparison, singles: pd.DataFrame, attrs: dict[str, Attribute], deff: float) -> pd.DataFrame:
    """AND-combinations of the strongest single traits from different attributes."""
    top = singles.drop_duplicates("attribute").head(6)
    masks = {
        (row.attribute, row.value): trait_mask(frame.rows, attrs[row.attribute], row.value) for row in top.itertuples()
    }
    keys = list(masks)
    records = []
    for i, first in enumerate(keys):
        for second in keys[i + 1 :]:
            both = masks[first] & masks[second]
            records.append(
                (f"{first[0]} + {second[0]}", f"{first[1]} + {second[1]}", int((both & frame.members).sum()),
                 int(both.sum()), max(singles.set_index(["attribute", "value"]).loc[[first, second], "lift"]))
            )  # fmt: skip
    table = pd.DataFrame(records, columns=["attribute", "value", "in_group", "with_value", "component_lift"])
    if table.empty:
        return table
    table = score_counts(table, int(frame.members.sum()), len(frame.rows), deff)
    keep = table["lift"] >= 1.1 * table["component_lift"]
    return table[keep].drop(columns="component_lift")


def select(table: pd.DataFrame, over: bool) -> pd.DataFrame:
    real = table[(table["value"] != OTHER) & (table["q_value"] < ALPHA) & (table["in_group"] >= MIN_COUNT)]
    if over:
        chosen = real[real["lift"] >= MIN_LIFT]
        excess = chosen["support"] - chosen["base_rate"]
        return chosen.assign(excess=excess).sort_values(["excess", "lift"], ascending=False, kind="stable")
    chosen = real[(real["lift"] <= 1 / MIN_LIFT) & (real["with_value"] >= 2 * MIN_COUNT)]
    return chosen.sort_values("lift", kind="stable")
