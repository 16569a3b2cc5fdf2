"""How an export is loaded: its deals file, sheets, column mapping, units, the outcome the user named, and whether
repeated rows are kept. The options that change the loaded dataset are part of its cache key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from icp_assistant.tools.ingest.outcomes import OutcomeSpec


@dataclass
class LoadOptions:
    deals_path: Path | None = None
    name: str | None = None
    sheet: str | int | None = None
    deals_sheet: str | int | None = None
    mapping: Mapping[str, str | None] | None = None
    deals_mapping: Mapping[str, str | None] | None = None
    revenue_unit: float | None = None
    max_bytes: int | None = None
    use_cache: bool = True
    outcome: OutcomeSpec | None = None
    keep_duplicates: bool = False  # a prospect list keeps every row (duplicates are flagged by score_prospects)

    def cache_key(self) -> dict[str, object]:
        return {
            "sheet": self.sheet,
            "deals_sheet": self.deals_sheet,
            "mapping": dict(self.mapping or {}),
            "deals_mapping": dict(self.deals_mapping or {}),
            "revenue_unit": self.revenue_unit,
            "outcome": self.outcome.model_dump() if self.outcome is not None else None,
            "keep_duplicates": self.keep_duplicates,
        }
