"""Server configuration: allowed data folders, workspace, limits and output budgets."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_WORKSPACE = Path("~/.icp-assistant/workspace")
ENV_DATA_DIRS = "ICP_ASSISTANT_DATA_DIRS"
ENV_WORKSPACE = "ICP_ASSISTANT_WORKSPACE"


@dataclass(frozen=True)
class ServerConfig:
    """How one server instance is allowed to behave.

    ``data_dirs``: folders the server may read user files from (the workspace is always allowed too,
    so files the tools write can be read back). ``use_client_roots``: also allow the roots the MCP
    client declares. ``result_token_budget``: a tool result above this many (estimated) tokens is
    logged as a defect. ``raise_unexpected``: let unexpected exceptions propagate (tests use it so
    bugs fail loudly instead of becoming readable tool errors).
    """

    data_dirs: tuple[Path, ...] = field(default_factory=lambda: (Path.cwd(),))
    workspace: Path = DEFAULT_WORKSPACE
    max_file_bytes: int = 500 * 1024 * 1024
    result_token_budget: int = 2000
    use_client_roots: bool = True
    raise_unexpected: bool = False

    def __post_init__(self) -> None:
        dirs = tuple(Path(d).expanduser().resolve() for d in self.data_dirs)
        object.__setattr__(self, "data_dirs", dirs)
        object.__setattr__(self, "workspace", Path(self.workspace).expanduser().resolve())

    @classmethod
    def from_env(cls, **overrides: object) -> ServerConfig:
        """Defaults, then environment variables, then explicit overrides (None means "not given")."""
        values: dict[str, object] = {}
        if os.environ.get(ENV_DATA_DIRS):
            values["data_dirs"] = tuple(Path(p) for p in os.environ[ENV_DATA_DIRS].split(os.pathsep) if p)
        if os.environ.get(ENV_WORKSPACE):
            values["workspace"] = Path(os.environ[ENV_WORKSPACE])
        values.update({k: v for k, v in overrides.items() if v not in (None, (), [])})
        return cls(**values)  # type: ignore[arg-type]

    def allowed_roots(self, client_roots: tuple[Path, ...] = ()) -> tuple[Path, ...]:
        roots = [*self.data_dirs, self.workspace]
        if self.use_client_roots:
            roots += [r for r in client_roots if r not in roots]
        return tuple(roots)
