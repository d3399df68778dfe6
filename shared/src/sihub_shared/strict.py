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
- `CountryCode`, `RegionCode`: the assigned ISO 3166-1 alpha-2 and ISO 3166-2 codes (pycountry's),
  stated as enums once, in `components/schemas` (`component`), and refused otherwise. Whether a
  region lies in its country is a rule across fields, checked by the service.
- `LanguageTag`, `WebAddress`: the shapes of BCP 47 tags and http(s) URLs, in the schema.
- `Distinct[X]`: a list that refuses repeats (`uniqueItems` in the schema); the service refuses
  them naming the repeated item.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any, TypeVar

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, GetJsonSchemaHandler, Strict, StringConstraints
from pydantic.json_schema import JsonSchemaValue, WithJsonSchema
from pydantic_core import CoreSchema

STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)


class StrictBody(BaseModel):
    """Base of every request body. SQLModel bodies list it after their SQLModel base."""

    model_config = STRICT


T = TypeVar("T")


def _refuse_null(value: T | None) -> T:
    if value is None:
        raise ValueError("may be left out, but not null")
    return value


def drop_null(schema: dict[str, Any]) -> None:
    """Takes the `null` branch out of a schema's `anyOf` (one option left: merged into the schema)."""
    options = [option for option in schema.pop("anyOf", []) if option != {"type": "null"}]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options


def _not_nullable(schema: dict[str, Any]) -> None:
    drop_null(schema)
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
# The host and port (up to the first / ? or #) may not hold what no URI or IRI allows there
# ("<>\^`{|}): a path is percent-encoded on export, a host cannot be.
WEB_ADDRESS_PATTERN = (
    r'^[Hh][Tt][Tt][Pp][Ss]?://[^\s/$.?#\x00-\x1f\x7f"<>\\^`{|}][^\s/?#\x00-\x1f\x7f"<>\\^`{|}]*'
    r"([/?#][^\s\x00-\x1f\x7f]*)?$"
)
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
# true or false: pydantic would otherwise take 0, 1, "yes" or "off" as a boolean, which the schema
# (`type: boolean`) does not allow. Importers turn their own text ("true" in a CSV cell) into one.
Flag = Annotated[bool, Strict()]
Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
# What is stripped of surrounding whitespace and then must not be empty (names, titles): the
# schema says "not blank" itself, so that "   " is not a request only the code refuses.
FilledLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=FILLED_LINE_PATTERN)]
FilledText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=FILLED_TEXT_PATTERN)]

# A schema stated once in `components/schemas` and referenced wherever its type is used (the ISO
# code lists are thousands of values): pydantic writes it inline with this key naming the
# component, and `hoist_components` (run on every OpenAPI and AsyncAPI document) replaces it by
# a `$ref`. A service may state a component it alone knows the values of (the gateway's event types).
COMPONENT_KEY = "x-sihub-component"
COMPONENTS: dict[str, dict[str, Any]] = {}
_COMPONENT_REF = "#/components/schemas/"


def component(name: str, schema: dict[str, Any]) -> WithJsonSchema:
    """The JSON schema of a type, as `components/schemas/<name>` referenced by every use."""
    if COMPONENTS.setdefault(name, schema) != schema:
        raise ValueError(f"component {name!r} is declared twice, differently")
    return WithJsonSchema({**schema, COMPONENT_KEY: name})


def hoist_components(document: dict[str, Any]) -> dict[str, Any]:
    """Every schema marked by `component` replaced by a `$ref` (what pydantic added to it at a use,
    a field's title or description, stays beside the `$ref`), and the components it uses added."""
    used: set[str] = set()

    def hoist(node: Any) -> Any:
        if isinstance(node, list):
            return [hoist(item) for item in node]
        if not isinstance(node, dict):
            return node
        if COMPONENT_KEY in node:
            name = node[COMPONENT_KEY]
            used.add(name)
            own = COMPONENTS[name]
            return {"$ref": _COMPONENT_REF + name,
                    **{key: value for key, value in node.items() if key != COMPONENT_KEY and own.get(key) != value}}
        return {key: hoist(value) for key, value in node.items()}

    hoisted = hoist(document)
    # A component may refer to others (a geography is a country or a region).
    pending = set(used)
    while pending:
        text = json.dumps(COMPONENTS[pending.pop()])
        referred = {name for name in COMPONENTS if f'"{_COMPONENT_REF}{name}"' in text} - used
        used |= referred
        pending |= referred
    schemas = hoisted.setdefault("components", {}).setdefault("schemas", {})
    schemas.update({name: COMPONENTS[name] for name in used})
    hoisted["components"]["schemas"] = dict(sorted(schemas.items()))
    return hoisted


def _assigned(codes: Iterable[str], what: str) -> AfterValidator:
    assigned = frozenset(codes)

    def check(code: str) -> str:
        if code not in assigned:
            raise ValueError(f"{code!r} is not an assigned {what} code")
        return code

    return AfterValidator(check)


COUNTRY_CODES = sorted(country.alpha_2 for country in pycountry.countries)
REGION_CODES = sorted(subdivision.code for subdivision in pycountry.subdivisions)
CountryCode = Annotated[
    str, StringConstraints(pattern=COUNTRY_PATTERN), _assigned(COUNTRY_CODES, "ISO 3166-1 alpha-2"),
    component("CountryCode", {"type": "string", "enum": COUNTRY_CODES, "title": "CountryCode",
                              "description": "an assigned ISO 3166-1 alpha-2 country code, e.g. KR"}),
]
RegionCode = Annotated[
    str, StringConstraints(pattern=REGION_PATTERN), _assigned(REGION_CODES, "ISO 3166-2"),
    component("RegionCode", {"type": "string", "enum": REGION_CODES, "title": "RegionCode",
                             "description": "an assigned ISO 3166-2 subdivision code, e.g. KR-26"}),
]
LanguageTag = Annotated[str, StringConstraints(pattern=LANGUAGE_TAG_PATTERN)]
WebAddress = Annotated[str, StringConstraints(pattern=WEB_ADDRESS_PATTERN)]
# Where a country or one of its regions is meant (indicators' geographies).
GeographyCode = Annotated[
    str, _assigned([*COUNTRY_CODES, *REGION_CODES], "ISO 3166-1 alpha-2 or ISO 3166-2"),
    component("GeographyCode", {"anyOf": [{"$ref": _COMPONENT_REF + "CountryCode"}, {"$ref": _COMPONENT_REF + "RegionCode"}],
                                "title": "GeographyCode", "description": "a country (KR) or one of its regions (KR-26)"}),
]

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


class _UniqueItems:
    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {**handler(core_schema), "uniqueItems": True}


# The service refuses a repeat naming the repeated item (`issue_areas[2]`); the schema says it.
Distinct = Annotated[list[T], _UniqueItems()]
