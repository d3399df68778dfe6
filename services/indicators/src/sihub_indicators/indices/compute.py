"""Theme indices, trends, severities and rank robustness, computed as the OECD/JRC Handbook on
Constructing Composite Indicators (2008) describes and `Method` documents.

Everything works on arrays shaped geographies × indicators × periods (NaN where an observation is
missing), so a whole comparison set is recomputed in a handful of numpy operations.
`compute_theme_arrays` is that core; `compute_indices` wraps it for plain observation records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sihub_indicators.indices.method import (
    DEFAULT_METHOD,
    GEOMETRIC_SCORE_RANGE,
    Aggregation,
    Direction,
    Method,
    Normalisation,
    severity_band,
)

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# Tolerance so that exactly 20% missing passes the rule despite binary floating point.
_SHARE_TOLERANCE = 1e-9

_PERIOD_PATTERNS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("annual", re.compile(r"(\d{4})"), 1),
    ("quarterly", re.compile(r"(\d{4})-Q([1-4])"), 4),
    ("monthly", re.compile(r"(\d{4})-(0[1-9]|1[0-2])"), 12),
)


@dataclass(frozen=True, slots=True)
class Observation:
    indicator_code: str
    geography: str
    period: str
    value: float
    illustrative: bool = False


@dataclass(frozen=True, slots=True)
class IndicatorMeta:
    code: str
    theme: str
    direction: Direction


@dataclass(frozen=True, slots=True)
class ThemeIndex:
    """One geography's index for one theme and period, with its rank and rank interval."""

    geography: str
    theme: str
    period: str
    index: float | None  # 0–100, 100 = best; None where too many indicators are missing
    coverage: float  # share of the theme's indicators present
    inputs: int  # indicators present
    illustrative: bool
    rank: int | None  # 1 = best, among the geographies of the set that have an index
    rank_best: int | None
    rank_worst: int | None
    ranked_among: int


@dataclass(frozen=True, slots=True)
class ThemeSeverity:
    """How severe a theme is in a geography now (latest index) and where it is heading."""

    geography: str
    theme: str
    period: str  # the latest period with an index
    index: float
    severity: float  # (100 - index) / 100
    band: str
    trend_per_year: float | None  # index points per year; None with fewer than two periods
    coverage: float
    inputs: int
    illustrative: bool  # any index it was computed from (latest, or any in the trend)


@dataclass(frozen=True, slots=True)
class IndexResults:
    method_version: str
    indices: list[ThemeIndex]
    severities: list[ThemeSeverity]


@dataclass(frozen=True, slots=True)
class ThemeArrays:
    """Results for G geographies × K themes × T periods; NaN marks what was not computed."""

    themes: tuple[str, ...]
    index: FloatArray  # (G, K, T)
    coverage: FloatArray  # (G, K, T)
    inputs: NDArray[np.int64]  # (G, K, T)
    illustrative: BoolArray  # (G, K, T)
    rank: FloatArray  # (G, K, T)
    rank_best: FloatArray  # (G, K, T)
    rank_worst: FloatArray  # (G, K, T)
    ranked_among: NDArray[np.int64]  # (K, T)
    # (K, T) a ranked geography's index is illustrative: every rank of that theme and period rests on it
    rank_illustrative: BoolArray
    trend_per_year: FloatArray  # (G, K)
    latest_period: NDArray[np.int64]  # (G, K) position of the latest index, -1 if none
    severity: FloatArray  # (G, K)
    severity_illustrative: BoolArray  # (G, K)


def period_time(period: str) -> tuple[str, float]:
    """The frequency of a period ("2023", "2023-Q2", "2023-05") and its start in years."""
    for frequency, pattern, per_year in _PERIOD_PATTERNS:
        match = pattern.fullmatch(period)
        if match:
            sub_period = int(match.group(2)) if per_year > 1 else 1
            return frequency, int(match.group(1)) + (sub_period - 1) / per_year
    raise ValueError(f"period {period!r} is not YYYY, YYYY-Qn or YYYY-MM")


