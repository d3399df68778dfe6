"""Geographies: ISO 3166-1 alpha-2 countries and ISO 3166-2 regions, checked against pycountry.

Codes are kept exactly as ISO writes them (upper case), as the registry does, so that they join
across services without normalisation. Each geography belongs to one comparison set: countries
are compared among themselves (`countries`); a region is compared with its siblings, the
subdivisions of the same country (`regions:KR`) or, where ISO 3166-2 nests subdivisions, of the
same parent subdivision (`regions:GB-ENG`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Literal

import pycountry

from sihub_shared.strict import component

COUNTRIES = "countries"
REGIONS_PREFIX = "regions:"

_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_REGION_CODE = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")
_ALPHA_3 = re.compile(r"[A-Z]{3}")


class GeographyError(ValueError):
    """A geography code that is not one (the message says why)."""


@dataclass(frozen=True, slots=True)
class Geography:
    code: str
    name: str
    country: str
    level: Literal["country", "region"]
    comparison_set: str


def _country_name(country: object) -> str:
    return getattr(country, "common_name", None) or country.name  # type: ignore[attr-defined]


@cache
def _resolve(code: str) -> Geography | str:
    if _COUNTRY_CODE.fullmatch(code):
        country = pycountry.countries.get(alpha_2=code)
        if country is None:
            return f"{code!r} is not an assigned ISO 3166-1 country code"
        return Geography(code, _country_name(country), code, "country", COUNTRIES)
    if _REGION_CODE.fullmatch(code):
        subdivision = pycountry.subdivisions.get(code=code)
        if subdivision is None:
            if pycountry.countries.get(alpha_2=code[:2]) is None:
                return f"{code!r}: {code[:2]!r} is not an assigned ISO 3166-1 country code"
            return f"{code!r} is not an ISO 3166-2 subdivision of {code[:2]}"
        parent = getattr(subdivision, "parent_code", None) or subdivision.country_code
        return Geography(code, subdivision.name, subdivision.country_code, "region", REGIONS_PREFIX + parent)
    if _ALPHA_3.fullmatch(code) and pycountry.countries.get(alpha_3=code) is not None:
        alpha_2 = pycountry.countries.get(alpha_3=code).alpha_2
        return f"{code!r} is an ISO 3166-1 alpha-3 code; write the alpha-2 code {alpha_2!r}"
    return f"{code!r} is neither an ISO 3166-1 alpha-2 country code nor an ISO 3166-2 region code (e.g. 'KR' or 'KR-26')"


def resolve(code: str) -> Geography:
    """The geography a code names, or GeographyError."""
    found = _resolve(code) if isinstance(code, str) else f"{code!r} is not a code"
    if isinstance(found, str):
        raise GeographyError(found)
    return found


def lookup(code: str) -> Geography | str:
    """Like `resolve`, but returns the error message instead of raising (for tight loops)."""
    return _resolve(code)


@cache
def alpha_2(code: str) -> str:
    """An ISO 3166-1 alpha-3 country code as alpha-2; anything else unchanged (SDMX REF_AREA)."""
    if _ALPHA_3.fullmatch(code):
        country = pycountry.countries.get(alpha_3=code)
        if country is not None:
            return country.alpha_2
    return code


def members_of(comparison_set: str) -> list[Geography]:
    """Every geography ISO lists in a regions set (the expected ones, for coverage)."""
    if not comparison_set.startswith(REGIONS_PREFIX):
        return []
    parent = comparison_set.removeprefix(REGIONS_PREFIX)
    subdivisions = pycountry.subdivisions.get(country_code=parent[:2]) or []
    members = [resolve(s.code) for s in subdivisions]
    return sorted((g for g in members if g.comparison_set == comparison_set), key=lambda g: g.code)


# Every set ISO 3166-2 gives members, stated in the schema; `validate_comparison_set` refuses the rest.
COMPARISON_SETS = [COUNTRIES, *sorted({g.comparison_set for s in pycountry.subdivisions
                                       if isinstance(g := _resolve(s.code), Geography)})]
ComparisonSet = Annotated[str, component("ComparisonSet", {
    "type": "string", "enum": COMPARISON_SETS, "title": "ComparisonSet",
    "description": "`countries`, or `regions:<country or parent subdivision>` (e.g. regions:KR)"})]


def validate_comparison_set(value: str, field: str = "comparison_set") -> str:
    """`countries` or `regions:<country or parent subdivision>`; raises GeographyError."""
    if value == COUNTRIES:
        return value
    if value.startswith(REGIONS_PREFIX):
        parent = value.removeprefix(REGIONS_PREFIX)
        try:
            resolve(parent)
        except GeographyError as exc:
            raise GeographyError(f"{field}: {exc}") from None
        if members_of(value):
            return value
        raise GeographyError(f"{field}: ISO 3166-2 lists no subdivisions under {parent}")
    raise GeographyError(f"{field}: {value!r} is not 'countries' or 'regions:<code>' (e.g. 'regions:KR')")
