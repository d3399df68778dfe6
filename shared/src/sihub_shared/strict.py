"""Strict input: what a caller sends is taken as written or refused naming the field, never
silently dropped, turned into null, or handed to the database to fail there.

- `StrictBody` (or `STRICT` for a model that cannot inherit it) is the base of every request
  body: unknown fields, NaN and ±Infinity are 422s naming the field.
- `Line` (one line: no control character) and `Text` (tab and line breaks allowed) are the text
  types of every body field and of text in query and path; `FilledLine`/`FilledText` are also
  stripped and must not be blank. NUL is refused by PostgreSQL's text type and other control
  characters hide in logs and CSV exports. They are patterns rather than validators so that the
  OpenAPI document says it; lone surrogates (`"\\ud800"` in JSON, not encodable as UTF-8) fail
  the same check.
- `Omittable[X]`: a field of a partial update that may be left out but not sent as null (a
  value the record cannot be without). The schema says it: the field is not nullable there.
- `CountryCode`, `RegionCode`, `LanguageTag`, `WebAddress`: the shapes of ISO 3166-1/3166-2
  codes, BCP 47 tags and http(s) URLs, in the schema. Whether a code is assigned (and a region
  lies in its country) is checked by the service against pycountry, naming the field.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)


class StrictBody(BaseModel):
    """Base of every request body. SQLModel bodies list it after their SQLModel base."""

    model_config = STRICT


T = TypeVar("T")


def _refuse_null(value: T | None) -> T:
    if value is None:
        raise ValueError("may be left out, but not null")
    return value


def _not_nullable(schema: dict[str, Any]) -> None:
    options = [option for option in schema.pop("anyOf", []) if option != {"type": "null"}]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options
    schema.pop("default", None)


# A default (left out) is never validated, so only an explicit null meets the validator.
Omittable = Annotated[T | None, AfterValidator(_refuse_null), Field(json_schema_extra=_not_nullable)]


LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# Not blank: at least one character that is neither a control character nor whitespace as
# Python's str.strip() sees it (listed, because regular-expression dialects disagree on \s).
_VISIBLE = r"[^\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
FILLED_LINE_PATTERN = rf"^[^\x00-\x1f\x7f]*{_VISIBLE}[^\x00-\x1f\x7f]*$"
FILLED_TEXT_PATTERN = rf"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*{_VISIBLE}[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
REGION_PATTERN = r"^[A-Z]{2}-[A-Z0-9]{1,3}$"
WEB_ADDRESS_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/$.?#\x00-\x1f\x7f][^\s\x00-\x1f\x7f]*$"
# RFC 5646: language (with extlangs), script, region, variants, extensions, private use, in any
# case (services store the canonical one); irregular grandfathered tags are not accepted.
LANGUAGE_TAG_PATTERN = (
    r"^[A-Za-z]{2,3}(-[A-Za-z]{3}){0,3}"
    r"(-[A-Za-z]{4})?"
    r"(-([A-Za-z]{2}|[0-9]{3}))?"
    r"(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
    r"(-[A-WYZa-wyz0-9](-[A-Za-z0-9]{2,8})+)*"
    r"(-[Xx](-[A-Za-z0-9]{1,8})+)?$"
)

Line = Annotated[str, StringConstraints(pattern=LINE_PATTERN)]
Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
# What is stripped of surrounding whitespace and then must not be empty (names, titles): the
# schema says "not blank" itself, so that "   " is not a request only the code refuses.
FilledLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=FILLED_LINE_PATTERN)]
FilledText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=FILLED_TEXT_PATTERN)]
CountryCode = Annotated[str, StringConstraints(pattern=COUNTRY_PATTERN)]
RegionCode = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]
LanguageTag = Annotated[str, StringConstraints(pattern=LANGUAGE_TAG_PATTERN)]
WebAddress = Annotated[str, StringConstraints(pattern=WEB_ADDRESS_PATTERN)]

# The errors name the rule rather than repeat the regular expression.
PATTERN_MESSAGES = {
    LINE_PATTERN: "control characters (U+0000-U+001F, U+007F) are not allowed",
    TEXT_PATTERN: "control characters other than tab and line breaks are not allowed",
    FILLED_LINE_PATTERN: "must not be blank, and control characters (U+0000-U+001F, U+007F) are not allowed",
    FILLED_TEXT_PATTERN: "must not be blank, and control characters other than tab and line breaks are not allowed",
    COUNTRY_PATTERN: "not an ISO 3166-1 alpha-2 code (two upper-case letters, e.g. KR)",
    REGION_PATTERN: "not an ISO 3166-2 code such as 'KR-26'",
    LANGUAGE_TAG_PATTERN: "not a BCP 47 language tag such as 'ko' or 'zh-Hans'",
    WEB_ADDRESS_PATTERN: "not an http(s) URL",
}
