"""Countries (ISO 3166-1 alpha-2) and regions (ISO 3166-2), checked against pycountry's data.

Codes are taken exactly as ISO writes them (upper case) so that stored codes join across services
without normalisation; the validators return display names.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_REGION_CODE = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")


class FieldError(ValueError):
    """A validation failure that names the offending field (mapped to problem+json `errors`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# pycountry's look-ups, and the attributes of its records, are slow for a bulk import that
# checks every row's place: what the checks need is kept per code.
@lru_cache(maxsize=512)
def _country_name(code: str) -> str | None:
    country = pycountry.countries.get(alpha_2=code)
    return None if country is None else getattr(country, "common_name", None) or country.name


@lru_cache(maxsize=8192)
def _subdivision(code: str) -> tuple[str, str] | None:
    """(country code, name) of an ISO 3166-2 subdivision, None if there is none."""
    subdivision = pycountry.subdivisions.get(code=code)
    return None if subdivision is None else (subdivision.country_code, subdivision.name)


def validate_country(code: str, field: str = "country") -> str:
    """The display name of an ISO 3166-1 alpha-2 country code, or FieldError."""
    if not isinstance(code, str) or not _COUNTRY_CODE.fullmatch(code):
        raise FieldError(
            field, f"{code!r} is not an ISO 3166-1 alpha-2 code (two upper-case letters)"
        )
    name = _country_name(code)
    if name is None:
        raise FieldError(field, f"{code!r} is not an assigned ISO 3166-1 country code")
    return name


def validate_region(country: str, region: str, field: str = "region") -> str:
    """The display name of an ISO 3166-2 region that belongs to `country`, or FieldError.

    The country is checked first (its own field `country`), then the region under it.
    """
    country_name = validate_country(country)
    if not isinstance(region, str) or not _REGION_CODE.fullmatch(region):
        raise FieldError(field, f"{region!r} is not an ISO 3166-2 code such as 'KR-26'")
    subdivision = _subdivision(region)
    if subdivision is None:
        raise FieldError(field, f"{region!r} is not an ISO 3166-2 subdivision code")
    region_country, name = subdivision
    if region_country != country:
        raise FieldError(
            field,
            f"{region} ({name}) is in {region_country}, not in {country} ({country_name})",
        )
    return name


def regions_of(country: str) -> dict[str, str]:
    """Every ISO 3166-2 code of a country with its display name, in code order."""
    validate_country(country)
    subdivisions = pycountry.subdivisions.get(country_code=country) or []
    return {s.code: s.name for s in sorted(subdivisions, key=lambda s: s.code)}
