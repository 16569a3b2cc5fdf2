"""Server configuration: allowed data folders, workspace, limits and output budgets."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from icp_assistant.tools.report.narrative import NarrativeWriter, TemplateWriter

from .writers import DEFAULT_MODEL, AnthropicWriter

DEFAULT_WORKSPACE = Path("~/.icp-assistant/workspace")
DEFAULT_DATA_DIR = Path("~/ICP-Assistant/data")  # never the working directory: a host may start servers in /
ENV_DATA_DIRS = "ICP_ASSISTANT_DATA_DIRS"
ENV_WORKSPACE = "ICP_ASSISTANT_WORKSPACE"
ENV_API_KEY = "ANTHROPIC_API_KEY"
ENV_MODEL = "ICP_ASSISTANT_MODEL"
ENV_BASE_URL = "ANTHROPIC_BASE_URL"
ENV_SPARK = "ICP_ASSISTANT_SPARK"

EXAMPLE_DATA_DIR = "/path/to/your/exports"  # the placeholder in the README and examples/clients/ configs
UNFILLED_VARIABLE = re.compile(r"\$\{[^}]*\}")  # "${user_config.x}": a variable the MCP host did not substitute

Narration = Literal["auto", "sampling", "anthropic", "template"]


def data_dir_problem(folder: Path) -> str | None:
    """Why the server cannot read exports from ``folder``, in words for the user; None when it is a folder.

    Said at start-up (log and the model's instructions) instead of failing: the server still starts, so
    the user can fix the folder without a client that keeps restarting a crashing server.
    """
    if folder.is_dir():
        return None
    if folder.exists():
        return (
            f"Data folder {folder} is a file, not a folder. Give the folder that holds your CRM exports instead "
            "(--data-dir in your MCP client's config), then restart the client."
        )
    text = str(folder).replace("\\", "/")  # Windows paths too
    if text.endswith(EXAMPLE_DATA_DIR):
        return (
            f"Data folder {folder} does not exist: it is the example config's placeholder. Replace it in your MCP "
            "client's config (the --data-dir argument in claude_desktop_config.json, .mcp.json or .cursor/mcp.json) "
            "with the folder that holds your CRM exports, then restart the client."
        )
    if UNFILLED_VARIABLE.search(text):
        return (
            f"Data folder {folder} does not exist: the MCP client did not fill in this setting. Choose the folder "
            "that holds your CRM exports in the extension's settings (Claude Desktop: Settings > Extensions > "
            "ICP Assistant), then restart the client."
        )
    return (
        f"Data folder {folder} does not exist. Create it and put your CRM exports there, or fix the --data-dir "
        "path (or ICP_ASSISTANT_DATA_DIRS) in your MCP client's config, then restart the client."
    )


@dataclass(frozen=True)
class ServerConfig:
    """How one server instance is allowed to behave.

    ``data_dirs``: folders the server may read user files from (the workspace is always allowed too,
    so files the tools write can be read back). ``use_client_roots``: also allow the roots the MCP
    client declares. ``result_token_budget``: a tool result above this many (estimated) tokens is
    logged as a defect. ``raise_unexpected``: let unexpected exceptions propagate (tests use it so
    bugs fail loudly instead of becoming readable tool errors).

    Narrative text (``narrative``): "auto" uses the client's model through sampling when the client offers
    it, else the Anthropic API when ``anthropic_api_key`` is set, else templates; "sampling", "anthropic"
    and "template" force one source (falling back to templates when it is unavailable). ``model`` is the
    Anthropic model id; ``anthropic_base_url`` points the SDK at another endpoint (a proxy, a test fake).
    ``spark``: a Spark master or Spark Connect URL (``local[2]``, ``spark://host:7077``, ``sc://host:15002``) that
    scores big prospect files and universes with the ICP's Spark SQL; without it they run on an embedded DuckDB.
    """

    data_dirs: tuple[Path, ...] = (DEFAULT_DATA_DIR,)
    workspace: Path = DEFAULT_WORKSPACE
    max_file_bytes: int = 500 * 1024 * 1024
    result_token_budget: int = 2000
    use_client_roots: bool = True
    raise_unexpected: bool = False
    anthropic_api_key: str | None = field(default=None, repr=False)
    model: str = DEFAULT_MODEL
    anthropic_base_url: str | None = None
    narrative: Narration = "auto"
    spark: str | None = None

    def __post_init__(self) -> None:
        dirs = tuple(Path(d).expanduser().resolve() for d in self.data_dirs)
        for folder in dirs:
            if folder == Path(folder.anchor):
                raise ValueError(
                    f"--data-dir {folder} is the whole disk: give the folder that holds your exports instead "
                    f"(default {DEFAULT_DATA_DIR})."
                )
        if dirs == (Path(DEFAULT_DATA_DIR).expanduser().resolve(),):
            dirs[0].mkdir(mode=0o700, parents=True, exist_ok=True)
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
        for name, env in (
            ("anthropic_api_key", ENV_API_KEY),
            ("model", ENV_MODEL),
            ("anthropic_base_url", ENV_BASE_URL),
            ("spark", ENV_SPARK),
        ):
            value = os.environ.get(env, "").strip()
            if value and not UNFILLED_VARIABLE.fullmatch(value):  # an optional bundle setting left empty
                values[name] = value
        values.update({k: v for k, v in overrides.items() if v not in (None, (), [])})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def uses_sampling(self) -> bool:
        """Ask the client's model first (when the client declares sampling)."""
        return self.narrative in ("auto", "sampling")

    def fallback_writer(self) -> NarrativeWriter:
        """The writer used when sampling is not used: the Anthropic API when a key is configured, else templates."""
        if self.narrative == "template":
            return TemplateWriter("templates (narrative=template)")
        if self.narrative == "sampling":
            return TemplateWriter("templates (narrative=sampling, and the client offers no sampling)")
        if not self.anthropic_api_key:
            return TemplateWriter() if self.narrative == "auto" else TemplateWriter(f"templates (no {ENV_API_KEY} set)")
        return AnthropicWriter(api_key=self.anthropic_api_key, model=self.model, base_url=self.anthropic_base_url)

    def data_dir_problems(self) -> tuple[str, ...]:
        """One message per data folder the server cannot read from (missing, a file, a placeholder)."""
        return tuple(problem for folder in self.data_dirs if (problem := data_dir_problem(folder)))

    def allowed_roots(self, client_roots: tuple[Path, ...] = ()) -> tuple[Path, ...]:
        roots = [*self.data_dirs, self.workspace]
        if self.use_client_roots:
            roots += [r for r in client_roots if r not in roots]
        return tuple(roots)
