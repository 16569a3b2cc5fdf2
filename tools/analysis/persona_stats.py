"""Won vs lost comparisons of contact titles, and the findings written from them (for personas.py).

For each tested buying role and each seniority level / department with at least 5 contacts, the
share among won accounts' contacts is compared with the share among lost accounts' contacts
(Fisher's exact or chi-square on the 2x2 table); q-values come from Benjamini-Hochberg across every
comparison made. Only q < 0.05 with at least ``MIN_CONTACTS`` titled contacts on each side counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from icp_assistant.tools.core.stats import MIN_N, Rate, bh_adjust, rate, round_sig, two_by_two_p

MIN_CONTACTS = 5  # titled contacts needed on each side before a comparison is made
MIN_SUPPORT = 5  # contacts with a value (won + lost) before it is tested
Q_MAX = 0.05
MAX_FINDINGS = 10
Dimension = Literal["seniority", "department"]
DIMENSIONS: tuple[Dimension, ...] = ("seniority", "department")
ROLE_LABELS = {
    "champion": "Champions",
    "decision maker": "Decision makers",
    "influencer": "Influencers",
    "user": "Users",
    "other": "Other contacts",
    "all": "Contacts",
}


class Difference(BaseModel):
    """A seniority level or department whose share differs between won and lost accounts."""

    role: str = Field(description="Buying role compared ('all' when the file has no role column)")
    dimension: Dimension = Field(description="seniority or department")
    value: str = Field(description="The seniority level or department")
    won: Rate = Field(description="Share of the role's titled contacts in won accounts with this value")
    lost: Rate = Field(description="Share of the role's titled contacts in lost accounts with this value")
    p_value: float = Field(description="Fisher's exact (or chi-square) p-value, two-sided")
    q_value: float = Field(description="Benjamini-Hochberg adjusted across all comparisons made")


def _groups(closed: pd.DataFrame, role: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    group = closed if role == "all" else closed[closed["role"] == role]
    titled = group[group["seniority"].notna()]
    return titled[titled["outcome"] == "won"], titled[titled["outcome"] == "lost"]


def _candidates(closed: pd.DataFrame, tested: Sequence[str]) -> list[Difference]:
    out = []
    for role in tested:
        won, lost = _groups(closed, role)
        if len(won) < MIN_CONTACTS or len(lost) < MIN_CONTACTS:
            continue
        for dimension in DIMENSIONS:
            counts = pd.concat([won[dimension], lost[dimension]]).value_counts()
            for value in sorted(counts[counts >= MIN_SUPPORT].index):
                a, c = int(won[dimension].eq(value).sum()), int(lost[dimension].eq(value).sum())
                p = two_by_two_p(a, len(won) - a, c, len(lost) - c)
                out.append(
                    Difference(
                        role=role,
                        dimension=dimension,
                        value=str(value),
                        won=rate(a, len(won)),
                        lost=rate(c, len(lost)),
                        p_value=round_sig(p) or 0.0,
                        q_value=1.0,
                    )
                )
    return out


def compare_roles(closed: pd.DataFrame, tested: Sequence[str]) -> tuple[list[Difference], int]:
    """The differences that hold (best first) and how many comparisons were made."""
    candidates = _candidates(closed, tested)
    q_values = bh_adjust([d.p_value for d in candidates])
    for difference, q in zip(candidates, q_values, strict=True):
        difference.q_value = round_sig(float(q)) or 0.0
    reliable = [d for d in candidates if d.q_value < Q_MAX]
    order = {role: i for i, role in enumerate(tested)}
    return sorted(reliable, key=lambda d: (order[d.role], d.q_value, d.dimension, d.value)), len(candidates)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _evidence(r: Rate) -> str:
    interval = f", 95% CI {100 * r.low:.0f}-{100 * r.high:.0f}%" if r.low is not None and r.high is not None else ""
    return f"{r.hits}/{r.n}{interval}"


def _q(q: float) -> str:
    return "q < 0.001" if q < 0.001 else f"q = {q:.2g}"


def _profiles(group: pd.DataFrame, top: int = 2) -> str:
    profiles = (group["seniority"] + " · " + group["department"]).value_counts()
    profiles = profiles.loc[sorted(profiles.index, key=lambda v: (-profiles[v], v))].head(top)
    return ", ".join(f"{value} {_pct(count / len(group))} ({count}/{len(group)})" for value, count in profiles.items())


def _profile_sentence(closed: pd.DataFrame, role: str) -> str:
    won, lost = _groups(closed, role)
    label = ROLE_LABELS.get(role, role)
    return f"{label}, most common profiles: in won deals {_profiles(won)}; in lost deals {_profiles(lost)}."


def _sentence(d: Difference) -> str:
    label = ROLE_LABELS.get(d.role, d.role)
    trait = f"are at {d.value} level" if d.dimension == "seniority" else f"work in {d.value}"
    text = (
        f"{label} in won deals {trait}: {_pct(d.won.rate)} ({_evidence(d.won)}) vs {_pct(d.lost.rate)} in lost "
        f"deals ({_evidence(d.lost)}); {_q(d.q_value)}."
    )
    if d.won.small_sample or d.lost.small_sample:
        text += f" Small sample (fewer than {MIN_N} contacts on one side): treat as a hint."
    return text


def _who(tested: Sequence[str]) -> str:
    if list(tested) == ["all"]:
        return "contacts"
    return " and ".join(ROLE_LABELS[r].lower() for r in tested)


def findings_text(closed: pd.DataFrame, tested: Sequence[str], differences: Sequence[Difference]) -> list[str]:
    """Per tested role with a difference: its most common profiles in won and lost deals, then one
    sentence per difference that holds. Without any: an honest statement that there is none."""
    if differences:
        shown = differences[:MAX_FINDINGS]
        lines = []
        for role in tested:
            sentences = [_sentence(d) for d in shown if d.role == role]
            lines += [_profile_sentence(closed, role), *sentences] if sentences else []
        if len(differences) > MAX_FINDINGS:
            lines.append(f"{len(differences) - MAX_FINDINGS} more differences hold; see `differences`.")
        return lines
    sizes = [_groups(closed, role) for role in tested]
    n_won, n_lost = sum(len(w) for w, _ in sizes), sum(len(lo) for _, lo in sizes)
    who = _who(tested)
    if min(n_won, n_lost) < MIN_CONTACTS:
        return [
            f"Too few {who} with a job title to compare won and lost deals (n won={n_won}, lost={n_lost}): "
            "the personas stay hypotheses."
        ]
    text = f"No reliable difference between won and lost deals in the titles of {who} (n won={n_won}, lost={n_lost})."
    if min(n_won, n_lost) < MIN_N:
        text += " The samples are small, so a real difference may be missed."
    return [text]
