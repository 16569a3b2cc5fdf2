"""User-set weights on a learned scorecard: a group rubric (e.g. 40/30/30) and per-criterion points.

The ICP guides weight criteria in groups ("must-have criteria 40%, growth indicators 30%, technical fit
30%"). Given groups of attributes with weights adding to 100, each group's learned points are rescaled
so the group spans exactly its weight: an account with the best value of every attribute in a group
earns the whole weight, one with the worst earns none. Within a group the learned ratios between
points stay as learned; only the group's share of the 100 points is the user's choice. Attributes
in no group carry no points. Individual criteria can then be pinned to a number of points.

Unknown values still earn 0 points, so the base is where an account with nothing known starts.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from icp_assistant.tools.core.errors import OptionError, listing

from .schemas import RubricGroup
from .scorecard import Criterion, Scorecard, point_range


def _span(criteria: list[Criterion]) -> tuple[float, float]:
    """Lowest and highest points one account can get from these criteria (0 when a value has none)."""
    ranges = [point_range(criteria, a) for a in {c.attribute for c in criteria}]
    return float(sum(low for low, _ in ranges)), float(sum(high for _, high in ranges))


def _check_groups(scorecard: Scorecard, groups: list[RubricGroup]) -> None:
    total = sum(g.weight for g in groups)
    if total != 100:
        raise OptionError(
            f"Rubric weights add up to {total} ({', '.join(f'{g.name} {g.weight}' for g in groups)}); "
            "they must add up to 100, e.g. 40/30/30."
        )
    seen: dict[str, str] = {}
    for group in groups:
        for attribute in group.attributes:
            if attribute in seen:
                raise OptionError(f"Attribute {attribute!r} is in two rubric groups ({seen[attribute]!r} and "
                                  f"{group.name!r}); put it in one.")  # fmt: skip
            seen[attribute] = group.name
        if group.weight and not any(c.attribute in group.attributes for c in scorecard.criteria):
            raise OptionError(
                f"Rubric group {group.name!r} ({listing(group.attributes)}) has no criteria in this scorecard, so it "
                f"cannot carry {group.weight} points. Attributes with points: {listing(scorecard.attributes)}."
            )


def apply_rubric(scorecard: Scorecard, groups: list[RubricGroup]) -> tuple[Scorecard, list[str]]:
    """The scorecard rescaled so each group spans its weight; notes say what was dropped."""
    _check_groups(scorecard, groups)
    criteria: list[Criterion] = []
    base = 0.0
    for group in groups:
        members = [c for c in scorecard.criteria if c.attribute in group.attributes]
        low, high = _span(members)
        factor = group.weight / (high - low) if high > low else 0.0
        base -= low * factor
        for c in members:
            points = int(np.rint(c.points * factor))
            if points:
                criteria.append(c.model_copy(update={"points": points, "group": group.name}))
    grouped = {a for g in groups for a in g.attributes}
    dropped = sorted({c.attribute for c in scorecard.criteria} - grouped)
    notes = [f"Rubric: {', '.join(f'{g.name} {g.weight}' for g in groups)}; learned ratios kept within each group."]
    if dropped:
        notes.append(f"Attributes in no rubric group carry no points: {', '.join(dropped)}.")
    criteria.sort(key=lambda c: (-abs(c.points), c.id))
    updated = scorecard.model_copy(
        update={"base": int(np.rint(base)), "criteria": criteria, "attributes": sorted({c.attribute for c in criteria})}
    )
    return updated, notes


def pin_points(scorecard: Scorecard, points: Mapping[str, int]) -> tuple[Scorecard, list[str]]:
    """Criteria set to the user's points (0 removes a criterion); ids are 'attribute=value'."""
    known = {c.id: c for c in scorecard.criteria}
    unknown = [key for key in points if key not in known]
    if unknown:
        raise OptionError(
            f"No criterion {listing(unknown)} in this scorecard. Criteria ids are 'attribute=value': "
            f"{listing(sorted(known), limit=15)}."
        )
    for key, value in points.items():
        if not -100 <= value <= 100:
            raise OptionError(f"Points for {key!r} must be between -100 and 100, not {value}.")
    criteria = [c.model_copy(update={"points": int(points.get(c.id, c.points)), "pinned": c.id in points})
                for c in scorecard.criteria if points.get(c.id, c.points) != 0]  # fmt: skip
    criteria.sort(key=lambda c: (-abs(c.points), c.id))
    notes = [f"Points set by hand: {', '.join(f'{k} {v:+d}' for k, v in points.items())}."]
    updated = scorecard.model_copy(update={"criteria": criteria, "attributes": sorted({c.attribute for c in criteria})})
    return updated, notes
