"""The product profile: what the user sells, said once per workspace and used in every message draft.

    <workspace>/profile/product.json

Every field is optional: a draft keeps a [placeholder] for what the user has not said (``[your product]``,
``[category]``, ``[the outcome you deliver]``). The values are the user's words, so they are data, never
instructions: each is trimmed to one line (runs of whitespace, line breaks included, become one space, so a value
can never start a Markdown block of its own), capped in length, and escaped wherever a document shows it
(:mod:`.markup`). The file is written atomically; an update merges under the workspace lock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from icp_assistant.tools.core.errors import OptionError

from .workspace import PROFILE, Workspace, read_json, write_json

FILE = "product.json"
SHORT, LINE = 100, 300  # characters: a name, a sentence
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

PRODUCT, CATEGORY, OUTCOME, SIGNATURE = "[your product]", "[category]", "[the outcome you deliver]", "[signature]"
FILLS: dict[str, tuple[str, ...]] = {  # the placeholders of a draft each field replaces (persona-free wording)
    "product": (PRODUCT,),
    "category": (CATEGORY,),
    "outcome": (
        OUTCOME,
        "[outcome]",
        "[get the outcome you deliver]",
        "[One line on the outcome you deliver.]",
        "[The outcome your product delivers: fill in from customer interviews.]",
    ),
    "company": (SIGNATURE,),
}

Short = Annotated[str, Field(max_length=SHORT)]
Line = Annotated[str, Field(max_length=LINE)]


def one_line(value: str) -> str:
    """The text on one line: control characters and runs of whitespace become single spaces, ends trimmed."""
    return " ".join(CONTROL.sub(" ", value).split())


def _clean(value: Any) -> Any:
    """'' and blank text -> None; a list keeps its non-blank items (none -> None); text on one line."""
    if isinstance(value, str):
        return one_line(value) or None
    if isinstance(value, list | tuple):
        items = [one_line(v) if isinstance(v, str) else v for v in value]
        kept = [v for v in items if v not in ("", None)]
        return kept or None
    return value


class ProductProfile(BaseModel):
    """What the user sells, in their words: used in every messaging draft instead of [placeholders]."""

    model_config = ConfigDict(extra="forbid")

    company: Short | None = Field(None, description="Your company, e.g. 'Northwind Software'")
    product: Short | None = Field(None, description="The product's name, e.g. 'Ledgerly'")
    category: Short | None = Field(None, description="What kind of product it is, e.g. 'close-management platform'")
    outcome: Line | None = Field(
        None,
        description="What the customer gets, written to follow 'Ledgerly is the <category> that ...', "
        "e.g. 'closes the books in days, not weeks'",
    )
    proof_points: list[Line] | None = Field(
        None, max_length=8, description="Your own proof points (case studies, results), one sentence each"
    )
    differentiators: list[Line] | None = Field(None, max_length=5, description="What sets the product apart")
    competitors: list[Short] | None = Field(None, max_length=10, description="Competitors buyers compare you with")
    tone: Short | None = Field(None, description="The voice of the drafts, e.g. 'plain, warm, no hype'")

    @model_validator(mode="before")
    @classmethod
    def _one_line_values(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {key: _clean(value) for key, value in data.items()}
        return data

    def said(self) -> list[str]:
        """The fields the user has said, in declaration order."""
        return [name for name in type(self).model_fields if getattr(self, name) is not None]

    def facts(self) -> dict[str, Any]:
        """The said fields, JSON-able (what a draft and an LLM get)."""
        return self.model_dump(exclude_none=True)

    def empty(self) -> bool:
        return not self.said()


class ProfileChanges(ProductProfile):
    """Fields to set in the product profile: left out, kept; null or '', cleared. An unknown field is named in the
    error with the known ones (checked by :func:`update_profile`, not by the schema)."""

    model_config = ConfigDict(extra="allow")


class ProfileUpdate(BaseModel):
    """The product profile after an update: what changed and which draft placeholders it now fills."""

    profile: ProductProfile
    changed: list[str] = Field(description="Fields this call set or cleared")
    fills: list[str] = Field(description="Draft placeholders the profile now fills")
    still_open: list[str] = Field(description="Placeholders that stay until their field is set (field: placeholder)")
    path: str = Field(description="The profile file in the workspace")


def profile_path(workspace: Workspace) -> Path:
    return workspace.path(PROFILE, FILE)


def _validated(data: Mapping[str, Any]) -> ProductProfile:
    try:
        return ProductProfile.model_validate(dict(data))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'profile'}: {e['msg']} (got {str(e.get('input'))[:60]!r})"
            for e in error.errors()
        )
        known = ", ".join(ProductProfile.model_fields)
        raise OptionError(
            f"The product profile cannot take these values: {problems}. Fields are: {known}; names up to {SHORT} "
            f"characters, sentences up to {LINE}."
        ) from error


def read_profile(workspace: Workspace) -> ProductProfile:
    """The workspace's product profile; an empty one when the user has not set it."""
    path = profile_path(workspace)
    if not path.exists():
        return ProductProfile()
    try:
        data = read_json(path)
    except (OSError, ValueError) as error:
        raise OptionError(
            f"The product profile file {path} cannot be read ({type(error).__name__}). Set the profile again with "
            "set_product_profile: it replaces the file."
        ) from error
    if not isinstance(data, Mapping):
        raise OptionError(f"The product profile file {path} does not hold an object. Set it again with "
                          "set_product_profile: it replaces the file.")  # fmt: skip
    return _validated(data)


