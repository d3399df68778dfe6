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


def _months(period: str) -> tuple[int, int]:
    """The first and last month of a period, counted from year 0 (a month is its own both)."""
    year = int(period[:4])
    if len(period) == 4:
        return year * 12, year * 12 + 11
    if period[5] == "Q":
        first = year * 12 + (int(period[6]) - 1) * 3
        return first, first + 2
    month = year * 12 + int(period[5:7]) - 1
    return month, month


def _period_of(frequency: Frequency, months: int) -> str:
    year, month = divmod(months, 12)
    if frequency is Frequency.ANNUAL:
        return f"{year:04d}"
    if frequency is Frequency.QUARTERLY:
        return f"{year:04d}-Q{month // 3 + 1}"
    return f"{year:04d}-{month + 1:02d}"


def bounds_per_frequency(first: str | None, last: str | None) -> dict[Frequency, tuple[str | None, str | None]]:
    """Period bounds of any form as bounds of each frequency's periods: the periods that begin at
    or after `first` begins and end at or before `last` ends. Within one frequency periods sort as
    text; across forms they do not ("2023-Q3" sorts after "2023-12")."""
    bounds: dict[Frequency, tuple[str | None, str | None]] = {}
    for frequency, months in ((Frequency.ANNUAL, 12), (Frequency.QUARTERLY, 3), (Frequency.MONTHLY, 1)):
        low = high = None
        if first is not None:  # the first period of this frequency that begins at or after `first`
            low = _period_of(frequency, -(-_months(first)[0] // months) * months)
        if last is not None:  # the last period of this frequency that ends at or before `last`
            high = _period_of(frequency, ((_months(last)[1] + 1) // months) * months - 1)
        bounds[frequency] = (low, high)
    return bounds
