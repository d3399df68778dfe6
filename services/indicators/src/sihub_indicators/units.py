"""Units of measure, and the bounds a unit implies (a share in percent lies in 0–100).

An indicator may narrow its unit's bounds (`min_value`/`max_value`) but never widen them;
every observation is checked against the indicator's effective bounds at ingest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    PERCENT = "percent"
    PERCENT_CHANGE = "percent_change"
    RATIO_0_1 = "ratio_0_1"
    RATIO = "ratio"
    PER_1000 = "per_1000"
    PER_100000 = "per_100000"
    INDEX_0_100 = "index_0_100"
    YEARS = "years"
    COUNT = "count"
    BIRTHS_PER_WOMAN = "births_per_woman"
    MICROGRAMS_PER_M3 = "micrograms_per_m3"
    TONNES_CO2E_PER_CAPITA = "tonnes_co2e_per_capita"
    CURRENCY = "currency"
    NUMBER = "number"


@dataclass(frozen=True, slots=True)
class UnitInfo:
    label: str
    minimum: float
    maximum: float


INF = math.inf
UNITS: dict[Unit, UnitInfo] = {
    Unit.PERCENT: UnitInfo("share in percent", 0.0, 100.0),
    Unit.PERCENT_CHANGE: UnitInfo("change in percent (may be negative)", -INF, INF),
    Unit.RATIO_0_1: UnitInfo("ratio or coefficient between 0 and 1 (e.g. Gini)", 0.0, 1.0),
    Unit.RATIO: UnitInfo("non-negative ratio (e.g. S80/S20)", 0.0, INF),
    Unit.PER_1000: UnitInfo("per 1,000 people", 0.0, 1000.0),
    Unit.PER_100000: UnitInfo("per 100,000 people", 0.0, 100000.0),
    Unit.INDEX_0_100: UnitInfo("index from 0 to 100", 0.0, 100.0),
    Unit.YEARS: UnitInfo("years", 0.0, 150.0),
    Unit.COUNT: UnitInfo("count", 0.0, INF),
    Unit.BIRTHS_PER_WOMAN: UnitInfo("births per woman", 0.0, 15.0),
    Unit.MICROGRAMS_PER_M3: UnitInfo("micrograms per cubic metre", 0.0, INF),
    Unit.TONNES_CO2E_PER_CAPITA: UnitInfo("tonnes CO2-equivalent per person", -INF, INF),
    Unit.CURRENCY: UnitInfo("amount of money (name the currency in the notes)", -INF, INF),
    Unit.NUMBER: UnitInfo("any number", -INF, INF),
}


def effective_bounds(unit: Unit | str, minimum: float | None, maximum: float | None) -> tuple[float, float]:
    info = UNITS[Unit(unit)]
    return (
        info.minimum if minimum is None else max(minimum, info.minimum),
        info.maximum if maximum is None else min(maximum, info.maximum),
    )


def finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None