def write_profile(workspace: Workspace, profile: ProductProfile) -> ProductProfile:
    """Save ``profile`` whole (atomically: a reader sees the old file or the new one) and return it."""
    checked = _validated(profile.model_dump(exclude_none=True))
    write_json(profile_path(workspace), checked.model_dump(mode="json", exclude_none=True))
    return checked


def _current(workspace: Workspace) -> ProductProfile:
    """The saved profile, or an empty one when the file is unreadable (an update replaces it)."""
    try:
        return read_profile(workspace)
    except OptionError:
        return ProductProfile()


def update_profile(workspace: Workspace, changes: ProductProfile | Mapping[str, Any]) -> ProfileUpdate:
    """Merge ``changes`` into the saved profile: a field given sets it, a field given as None (or '' / []) clears
    it, a field not given stays. A :class:`ProductProfile` counts the fields that were passed to it, nulls too."""
    if isinstance(changes, ProductProfile):
        given = {name: getattr(changes, name) for name in changes.model_fields_set} | dict(changes.model_extra or {})
    else:
        given = dict(changes)
    unknown = sorted(set(given) - set(ProductProfile.model_fields))
    if unknown:
        raise OptionError(f"The product profile has no field {', '.join(map(repr, unknown))}. Fields are: "
                          f"{', '.join(ProductProfile.model_fields)}.")  # fmt: skip
    with workspace.lock(PROFILE, "product"):
        before = _current(workspace)
        merged = _validated({**before.model_dump(exclude_none=True), **given})
        saved = write_profile(workspace, merged)
    changed = [name for name in ProductProfile.model_fields if getattr(before, name) != getattr(saved, name)]
    return ProfileUpdate(
        profile=saved, changed=changed, fills=fills(saved), still_open=still_open(saved),
        path=str(profile_path(workspace)),
    )  # fmt: skip


def fills(profile: ProductProfile) -> list[str]:
    """The draft placeholders ``profile`` replaces."""
    return [p for name, placeholders in FILLS.items() if getattr(profile, name) for p in placeholders]


def still_open(profile: ProductProfile) -> list[str]:
    """'field: placeholder' for each placeholder that stays until its field is set."""
    return [f"{name}: {placeholders[0]}" for name, placeholders in FILLS.items() if not getattr(profile, name)]
