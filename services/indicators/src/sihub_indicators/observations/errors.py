from __future__ import annotations

from typing import Any

from sihub_shared.errors import ProblemError, UnprocessableContent


class MalformedFile(ProblemError):
    """The file cannot be read at all (encoding, header, XML syntax): nothing was written."""

    status, title = 400, "Malformed file"

    def __init__(self, message: str, *, field: str = "file", row: int | None = None, line: int | None = None,
                 **extensions: Any) -> None:
        error: dict[str, Any] = {"field": field, "message": message}
        if row is not None:
            error["row"] = row
        if line is not None:
            error["line"] = line
        where = f" (row {row})" if row is not None else f" (line {line})" if line is not None else ""
        super().__init__(f"{field}{where}: {message}; nothing was written", errors=[error], **extensions)


class InvalidRows(UnprocessableContent):
    """Some rows are invalid: the problem lists them (up to a cap); nothing was written."""

    title = "Invalid observations"


def row_error(row: int, field: str, message: str, *, line: int | None = None) -> dict[str, Any]:
    """`row` counts data rows from 1 (the first after a CSV header; the nth SDMX observation), as
    the registry's imports do; `line` is the file line where the reader knows it."""
    error: dict[str, Any] = {"row": row, "field": field, "message": message}
    if line is not None:
        error["line"] = line
    return error
