"""Row validation: every field of every row, against the catalogue, ISO 3166 and the periods.

It runs on plain tuples of strings in a tight loop (a million rows per ingest is normal), with
per-code caches, and produces staging records in `STAGING_COLUMNS` order.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sihub_indicators import geography as geographies
from sihub_indicators.catalogue.models import Indicator
from sihub_indicators.observations.errors import row_error
from sihub_indicators.periods import PeriodError, frequency_of
from sihub_indicators.units import effective_bounds
from sihub_shared.strict import LINE_PATTERN, PATTERN_MESSAGES

_FLAGS = {
    "": False, "0": False, "false": False, "no": False, "n": False, "f": False,
    "1": True, "true": True, "yes": True, "y": True, "t": True,
}
MAX_SOURCE = 500
_LINE = re.compile(LINE_PATTERN)
# A number as the CSV column documents it: ASCII digits, a dot for decimals, an optional exponent.
# float() alone also takes other scripts' digits ("１２", "٣.٥"), "1_000" and padding, which are
# read silently as some other figure than the file meant.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@dataclass
class Validated:
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    illustrative: int = 0
    groups: dict[tuple[str, str], int] = field(default_factory=dict)
    indicators: set[str] = field(default_factory=set)
    # A 64-bit hash of each staged row's key: 8 bytes a row, where a set of the keys themselves
    # would hold every row's strings until the merge.
    key_hashes: array = field(default_factory=lambda: array("q"))

    def may_repeat_keys(self) -> bool:
        """False when no two staged rows have the same key; True when two have the same hash,
        which is almost always the same key, and the database then says which (and whether)."""
        hashes = np.frombuffer(self.key_hashes, dtype=np.int64).copy()
        hashes.sort()
        return bool((hashes[1:] == hashes[:-1]).any())


class RowValidator:
    def __init__(self, indicators: dict[str, Indicator], field_names: dict[str, str], *,
                 default_source: str | None, default_illustrative: bool, max_errors: int) -> None:
        self.bounds = {
            code: effective_bounds(row.unit, row.min_value, row.max_value) for code, row in indicators.items()
        }
        self.names = field_names
        self.default_source = default_source or ""
        self.default_illustrative = default_illustrative
        self.max_errors = max_errors
        self._geographies: dict[str, geographies.Geography | str] = {}
        self._periods: dict[str, str] = {}
        self._period_errors: dict[str, str] = {}

    def _geography(self, code: str) -> geographies.Geography | str:
        found = self._geographies.get(code)
        if found is None:
            found = self._geographies[code] = geographies.lookup(code)
        return found

    def _period(self, period: str) -> str | None:
        found = self._periods.get(period)
        if found is None and period not in self._period_errors:
            try:
                found = self._periods[period] = frequency_of(period).value
            except PeriodError as exc:
                self._period_errors[period] = str(exc)
        return found

    def validate(self, rows: list[tuple], result: Validated) -> list[tuple]:
        """Validate `rows`: their staging records while no row has failed (none after), and
        errors and counts added to `result`."""
        names = self.names
        bounds_of = self.bounds
        records: list[tuple] = []
        groups = result.groups
        flags = _FLAGS
        errors: list[tuple[int, str, str]] = []
        hashes: list[int] = []
        clean = result.error_count == 0

        for row, indicator, geography, period, value, estimated, provisional, breaks, source, illustrative, country in rows:
            failed = len(errors)
            bounds = bounds_of.get(indicator)
            if bounds is None:
                indicator = indicator.strip()
                bounds = bounds_of.get(indicator)
                if bounds is None:
                    errors.append((row, names["indicator"], f"unknown indicator {indicator!r}: add it to the "
                                   "catalogue first" if indicator else "the indicator is missing"))
            place = self._geographies.get(geography) or self._geography(geography.strip())
            if place.__class__ is str:
                errors.append((row, names["geography"], place if geography.strip() else "the geography is missing"))
            elif country and country.strip() and place.country != country.strip():
                errors.append((row, names["geography"], f"{geography.strip()} ({place.name}) is not in {country.strip()}"))
            frequency = self._periods.get(period) or self._period(period.strip())
            if frequency is None:
                errors.append((row, names["period"], self._period_errors.get(period.strip(), "")
                               if period.strip() else "the period is missing"))
            number = float(value) if _NUMBER.fullmatch(value) else None
            if number is None:
                errors.append((row, names["value"], _not_a_number(value)))
            else:
                if number - number != 0.0:  # too large for a float: infinite
                    errors.append((row, names["value"], f"{value!r} is not a finite number"))
                elif bounds is not None and not bounds[0] <= number <= bounds[1]:
                    errors.append((row, names["value"], f"{number:g} is outside the bounds of {indicator} "
                                   f"({bounds[0]:g} to {bounds[1]:g}, from its unit)"))
            is_estimated = flags.get(estimated)
            if is_estimated is None:
                is_estimated = self._flag(row, "estimated", estimated, errors)
            is_provisional = flags.get(provisional)
            if is_provisional is None:
                is_provisional = self._flag(row, "provisional", provisional, errors)
            is_break = flags.get(breaks)
            if is_break is None:
                is_break = self._flag(row, "break_in_series", breaks, errors)
            is_illustrative = flags.get(illustrative)
            if is_illustrative is None:
                is_illustrative = self._flag(row, "illustrative", illustrative, errors)
            if source:
                source = source.strip()
                if len(source) > MAX_SOURCE:
                    errors.append((row, names["source"], f"the source is longer than {MAX_SOURCE} characters"))
                elif not _LINE.fullmatch(source):  # a NUL would fail in PostgreSQL, after everything was checked
                    errors.append((row, names["source"], PATTERN_MESSAGES[LINE_PATTERN]))
            if len(errors) > failed:
                clean = False
                continue
            is_illustrative = is_illustrative or self.default_illustrative
            result.illustrative += is_illustrative
            if clean:
                key = (place.comparison_set, frequency)
                groups[key] = groups.get(key, 0) + 1
                period = period.strip()
                hashes.append(hash((indicator, place.code, period)))
                records.append((row, indicator, place.code, period, place.comparison_set, frequency,
                                number, is_estimated, is_provisional, is_break,
                                source or self.default_source or None, is_illustrative))
        result.indicators.update({record[1] for record in records})
        result.key_hashes.extend(hashes)
        self._add_errors(result, errors)
        return records if clean else []

    def _flag(self, row: int, name: str, text: str, errors: list[tuple[int, str, str]]) -> bool:
        flag = _FLAGS.get(text.strip().lower())
        if flag is None:
            errors.append((row, self.names[name], f"{text!r} is not true or false"))
            return False
        return flag

    def _add_errors(self, result: Validated, errors: list[tuple[int, str, str]]) -> None:
        room = self.max_errors - len(result.errors)
        result.errors.extend(row_error(row, name, message) for row, name, message in errors[:max(room, 0)])
        result.error_count += len(errors)

    def add_reader_errors(self, result: Validated, errors: list[dict[str, Any]]) -> None:
        room = self.max_errors - len(result.errors)
        result.errors.extend(errors[:max(room, 0)])
        result.error_count += len(errors)


def _not_a_number(value: str) -> str:
    if not value.strip():
        return "the value is missing"
    try:
        if float(value) - float(value) != 0.0:
            return f"{value.strip()!r} is not a finite number"
    except ValueError:
        pass
    return f"{value!r} is not a number (write e.g. 12.5)"
