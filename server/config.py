"""Server configuration: allowed data folders, workspace, limits and output budgets."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from icp_assistant.tools.narrative import DEFAULT_MODEL, AnthropicWriter, TemplateWriter

DEFAULT_WORKSPACE = Path("~/.icp-assistant/workspace")
DEFAULT_DATA_DIR = Path("~/ICP-Assistant/data")  # never the working directory: a host may start servers in /
ENV_DATA_DIRS = "ICP_ASSISTANT_DATA_DIRS"
ENV_WORKSPACE = "ICP_ASSISTANT_WORKSPACE"
ENV_API_KEY = "ANTHROPIC_API_KEY"
ENV_MODEL = "ICP_ASSISTANT_MODEL"
ENV_BASE_URL = "ANTHROPIC_BASE_URL"

Narration = Literal["auto", "sampling", "anthropic", "template"]


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
        ):
            if os.environ.get(env, "").strip():
                values[name] = os.environ[env].strip()
        values.update({k: v for k, v in overrides.items() if v not in (None, (), [])})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def uses_sampling(self) -> bool:
        """Ask the client's model first (when the client declares sampling)."""
        return self.narrative in ("auto", "sampling")

    def fallback_writer(self) -> AnthropicWriter | TemplateWriter:
        """The writer used when sampling is not used: the Anthropic API when a key is configured, else templates."""
        if self.narrative == "template":
            return TemplateWriter("templates (narrative=template)")
        if self.narrative == "sampling":
            return TemplateWriter("templates (narrative=sampling, and the client offers no sampling)")
        if not self.anthropic_api_key:
            return TemplateWriter() if self.narrative == "auto" else TemplateWriter(f"templates (no {ENV_API_KEY} set)")
        return AnthropicWriter(api_key=self.anthropic_api_key, model=self.model, base_url=self.anthropic_base_url)

    def allowed_roots(self, client_roots: tuple[Path, ...] = ()) -> tuple[Path, ...]:
        roots = [*self.data_dirs, self.workspace]
        if self.use_client_roots:
            roots += [r for r in client_roots if r not in roots]
        return tuple(roots)
