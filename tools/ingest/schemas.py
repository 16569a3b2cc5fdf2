"""The outcome a caller names (:class:`OutcomeSpec`), in a module that imports neither pandas nor numpy: the server
declares it in load_accounts' and build_icp's input schemas when it starts; :mod:`.outcomes` applies it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class OutcomeSpec(BaseModel):
    """Which column holds the outcome and which of its values count as success (the rest as failure)."""

    model_config = ConfigDict(extra="forbid")

    column: str = Field(description="Column holding the outcome, e.g. 'MIS_Status', 'y', 'Churn', 'class'")
    success: list[str] = Field(min_length=1, description="Values that count as success, e.g. ['P I F'], ['yes'], ['1']")
    failure: list[str] | None = Field(
        None, description="Values that count as failure; omitted: every other non-missing value is a failure"
    )
