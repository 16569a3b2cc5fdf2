"""Account outcomes when there is no deals file: from status / lifecycle columns and churn dates.

``outcome`` is won (became a customer), lost, open or missing; ``churned`` is True / False for
customers when churn information exists, missing otherwise.
"""

from __future__ import annotations

import pandas as pd

CUSTOMER = {
    "customer",
    "customers",
    "active customer",
    "client",
    "active",
    "won",
    "closed won",
    "evangelist",
    "paying",
    "paid",
    "subscriber (paid)",
    "renewed",
    "expansion",
}
CHURNED = {
    "churned",
    "churn",
    "former customer",
    "ex customer",
    "ex-customer",
    "cancelled",
    "canceled",
    "inactive customer",
    "lapsed",
    "lost customer",
    "did not renew",
    "non renewal",
}
LOST = {
    "lost",
    "closed lost",
    "disqualified",
    "unqualified",
    "bad fit",
    "rejected",
    "not a fit",
    "dead",
    "no decision",
}
OPEN = {
    "lead",
    "subscriber",
    "marketing qualified lead",
    "mql",
    "sales qualified lead",
    "sql",
    "opportunity",
    "prospect",
    "new",
    "open",
    "in progress",
    "engaged",
    "target",
    "pipeline",
}


def _key(value: object) -> str:
    return " ".join(str(value).lower().replace("_", " ").split())


def status_outcome(value: object) -> tuple[str | None, bool | None]:
    """(outcome, churned) for one lifecycle / status label."""
    key = _key(value)
    if key in CHURNED:
        return "won", True
    if key in CUSTOMER or key.endswith(" customer"):
        return "won", False
    if key in LOST:
        return "lost", None
    if key in OPEN:
        return "open", None
    return None, None


def outcomes_from_accounts(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, str]:
    """Account outcome and churn from lifecycle_stage / churn_date / customer_since columns."""
    outcome = pd.Series(None, index=frame.index, dtype="object")
    churned = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    sources = []
    if "lifecycle_stage" in frame:
        labels = frame["lifecycle_stage"].dropna().unique()
        mapped = {label: status_outcome(label) for label in labels}
        outcome = frame["lifecycle_stage"].map({k: v[0] for k, v in mapped.items()}).astype("object")
        churned = frame["lifecycle_stage"].map({k: v[1] for k, v in mapped.items()}).astype("boolean")
        if outcome.notna().any():
            sources.append("lifecycle_stage")
    if "customer_since" in frame:
        became = frame["customer_since"].notna() & outcome.isna()
        outcome = outcome.mask(became, "won")
        if became.any():
            sources.append("customer_since")
    if "churn_date" in frame:
        has_churn = frame["churn_date"].notna()
        churned = churned.mask(has_churn, True)
        outcome = outcome.mask(has_churn & outcome.isna(), "won")
        customers = outcome.eq("won")
        churned = churned.mask(customers & ~has_churn & churned.isna(), False)
        sources.append("churn_date")
    churned = churned.where(outcome.eq("won"))
    return outcome.where(outcome.notna(), None), churned, " + ".join(sources) or "none"
