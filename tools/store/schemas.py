"""A company found in the loaded datasets, as results name it, in a module that imports neither pandas nor pyarrow:
the server declares score_prospect's output schema with it when it starts; :mod:`.lookup` does the finding.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

MatchedBy = Literal["domain", "name", "id", "row"]


class Candidate(BaseModel):
    """One company a name matched: where it is and how to pick it."""

    dataset: str
    row: int = Field(description="Row in the dataset's file (1 = first data row)")
    name: str | None = None
    domain: str | None = None
    id: str | None = None

    def line(self) -> str:
        keys = ", ".join(f"{k} {v}" for k, v in (("domain", self.domain), ("id", self.id)) if v) or "no domain"
        return f"{self.dataset} row {self.row}: {self.name or '(no name)'!r} ({keys})"
