"""Where a big job runs: in memory, out of core on an embedded DuckDB, or on a Spark cluster."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from icp_assistant.tools.core.errors import OptionError
from icp_assistant.tools.ingest.batches import row_estimate

Engine = Literal["auto", "memory", "duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("auto", "memory", "duckdb", "spark")
OUT_OF_CORE_ROWS = 2_000_000  # above this many rows (or the in-memory file limit) "auto" reads in batches


@dataclass(frozen=True)
class Compute:
    """The engine asked for and the Spark master or Spark Connect URL the server was given (if any)."""

    engine: str = "auto"
    spark: str | None = None

    def choose(self, path: Path, max_bytes: int | None) -> Literal["memory", "duckdb", "spark"]:
        """The engine as given, or for "auto": in memory for files of up to OUT_OF_CORE_ROWS rows within the file
        size limit, else Spark when a Spark URL is configured, else DuckDB."""
        if self.engine not in ENGINES:
            raise OptionError(f"engine={self.engine!r} is not one of {', '.join(ENGINES)}.")
        if self.engine == "spark" and not self.spark:
            raise OptionError(
                "engine='spark' needs a Spark master or Spark Connect URL: start the server with --spark URL "
                "(e.g. --spark local[2] or --spark sc://host:15002), or use engine='duckdb'."
            )
        if self.engine != "auto":
            return self.engine
        big = row_estimate(path) > OUT_OF_CORE_ROWS or (max_bytes is not None and path.stat().st_size > max_bytes)
        if not big:
            return "memory"
        return "spark" if self.spark else "duckdb"


AUTO = Compute()  # in memory unless the file is big; DuckDB out of core (no Spark configured)
