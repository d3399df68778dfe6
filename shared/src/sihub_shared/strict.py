"""Strict input: what a caller sends is taken as written or refused naming the field, never
silently dropped, turned into null, or handed to the database to fail there.

- `StrictBody` (or `STRICT` for a model that cannot inherit it) is the base of every request
  body: unknown fields, NaN and ±Infinity are 422s naming the field.
- `Line` (one line: no control character) and `Text` (tab and line breaks allowed) are the text
  types of every body field and text query parameter. NUL is refused by PostgreSQL's text type
  and other control characters hide in logs and CSV exports. They are patterns rather than
  validators so that the OpenAPI document says it; lone surrogates (`"\\ud800"` in JSON, not
  encodable as UTF-8) fail the same check.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)


class StrictBody(BaseModel):
    """Base of every request body. SQLModel bodies list it after their SQLModel base."""

    model_config = STRICT


LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

Line = Annotated[str, StringConstraints(pattern=LINE_PATTERN)]
Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]

# The errors name the rule rather than repeat the regular expression.
PATTERN_MESSAGES = {
    LINE_PATTERN: "control characters (U+0000-U+001F, U+007F) are not allowed",
    TEXT_PATTERN: "control characters other than tab and line breaks are not allowed",
}
