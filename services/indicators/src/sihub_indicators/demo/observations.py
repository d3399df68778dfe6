"""The demo observations: the five countries, all 17 Korean regions and a few Japanese, Thai,
Chinese and Singaporean ones, 2019–2023.

Only the figures in `PUBLISHED` are real, each with its source and year on the row; everything else
is made up (drawn, reproducibly, within each indicator's typical range) and marked illustrative.
Some rows are left out on purpose, so that coverage has gaps to show and the missing-data rule
withholds some theme scores.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

from sihub_indicators.demo.themes import DEMO_INDICATORS, DemoIndicator
from sihub_indicators.geography import resolve
from sihub_indicators.units import effective_bounds

YEARS = tuple(range(2019, 2024))
COUNTRIES = ("CN", "JP", "KR", "SG", "TH")
REGIONS = {
    "KR": ("KR-11", "KR-26", "KR-27", "KR-28", "KR-29", "KR-30", "KR-31", "KR-41", "KR-42", "KR-43", "KR-44",
           "KR-45", "KR-46", "KR-47", "KR-48", "KR-49", "KR-50"),
    "JP": ("JP-01", "JP-13", "JP-27", "JP-40"),  # Hokkaido, Tokyo, Osaka, Fukuoka
    "TH": ("TH-10", "TH-40", "TH-50", "TH-90"),  # Bangkok, Khon Kaen, Chiang Mai, Songkhla
    "CN": ("CN-BJ", "CN-GD", "CN-SC", "CN-SH"),  # Beijing, Guangdong, Sichuan, Shanghai
    "SG": ("SG-01", "SG-02", "SG-03", "SG-04", "SG-05"),  # the five Community Development Councils
}
# Outside Korea the demo has regional figures for the first two indicators of each theme only.
INDICATORS_PER_THEME_ABROAD = 2
MISSING_SHARE = 0.03  # rows left out at random: gaps, and some withheld theme scores

_KOSTAT = "Statistics Korea (KOSTAT), Birth Statistics {year} (final results)"
_MHLW = "Ministry of Health, Labour and Welfare of Japan, Vital Statistics {year}"
_SINGSTAT = "Singapore Department of Statistics, Population Trends {year}: resident total fertility rate"
# Real published figures: (indicator, geography, year, value, source).
PUBLISHED: tuple[tuple[str, str, int, float, str], ...] = tuple(
    ("total_fertility_rate", geography, year, value, source.format(year=year))
    for geography, source, values in (
        ("KR", _KOSTAT, (0.92, 0.84, 0.81, 0.78, 0.72)),
        ("JP", _MHLW, (1.36, 1.33, 1.30, 1.26, 1.20)),
        ("SG", _SINGSTAT, (1.14, 1.10, 1.12, 1.04, 0.97)),
    )
    for year, value in zip(YEARS, values, strict=True)
)


@dataclass(frozen=True, slots=True)
class DemoObservation:
    indicator: str
    geography: str
    period: str
    value: float
    source: str | None
    illustrative: bool


def _drawn(indicator: DemoIndicator, country: str, geography: str, year: int) -> float:
    """A made-up value: the country's place in the typical range, the region's offset, a trend."""
    low, high = indicator.typical
    span = high - low
    country_draw = random.Random(f"{indicator.code}:{country}")
    position, trend = country_draw.uniform(0.15, 0.85), country_draw.uniform(-0.04, 0.04)
    if geography != country:
        position += random.Random(f"{indicator.code}:{geography}").uniform(-0.2, 0.2)
    noise = random.Random(f"{indicator.code}:{geography}:{year}").uniform(-0.015, 0.015)
    value = low + span * (position + noise) + span * trend * (year - YEARS[0])
    minimum, maximum = effective_bounds(indicator.unit, None, None)
    digits = 3 if span < 2 else 2
    return round(min(max(value, minimum), maximum), digits)


def _abroad(indicator: DemoIndicator) -> bool:
    same_theme = [i.code for i in DEMO_INDICATORS if i.theme == indicator.theme]
    return same_theme.index(indicator.code) < INDICATORS_PER_THEME_ABROAD


def demo_observations() -> list[DemoObservation]:
    published = {(code, geography, str(year)): (value, source) for code, geography, year, value, source in PUBLISHED}
    rows = []
    for country in COUNTRIES:
        for geography in (country, *REGIONS[country]):
            for indicator in DEMO_INDICATORS:
                if geography != country and not (indicator.regional and (country == "KR" or _abroad(indicator))):
                    continue
                for year in YEARS:
                    key = (indicator.code, geography, str(year))
                    if key in published:
                        value, source = published[key]
                        rows.append(DemoObservation(*key, value, source, illustrative=False))
                    elif random.Random(":".join(key)).random() >= MISSING_SHARE:
                        rows.append(DemoObservation(*key, _drawn(indicator, country, geography, year), None, True))
    return rows


def demo_csv_files() -> dict[str, str]:
    """The observations as one CSV file per comparison set (each well under the gateway's body limit)."""
    by_set: dict[str, list[DemoObservation]] = {}
    for row in demo_observations():
        by_set.setdefault(resolve(row.geography).comparison_set, []).append(row)
    files = {}
    for comparison_set, rows in sorted(by_set.items()):
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["indicator", "geography", "period", "value", "source", "illustrative"])
        writer.writerows([row.indicator, row.geography, row.period, row.value, row.source or "",
                          "true" if row.illustrative else "false"] for row in rows)
        files[comparison_set] = text.getvalue()
    return files
