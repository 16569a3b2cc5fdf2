"""Errors the engine raises on purpose.

Every error a user can cause is a subclass of :class:`IcpError` and carries a message that names
the bad value and says what to do. The MCP adapter turns these, and only these, into tool errors
the model can read; anything else is a bug.

    IcpError
    ├── InputFileError          a file that cannot be used
    │   ├── FileNotAllowedError     outside the allowed folders
    │   ├── FileMissingError        does not exist / is a folder
    │   ├── FileTooLargeError       above the configured size limit
    │   ├── UnreadableFileError     unknown format, bad encoding, corrupt workbook
    │   └── EmptyFileError          no bytes, or a header and no rows
    ├── ColumnError             a column or field named by the caller does not exist
    ├── OptionError             an argument value that cannot be used (lists the valid ones)
    ├── NotFoundError           a named dataset / segmentation / ICP version does not exist
    └── InsufficientDataError   the data cannot support the analysis asked for
"""

from __future__ import annotations

from collections.abc import Iterable


class IcpError(Exception):
    """Base class: a problem with the user's input, explained in the message."""


class InputFileError(IcpError):
    """A file that cannot be used."""


class FileNotAllowedError(InputFileError):
    """The path resolves outside every allowed folder."""


class FileMissingError(InputFileError):
    """The path does not exist or is not a regular file."""


class FileTooLargeError(InputFileError):
    """The file is larger than the configured limit."""


class UnreadableFileError(InputFileError):
    """The file exists but its format or encoding cannot be read."""


class EmptyFileError(InputFileError):
    """The file has no data rows."""


class ColumnError(IcpError):
    """A column or canonical field named by the caller does not exist."""


class OptionError(IcpError):
    """An argument value that cannot be used."""


class NotFoundError(IcpError):
    """A named object (dataset, segmentation, ICP version) does not exist."""


class InsufficientDataError(IcpError):
    """The data is too small or lacks the fields an analysis needs."""


def listing(values: Iterable[object], limit: int = 30) -> str:
    """Render valid choices for an error message: ``a, b, c`` (capped, with a count of the rest)."""
    items = [str(v) for v in values]
    if not items:
        return "(none)"
    shown = ", ".join(items[:limit])
    rest = len(items) - limit
    return f"{shown} (and {rest} more)" if rest > 0 else shown
