"""Periods: a year "2023", a quarter "2023-Q2" or a month "2023-05" (ISO 8601 style)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints

MIN_YEAR, MAX_YEAR = 1900, 2100


class Frequency(StrEnum):
    ANNUAL = "annual"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"


# ASCII digits only (`\d` would take "２０２３" too, which the schema cannot say).
_PATTERNS = (
    (Frequency.ANNUAL, re.compile(r"([0-9]{4})")),
    (Frequency.QUARTERLY, re.compile(r"([0-9]{4})-Q[1-4]")),
    (Frequency.MONTHLY, re.compile(r"([0-9]{4})-(?:0[1-9]|1[0-2])")),
)
# What `frequency_of` accepts (years MIN_YEAR–MAX_YEAR), for the schema of a period a caller names.
PERIOD_PATTERN = r"^(19[0-9]{2}|20[0-9]{2}|2100)(-Q[1-4]|-0[1-9]|-1[0-2])?$"
Period = Annotated[str, StringConstraints(pattern=PERIOD_PATTERN)]
# SDMX reporting periods: 2023-A1, 2023-S1 is not taken (no half-year frequency here), 2023-M05.
_SDMX_ANNUAL = re.compile(r"(\d{4})-A1")
_SDMX_MONTH = re.compile(r"(\d{4})-M(0[1-9]|1[0-2])")


class PeriodError(ValueError):
    pass


def frequency_of(period: str) -> Frequency:
    """The frequency of a period, or PeriodError naming the accepted forms."""
    for frequency, pattern in _PATTERNS:
        match = pattern.fullmatch(period)
        if match:
            year = int(match.group(1))
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise PeriodError(f"year {year} is outside {MIN_YEAR}–{MAX_YEAR}")
            return frequency
    raise PeriodError(f"{period!r} is not a period: write a year '2023', a quarter '2023-Q2' or a month '2023-05'")


def from_sdmx(period: str) -> str:
    """SDMX TIME_PERIOD values as sihub periods: 2023-A1 → 2023, 2023-M05 → 2023-05."""
    if match := _SDMX_ANNUAL.fullmatch(period):
        return match.group(1)
    if match := _SDMX_MONTH.fullmatch(period):
        return f"{match.group(1)}-{match.group(2)}"
    return period