def _extremes(values: FloatArray, present: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Minimum and maximum over geographies and periods (axes 0 and 2) of the present values."""
    low = np.where(present, values, np.inf).min(axis=(0, 2), keepdims=True)
    high = np.where(present, values, -np.inf).max(axis=(0, 2), keepdims=True)
    return low, high


def _moments(pooled: FloatArray) -> tuple[FloatArray, FloatArray, NDArray[np.int64]]:
    """Bias-corrected skewness and excess kurtosis per row (Excel SKEW/KURT, as COINr), and n."""
    present = ~np.isnan(pooled)
    n = present.sum(axis=1)
    mean = np.where(present, pooled, 0.0).sum(axis=1) / n
    deviation = np.where(present, pooled - mean[:, None], 0.0)
    squared = deviation * deviation  # products, not float powers: several times faster
    m2, m3, m4 = (moment.sum(axis=1) / n for moment in (squared, squared * deviation, squared * squared))
    skewness = m3 / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2)
    kurtosis = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * (m4 / m2**2 - 3) + 6)
    return skewness, kurtosis, n


@np.errstate(invalid="ignore", divide="ignore")  # undefined statistics become NaN
def winsorise(values: FloatArray, method: Method) -> FloatArray:
    """Winsorise each indicator, pooled over geographies and periods, where it has outliers.

    Having winsorised k points at the top means the k highest values take the (k+1)-th highest,
    the nearest value that is not an outlier; likewise at the bottom.
    """
    geographies, indicators, periods = values.shape
    pooled = values.transpose(1, 0, 2).reshape(indicators, geographies * periods)
    ordered = np.sort(pooled, axis=1)  # NaN sorts last
    rows = np.arange(indicators)
    top = np.zeros(indicators, dtype=np.int64)
    bottom = np.zeros(indicators, dtype=np.int64)
    treated = pooled
    for _ in range(method.max_winsorised_points):
        skewness, kurtosis, n = _moments(treated)
        outlying = (
            (n >= 4)  # kurtosis needs four points
            & (np.abs(skewness) > method.outlier_abs_skewness)
            & (kurtosis > method.outlier_kurtosis)
        )
        if not outlying.any():
            break
        top += outlying & (skewness > 0)
        bottom += outlying & (skewness < 0)
        lower = ordered[rows, np.minimum(bottom, np.maximum(n - 1, 0))]
        upper = ordered[rows, np.maximum(n - 1 - top, 0)]
        treated = np.clip(pooled, lower[:, None], upper[:, None])
    return treated.reshape(indicators, geographies, periods).transpose(1, 0, 2)


@np.errstate(invalid="ignore", divide="ignore")  # undefined statistics become NaN
def normalise(
    treated: FloatArray, higher_is_better: BoolArray, normalisation: Normalisation
) -> FloatArray:
    """Indicator scores where higher is better: min–max 0–100 between goalposts, or z-scores."""
    present = ~np.isnan(treated)
    if normalisation is Normalisation.MIN_MAX:
        low, high = _extremes(treated, present)
        spread = high - low
        # An indicator without spread says nothing comparative: the midpoint.
        scores = np.where(spread > 0, 100 * (treated - low) / spread, 50.0)
        scores = np.where(present, scores, np.nan)
        return np.where(higher_is_better[None, :, None], scores, 100 - scores)
    n = present.sum(axis=(0, 2), keepdims=True)
    mean = np.where(present, treated, 0.0).sum(axis=(0, 2), keepdims=True) / n
    squares = np.where(present, (treated - mean) ** 2, 0.0).sum(axis=(0, 2), keepdims=True)
    sd = np.sqrt(squares / (n - 1))
    scores = np.where(sd > 0, (treated - mean) / sd, 0.0)
    scores = np.where(present, scores, np.nan)
    return np.where(higher_is_better[None, :, None], scores, -scores)


def _aggregation_terms(
    scores: FloatArray, present: BoolArray, normalisation: Normalisation, aggregation: Aggregation
) -> FloatArray:
    """What the weighted mean runs over: scores, or their logs once made strictly positive."""
    if aggregation is Aggregation.GEOMETRIC:
        low, high = GEOMETRIC_SCORE_RANGE
        if normalisation is Normalisation.MIN_MAX:
            scores = low + scores * (high - low) / 100
        else:
            minimum, _ = _extremes(scores, present)
            scores = scores - minimum + low
        scores = np.log(scores)
    return np.where(present, scores, 0.0)


def _to_index(
    composite: FloatArray, valid: BoolArray, normalisation: Normalisation, aggregation: Aggregation
) -> FloatArray:
    """Map a weighted mean of terms back onto the 0–100 theme index."""
    if aggregation is Aggregation.GEOMETRIC:
        composite = np.exp(composite)
    composite = np.where(valid, composite, np.nan)
    if normalisation is Normalisation.MIN_MAX:
        if aggregation is Aggregation.GEOMETRIC:
            low, high = GEOMETRIC_SCORE_RANGE
            composite = (composite - low) * 100 / (high - low)
        return np.clip(composite, 0.0, 100.0)  # a weighted mean of 100s may round above 100
    low, high = _extremes(composite, valid)
    return np.where(high > low, 100 * (composite - low) / (high - low), 50.0)


def _ranks(composite: FloatArray) -> FloatArray:
    """Rank along geographies (axis 0), 1 = highest, ties share the best rank, NaN unranked.

    Sorted along a contiguous last axis (much faster than sorting along a strided first axis);
    a rank is one plus the position where its run of equal values starts in the sorted order.
    """
    values = np.ascontiguousarray(np.moveaxis(composite, 0, -1))
    missing = np.isnan(values)
    keys = np.where(missing, np.inf, -values)  # descending, unranked last
    order = np.argsort(keys, axis=-1)
    ordered = np.take_along_axis(keys, order, axis=-1)
    positions = np.arange(values.shape[-1])
    starts_run = np.ones(values.shape, dtype=bool)
    starts_run[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    run_start = np.maximum.accumulate(np.where(starts_run, positions, 0), axis=-1)
    ranks = np.empty(values.shape)
    np.put_along_axis(ranks, order, run_start + 1.0, axis=-1)
    ranks[missing] = np.nan
    return np.moveaxis(ranks, -1, 0)


def _illustrative(
    treated: FloatArray,
    illustrative: BoolArray,
    membership: FloatArray,
    normalisation: Normalisation,
) -> BoolArray:
    """Whether an illustrative observation fed each (geography, theme, period) result."""
    present = ~np.isnan(treated)
    if normalisation is Normalisation.MIN_MAX:
        low, high = _extremes(treated, present)
        sets_goalpost = (treated == low) | (treated == high)
    else:  # mean and standard deviation use every observation
        sets_goalpost = present
    reference_illustrative = (illustrative & sets_goalpost).any(axis=(0, 2))
    fed = present & (illustrative | reference_illustrative[None, :, None])
    result = np.einsum("ki,git->gkt", membership, fed.astype(np.float64)) > 0
    if normalisation is Normalisation.Z_SCORE:
        # The 0–100 rescale takes every geography's composite of the theme.
        result = np.broadcast_to(result.any(axis=(0, 2), keepdims=True), result.shape)
    return result


def _trend_per_year(index: FloatArray, times: FloatArray) -> FloatArray:
    """OLS slope of each (geography, theme) index over time; 0/0 = NaN below two points."""
    valid = ~np.isnan(index)
    n = valid.sum(axis=-1)
    time_mean = np.where(valid, times, 0.0).sum(axis=-1) / n
    index_mean = np.where(valid, index, 0.0).sum(axis=-1) / n
    time_deviation = np.where(valid, times - time_mean[..., None], 0.0)
    index_deviation = np.where(valid, index - index_mean[..., None], 0.0)
    return (time_deviation * index_deviation).sum(axis=-1) / (time_deviation**2).sum(axis=-1)


@np.errstate(invalid="ignore", divide="ignore")  # undefined statistics become NaN
def compute_theme_arrays(
    values: FloatArray,
    illustrative: BoolArray,
    indicators: Sequence[IndicatorMeta],
    times: FloatArray,
    method: Method = DEFAULT_METHOD,
) -> ThemeArrays:
    """Theme indices, severities, trends and rank intervals for one comparison set.

    `values` and `illustrative` are shaped geographies × indicators × periods (NaN = missing),
    `indicators` describes axis 1 and `times` (in years) axis 2.
    """
    if values.shape != illustrative.shape or values.shape[1:] != (len(indicators), len(times)):
        raise ValueError("values, illustrative, indicators and times do not match in shape")
    themes = tuple(sorted({indicator.theme for indicator in indicators}))
    theme_of = np.array([themes.index(indicator.theme) for indicator in indicators])
    membership = (theme_of[None, :] == np.arange(len(themes))[:, None]).astype(np.float64)
    weights = np.array([method.weight_of(indicator.code) for indicator in indicators])
    theme_weights = membership * weights[None, :]  # (K, I)
    higher_is_better = np.array(
        [Direction(indicator.direction) is Direction.HIGHER_IS_BETTER for indicator in indicators]
    )

    treated = winsorise(values, method)
    present = ~np.isnan(treated)
    presence = present.astype(np.float64)
    inputs = np.einsum("ki,git->gkt", membership, presence).round().astype(np.int64)
    theme_size = membership.sum(axis=1)[None, :, None]
    coverage = inputs / theme_size
    missing = theme_size - inputs
    valid = missing <= method.max_missing_share * theme_size + _SHARE_TOLERANCE
    weight_present = np.einsum("ki,git->gkt", theme_weights, presence)

    # fmin/fmax skip NaN, so the intervals start empty and stay NaN where nothing is ranked.
    index, rank, rank_best, rank_worst = (np.full(valid.shape, np.nan) for _ in range(4))
    for normalisation in Normalisation:
        scores = normalise(treated, higher_is_better, normalisation)
        for aggregation in Aggregation:
            terms = _aggregation_terms(scores, present, normalisation, aggregation)
            weighted_sum = np.einsum("ki,git->gkt", theme_weights, terms)
            composite = np.where(valid, weighted_sum / weight_present, np.nan)
            ranks = _ranks(composite)
            if (normalisation, aggregation) == (method.normalisation, method.aggregation):
                index = _to_index(composite, valid, normalisation, aggregation)
                rank = ranks
            rank_best, rank_worst = np.fmin(rank_best, ranks), np.fmax(rank_worst, ranks)
            # One indicator's weight raised or lowered changes only its own theme's sums.
            for sign in (1.0, -1.0):
                change = sign * method.weight_perturbation * weights[None, :, None]
                perturbed = (weighted_sum[:, theme_of] + change * terms) / (
                    weight_present[:, theme_of] + change * presence
                )
                perturbed_ranks = _ranks(np.where(valid[:, theme_of], perturbed, np.nan))
                for theme in range(len(themes)):
                    in_theme = perturbed_ranks[:, theme_of == theme]
                    rank_best[:, theme] = np.fmin(rank_best[:, theme], in_theme.min(axis=1))
                    rank_worst[:, theme] = np.fmax(rank_worst[:, theme], in_theme.max(axis=1))

    theme_illustrative = _illustrative(treated, illustrative, membership, method.normalisation)
    has_index = ~np.isnan(index)
    periods = index.shape[-1]
    latest = periods - 1 - np.argmax(has_index[..., ::-1], axis=-1)
    latest = np.where(has_index.any(axis=-1), latest, -1)
    # Where there is no index at all, position 0 holds NaN too.
    latest_index = np.take_along_axis(index, np.maximum(latest, 0)[..., None], -1)[..., 0]
    return ThemeArrays(
        themes=themes,
        index=index,
        coverage=coverage,
        inputs=inputs,
        illustrative=theme_illustrative,
        rank=rank,
        rank_best=rank_best,
        rank_worst=rank_worst,
        ranked_among=has_index.sum(axis=0),
        rank_illustrative=(theme_illustrative & has_index).any(axis=0),
        trend_per_year=_trend_per_year(index, np.asarray(times, dtype=np.float64)),
        latest_period=latest,
        severity=(100 - latest_index) / 100,
        severity_illustrative=(theme_illustrative & has_index).any(axis=-1),
    )


def compute_indices(
    observations: Iterable[Observation],
    indicators: Sequence[IndicatorMeta],
    method: Method = DEFAULT_METHOD,
) -> IndexResults:
    """Indices and severities for the geographies in `observations`, taken as one comparison set.

    All periods must share one frequency; one observation per indicator, geography and period.
    """
    observations = list(observations)
    return compute_indices_of_columns(
        ObservationColumns(
            indicator_codes=[o.indicator_code for o in observations],
            geographies=[o.geography for o in observations],
            periods=[o.period for o in observations],
            values=[o.value for o in observations],
            illustrative=[o.illustrative for o in observations],
        ),
        indicators,
        method,
    )


@dataclass(frozen=True, slots=True)
class ObservationColumns:
    """Observations as parallel columns, as a database hands them back (no object per row)."""

    indicator_codes: Sequence[str]
    geographies: Sequence[str]
    periods: Sequence[str]
    values: Sequence[float]
    illustrative: Sequence[bool]


@dataclass(frozen=True, slots=True)
class SetResults:
    """A comparison set's results as arrays, with the geographies and periods along their axes."""

    method_version: str
    geographies: list[str]
    periods: list[str]
    arrays: ThemeArrays


def compute_indices_of_columns(
    columns: ObservationColumns,
    indicators: Sequence[IndicatorMeta],
    method: Method = DEFAULT_METHOD,
) -> IndexResults:
    """`compute_indices` for observations given as columns."""
    results = compute_set(columns, indicators, method)
    return IndexResults(
        method_version=results.method_version,
        indices=_theme_indices(results.arrays, results.geographies, results.periods),
        severities=theme_severities(results),
    )


def compute_set(
    columns: ObservationColumns,
    indicators: Sequence[IndicatorMeta],
    method: Method = DEFAULT_METHOD,
) -> SetResults:
    """The arrays of `compute_theme_arrays` for observations given as columns."""
    position = {indicator.code: n for n, indicator in enumerate(indicators)}
    unknown = set(columns.indicator_codes) - position.keys()
    if unknown:
        raise ValueError(f"observations of indicators without metadata: {sorted(unknown)}")
    period_times = {period: period_time(period) for period in set(columns.periods)}
    frequencies = {frequency for frequency, _ in period_times.values()}
    if len(frequencies) > 1:
        raise ValueError(f"periods mix frequencies: {sorted(frequencies)}")
    periods = sorted(period_times, key=lambda period: period_times[period][1])
    geographies = sorted(set(columns.geographies))

    period_position = {period: n for n, period in enumerate(periods)}
    geography_position = {geography: n for n, geography in enumerate(geographies)}
    shape = (len(geographies), len(indicators), len(periods))
    cells = (
        np.array([geography_position[g] for g in columns.geographies], dtype=np.int64),
        np.array([position[code] for code in columns.indicator_codes], dtype=np.int64),
        np.array([period_position[p] for p in columns.periods], dtype=np.int64),
    )
    if (np.bincount(np.ravel_multi_index(cells, shape)) > 1).any():
        raise ValueError("more than one observation for an indicator, geography and period")
    observed = np.array(columns.values, dtype=np.float64)
    if not np.isfinite(observed).all():
        raise ValueError("observation values must be finite numbers")
    values = np.full(shape, np.nan)
    values[cells] = observed
    illustrative = np.zeros(shape, dtype=bool)
    illustrative[cells] = np.array(columns.illustrative, dtype=bool)

    times = np.array([period_times[period][1] for period in periods])
    arrays = compute_theme_arrays(values, illustrative, indicators, times, method)
    return SetResults(method.version, geographies, periods, arrays)


def nullable(values: FloatArray, as_int: bool = False) -> list:
    """Nested Python lists of floats (or ints), None where NaN."""
    result = np.full(values.shape, None, dtype=object)
    present = ~np.isnan(values)
    result[present] = values[present].astype(np.int64) if as_int else values[present]
    return result.tolist()


def _theme_indices(
    arrays: ThemeArrays, geographies: Sequence[str], periods: Sequence[str]
) -> list[ThemeIndex]:
    index, coverage, inputs = (
        nullable(arrays.index),
        arrays.coverage.tolist(),
        arrays.inputs.tolist(),
    )
    illustrative, ranked_among = arrays.illustrative.tolist(), arrays.ranked_among.tolist()
    rank, best, worst = (
        nullable(ranks, as_int=True)
        for ranks in (arrays.rank, arrays.rank_best, arrays.rank_worst)
    )
    return [
        ThemeIndex(
            geography=geography,
            theme=theme,
            period=period,
            index=index[g][k][t],
            coverage=coverage[g][k][t],
            inputs=inputs[g][k][t],
            illustrative=illustrative[g][k][t],
            rank=rank[g][k][t],
            rank_best=best[g][k][t],
            rank_worst=worst[g][k][t],
            ranked_among=ranked_among[k][t],
        )
        for g, geography in enumerate(geographies)
        for k, theme in enumerate(arrays.themes)
        for t, period in enumerate(periods)
    ]


def theme_severities(results: SetResults) -> list[ThemeSeverity]:
    arrays, geographies, periods = results.arrays, results.geographies, results.periods
    severities = []
    trend = nullable(arrays.trend_per_year)
    for g, k in zip(*np.nonzero(arrays.latest_period >= 0), strict=True):
        latest = arrays.latest_period[g, k]
        severity = float(arrays.severity[g, k])
        severities.append(
            ThemeSeverity(
                geography=geographies[g],
                theme=arrays.themes[k],
                period=periods[latest],
                index=float(arrays.index[g, k, latest]),
                severity=severity,
                band=severity_band(severity),
                trend_per_year=trend[g][k],
                coverage=float(arrays.coverage[g, k, latest]),
                inputs=int(arrays.inputs[g, k, latest]),
                illustrative=bool(arrays.severity_illustrative[g, k]),
            )
        )
    return severities
