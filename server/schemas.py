"""What the client reads about the tools: compact JSON schemas, and argument errors in plain sentences.

Pydantic's schemas carry a ``title`` on every model and property ("Top Share" for ``top_share``) and spell an
optional value as ``anyOf: [{type: X}, {type: null}]``; an LLM reads the property name and its description, so
:func:`compact_schema` drops the titles, writes ``type: [X, "null"]``, and drops annotations that cannot matter
(``default: null`` on an optional argument; every ``default`` of an output, which the server always fills).
Validation is unchanged: the same documents pass and fail.

Pydantic's ``ValidationError`` text is written for programmers (``Input should be greater than or equal to 2
[type=greater_than_equal, input_value=1, input_type=int] For further information visit https://errors...``);
:func:`argument_errors` says the same as one sentence per bad argument: "`min_size` must be at least 2; got 1."
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
SCHEMA_VALUES = ("items", "additionalProperties", "not", "contains")
SIMPLE_TYPES = {"string", "number", "integer", "boolean", "array", "object"}


def compact_schema(schema: Mapping[str, Any], *, output: bool = False) -> dict[str, Any]:
    """``schema`` without pydantic titles and redundant annotations (see the module docstring)."""
    return _compact(schema, output)


def _compact(node: Mapping[str, Any], output: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "default" and (output or value is None):
            continue
        if key in ("properties", "$defs", "definitions", "patternProperties") and isinstance(value, Mapping):
            out[key] = {name: _compact(sub, output) for name, sub in value.items()}  # names stay, even 'title'
        elif key in SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_compact(sub, output) if isinstance(sub, Mapping) else sub for sub in value]
        elif key in SCHEMA_VALUES and isinstance(value, Mapping):
            out[key] = _compact(value, output)
        else:
            out[key] = value
    return _nullable(out)


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    """``anyOf: [{type: X}, {type: null}]`` -> ``type: [X, "null"]`` when X is a bare simple type."""
    options = node.get("anyOf")
    if not isinstance(options, list) or len(options) != 2 or {"type": "null"} not in options:
        return node
    other = options[0] if options[1] == {"type": "null"} else options[1]
    if set(other) != {"type"} or other["type"] not in SIMPLE_TYPES or "type" in node:
        return node
    rest = {k: v for k, v in node.items() if k != "anyOf"}
    return {"type": [other["type"], "null"], **rest}


def schema_size(schemas: Iterable[Mapping[str, Any]]) -> int:
    """Characters of the schemas as sent (compact JSON)."""
    return sum(len(json.dumps(s, separators=(",", ":"), ensure_ascii=False)) for s in schemas)


# ---------------------------------------------------------------------------------------------------------------
# argument errors

EXPECTED = {
    "missing": "is required",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be an object (a mapping of names to values)",
    "model_type": "must be an object (a mapping of names to values)",
    "model_attributes_type": "must be an object (a mapping of names to values)",
    "extra_forbidden": "is not an accepted field",
    "none_required": "must be left out",
}
BOUNDS = {
    "greater_than_equal": ("must be at least", "ge"),
    "greater_than": ("must be greater than", "gt"),
    "less_than_equal": ("must be at most", "le"),
    "less_than": ("must be less than", "lt"),
    "too_short": ("must have at least {min_length} {item}", None),
    "too_long": ("must have at most {max_length} {item}", None),
    "string_too_short": ("must be at least {min_length} {character} long", None),
    "string_too_long": ("must be at most {max_length} {character} long", None),
}
MAX_VALUE_CHARS = 80


def argument_errors(tool: str, error: ValidationError) -> str:
    """One sentence per bad argument, e.g. "`min_size` must be at least 2; got 1." (no pydantic boilerplate)."""
    sentences: list[str] = []
    for detail in _distinct(error.errors()):
        sentence = _sentence(detail)
        if sentence not in sentences:
            sentences.append(sentence)
    head = f"Invalid arguments for {tool}: " if len(sentences) > 1 else f"Invalid argument for {tool}: "
    return head + " ".join(sentences) + " Fix the argument(s) and call the tool again."


def _distinct(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Pydantic reports a union once per member ('int', 'null'...): keep one error per location, the most telling."""
    by_location: dict[tuple[Any, ...], ErrorDetails] = {}
    for detail in errors:
        location = tuple(part for part in detail["loc"] if not _is_union_member(part))
        kept = by_location.get(location)
        if kept is None or (kept["type"] in EXPECTED and detail["type"] not in EXPECTED):
            by_location[location] = {**detail, "loc": location}
    return list(by_location.values())


def _is_union_member(part: Any) -> bool:
    """'int', 'list[str]', 'function-after[...]': the names pydantic adds to a location for a union's members."""
    return isinstance(part, str) and (part in ("int", "float", "str", "bool", "none", "null") or "[" in part)


def _sentence(detail: ErrorDetails) -> str:
    name = _location(detail["loc"])
    kind = detail["type"]
    context = detail.get("ctx") or {}
    if kind == "missing":
        return f"`{name}` is required."
    if kind in BOUNDS:
        words, key = BOUNDS[kind]
        expected = f"{words} {_value(context[key])}" if key else words.format(**context, **_nouns(context))
    elif kind == "literal_error":
        expected = f"must be one of {context.get('expected', '')}"
    elif kind in EXPECTED:
        expected = EXPECTED[kind]
    else:
        message = detail["msg"]
        expected = (
            "must be " + message[len("Input should be ") :] if message.startswith("Input should be ") else message
        )
    return f"`{name}` {expected}; got {_value(detail.get('input'))}."


def _nouns(context: dict[str, Any]) -> dict[str, str]:
    """'item' / 'character' agreeing with the length bound in ``context`` (1 item, 100 characters)."""
    one = (context.get("min_length") or context.get("max_length")) == 1
    return {"item": "item" if one else "items", "character": "character" if one else "characters"}


def _location(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "arguments"


def _value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a bound written 1.0 by pydantic was 1 in the signature
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."
