"""What each team can act on, from the role reviews run on this ICP version: the open pipeline (sales), feature
adoption (product) and expansion (customer success). Each line quotes the saved result's own numbers with their
evidence; a review that was not run adds nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .document_text import Formats

Saved = Mapping[str, Any] | None


def team_facts(pipeline: Saved, adoption: Saved, expansion: Saved, fmt: Formats) -> dict[str, list[str]]:
    """Per team ('sales', 'product', 'customer_success'), sentences for the document's team section."""
    return {
        "sales": _sales(pipeline, fmt) if pipeline else [],
        "product": _product(adoption, fmt) if adoption else [],
        "customer_success": _customer_success(expansion, fmt) if expansion else [],
    }


def _sales(review: Mapping[str, Any], fmt: Formats) -> list[str]:
    separation = review["separation"]
    opened = f"{review['open_deals']:,} open deals"
    if separation["separates"]:
        low, high = separation["auc_interval"] or (None, None)
        auc = f"AUC {separation['auc']:.2f}, 95% CI {low:.2f}–{high:.2f}" if low is not None else "AUC n/a"
        lines = [
            f"Open pipeline: {opened}, worked in order of expected value. Fit predicts winning on "
            f"{separation['deals']:,} held-out closed deals ({auc}), so each deal carries a close likelihood checked "
            "on deals of other accounts"
            + ("." if review.get("calibration_holds") else "; the check missed a band, so treat likelihoods as rough.")
        ]
        if review.get("expected_value_total") is not None:
            lines.append(f"Expected value of the open pipeline: {fmt.money(review['expected_value_total'])}.")
    else:
        rate = review.get("overall_win_rate")
        lines = [
            f"Open pipeline: {opened}, worked by stage, then age, without a close likelihood: fit does not predict "
            f"winning in this data. {separation['verdict']} Win rate of {separation['deals']:,} held-out closed "
            f"deals: {fmt.rate(rate)}."
        ]
    if review.get("stale") and review.get("stale_after_days") is not None:
        lines.append(
            f"{review['stale']:,} open deals are older than {review['stale_after_days']:.0f} days (90% of won deals "
            "closed sooner): give each a next step or close it out."
        )
    return lines


def _product(adoption: Mapping[str, Any], fmt: Formats) -> list[str]:
    lines = []
    for standout in [s for s in adoption.get("standouts", []) if s["lift"] > 1][:2]:
        lines.append(
            f"{_whom(standout['group'])} adopt {standout['feature']}: {fmt.rate(standout['adopted'])} vs "
            f"{fmt.rate(standout['others'])} of other customers."
        )
    separators = adoption.get("churn_separators", [])
    if separators:
        top = separators[0]
        lines.append(
            f"Retention: {top['feature']} is used by {fmt.rate(top['retained'])} of retained customers vs "
            f"{fmt.rate(top['churned'])} of churned ones (an association, not proof it keeps them)."
        )
    elif adoption.get("churn_verdict"):
        lines.append(f"Retention: {adoption['churn_verdict']}")
    for grew in adoption.get("expansion_separators", [])[:1]:
        lines.append(
            f"Expansion: {grew['feature']} is used by {fmt.rate(grew['expanded'])} of customers that expanded vs "
            f"{fmt.rate(grew['not_expanded'])} of those that did not."
        )
    steps = [s for s in adoption.get("onboarding", []) if s.get("median_days") is not None][:4]
    if steps:
        order = " → ".join(f"{s['feature']} (day {s['median_days']:.0f})" for s in steps)
        group = str(adoption["onboarding_group"])
        lines.append(f"Onboarding order of {group[:1].lower()}{group[1:]}: {order} (median days to first use).")
    if not lines:
        lines.append(f"Feature adoption: no reliable pattern among {adoption['customers']:,} customers.")
    return lines


def _whom(group: str) -> str:
    """'Green tier' -> 'Green-tier customers'; 'Segment: Fintech' -> 'Customers in Fintech'."""
    if group.startswith("Segment: "):
        return f"Customers in {group.removeprefix('Segment: ')}"
    return f"{group.replace(' tier', '-tier')} customers"


def _customer_success(expansion: Mapping[str, Any], fmt: Formats) -> list[str]:
    unit = str(expansion["unit"])
    money = (len(unit) == 3 and unit.isupper()) or unit.startswith("money")  # a currency code, or money unstated
    amount = fmt.money if money else (lambda v: f"{fmt.num(v)} {unit}")
    whom = (
        "customers (the ICP has no criteria: all compared)"
        if expansion["fit_tiers"] == ["unscored"]
        else ("ICP-fit customers")
    )
    lines = [
        f"Expansion: {expansion['accounts_with_gap']:,} of {expansion['fit_customers']:,} {whom} sit below "
        f"what comparable customers reach (the 75th percentile of their segment's customers), a white space of "
        f"{amount(expansion['white_space_total'])} in {str(expansion['value']).lower()}."
    ]
    history = expansion.get("history")
    if history:
        said = f"Customers that expanded: {fmt.rate(history['expanded'])}."
        traits = history.get("traits") or []
        if history.get("reliable") and traits:
            top = traits[0]
            said += (
                f" Most often those with {top['trait']}: {fmt.rate(top['expanded_with'])} vs "
                f"{fmt.rate(top['expanded_without'])} without it."
            )
        elif history["expanded"]["hits"] == history["expanded"]["n"]:
            said += " Every customer bought again: repeat purchases are the norm here, so expansion singles no one out."
        else:
            said += " No trait separates them reliably."
        lines.append(said)
    return lines
