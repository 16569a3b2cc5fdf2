"""What cleaning did and decided: a report per column, the rules to read more rows of a file the same way, and the
cleaned table with both."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from icp_assistant.tools.core.fields import Kind, Kinds


@dataclass
class ColumnReport:
    """What cleaning did to one column."""

    column: str  # output column name (canonical field or original header)
    source: str  # header in the file
    kind: str
    placeholders: int = 0
    unparsed: int = 0
    unparsed_examples: list[str] = field(default_factory=list)
    sentinel_zeros: int = 0
    sentinel_zero_share: float = 0.0
    sentinel_treated_as_missing: bool = False
    ranges: int = 0
    unit_scale: float = 1.0
    recoded: int = 0  # category spellings unified ("fintech" -> "Fintech")
    out_of_range: int = 0
    decimal: str | None = None  # the decimal mark text numbers were read with
    dayfirst: bool | None = None  # the day order numeric dates were read with
    percent_divisor: float = 1.0  # 100 when numeric percents were written as 45 for 45%
    mapped: bool = True  # a canonical field (False: an unmapped column kept under its own name)
    spellings: dict[str, str] = field(default_factory=dict)  # category: lower-case key -> the spelling kept


@dataclass(frozen=True)
class CleanRules:
    """What cleaning decided for each column from the rows it saw: applied unchanged to more rows of the same file
    (a file read in batches is read as one), never guessed again."""

    kinds: dict[str, Kind]  # unmapped column (its header) -> kind
    decimal: dict[str, str]  # output column -> decimal mark
    dayfirst: dict[str, bool]  # output column -> day order
    sentinel: dict[str, bool]  # output column -> whether its zeros mean "not filled in"
    percent_divisor: dict[str, float]  # output column -> divisor of numeric percents (100 or 1)
    spellings: dict[str, dict[str, str]] = field(default_factory=dict)  # category column -> key -> spelling kept

    @classmethod
    def empty(cls) -> CleanRules:
        """No decision made yet: every column guessed, and what was guessed recorded (the first rows of a file)."""
        return cls({}, {}, {}, {}, {})

    def learn(self, table: CleanTable) -> None:
        """Keep the spelling of category values first seen in ``table`` (later rows of the same file)."""
        for report in table.reports.values():
            if report.spellings:
                known = self.spellings.setdefault(report.column, {})
                for key, spelling in report.spellings.items():
                    known.setdefault(key, spelling)


@dataclass
class CleanTable:
    frame: pd.DataFrame
    reports: dict[str, ColumnReport]
    kinds: Kinds  # output column -> kind

    @property
    def rules(self) -> CleanRules:
        """The decisions this cleaning made, to read more rows of the same file the same way."""
        reports = self.reports.values()
        return CleanRules(
            kinds={r.source: r.kind for r in reports if not r.mapped},  # type: ignore[misc]
            decimal={r.column: r.decimal for r in reports if r.decimal is not None},
            dayfirst={r.column: r.dayfirst for r in reports if r.dayfirst is not None},
            sentinel={r.column: r.sentinel_treated_as_missing for r in reports},
            percent_divisor={r.column: r.percent_divisor for r in reports if r.kind == "percent"},
            spellings={r.column: dict(r.spellings) for r in reports if r.spellings},
        )
