"""The composite-indicator maths: small cases computed by hand, and a naive per-cell reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from sihub_indicators.indices.compute import (
    IndicatorMeta,
    Observation,
    ThemeArrays,
    compute_indices,
    compute_theme_arrays,
    normalise,
    period_time,
    winsorise,
)
from sihub_indicators.indices.method import (
    DEFAULT_METHOD,
    SEVERITY_BANDS,
    Aggregation,
    Direction,
    Method,
    Normalisation,
    severity_band,
)

BETTER, WORSE = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER


def run(
    values: list,
    directions: list[Direction] | None = None,
    themes: list[str] | None = None,
    illustrative: np.ndarray | None = None,
    method: Method = DEFAULT_METHOD,
) -> ThemeArrays:
    """Compute from nested lists shaped geographies × indicators (× periods, one year apart)."""
    array = np.array(values, dtype=np.float64)
    if array.ndim == 2:
        array = array[:, :, None]
    count = array.shape[1]
    indicators = [
        IndicatorMeta(
            code=f"I{n}",
            theme=(themes or ["theme"] * count)[n],
            direction=(directions or [BETTER] * count)[n],
        )
        for n in range(count)
    ]
    flags = np.zeros(array.shape, bool) if illustrative is None else np.array(illustrative)
    flags = flags.reshape(array.shape)
    times = 2020.0 + np.arange(array.shape[2])
    return compute_theme_arrays(array, flags, indicators, times, method)


# --- normalisation and direction ------------------------------------------------------------


def test_min_max_scores_between_goalposts_and_inverts_worse_indicators():
    values = np.array([[0.0, 20.0], [5.0, 40.0], [10.0, 30.0]])[:, :, None]
    scores = normalise(values, np.array([True, False]), Normalisation.MIN_MAX)
    # A: (x - 0) / 10 · 100; B: 100 − (x − 20) / 20 · 100
    assert scores[:, 0, 0].tolist() == [0.0, 50.0, 100.0]
    assert scores[:, 1, 0].tolist() == [100.0, 0.0, 50.0]

    result = run([[0, 20], [5, 40], [10, 30]], directions=[BETTER, WORSE])
    assert result.index[:, 0, 0].tolist() == [50.0, 25.0, 75.0]


def test_goalposts_span_all_periods_of_the_set():
    # Goalposts 0 and 40 come from different periods, so 2020 and 2021 share one scale.
    result = run([[[10, 20]], [[0, 40]]])
    assert result.index[0, 0].tolist() == [25.0, 50.0]
    assert result.index[1, 0].tolist() == [0.0, 100.0]


def test_indicator_without_spread_scores_the_midpoint():
    result = run([[7, 0], [7, 10]])
    assert result.index[:, 0, 0].tolist() == [25.0, 75.0]  # (50 + 0) / 2 and (50 + 100) / 2


def test_z_scores_use_sample_standard_deviation_and_direction():
    values = np.array([[1.0, 10.0], [2.0, 30.0], [3.0, 20.0]])[:, :, None]
    scores = normalise(values, np.array([True, False]), Normalisation.Z_SCORE)
    # A: mean 2, sd 1; B: mean 20, sd 10, inverted.
    np.testing.assert_allclose(scores[:, 0, 0], [-1.0, 0.0, 1.0])
    np.testing.assert_allclose(scores[:, 1, 0], [1.0, -1.0, 0.0])

    z_method = Method(normalisation=Normalisation.Z_SCORE)
    result = run([[1, 10], [2, 30], [3, 20]], directions=[BETTER, WORSE], method=z_method)
    # Composites 0, −0.5, 0.5 rescaled between their minimum and maximum.
    np.testing.assert_allclose(result.index[:, 0, 0], [50.0, 0.0, 100.0])


# --- aggregation, weights, missing data -----------------------------------------------------


def test_geometric_mean_penalises_unbalanced_scores_where_arithmetic_does_not():
    values = [[10, 0], [0, 10], [5, 5]]
    arithmetic = run(values)
    geometric = run(values, method=Method(aggregation=Aggregation.GEOMETRIC))
    assert arithmetic.index[:, 0, 0].tolist() == [50.0, 50.0, 50.0]
    # Scores 100 and 0 map to 100 and 1: √(100·1) = 10, back on 0–100: (10 − 1) / 0.99.
    # Scores 50 and 50 map to 50.5 twice: back to 50.
    np.testing.assert_allclose(geometric.index[:, 0, 0], [900 / 99, 900 / 99, 50.0])


def test_explicit_weights_are_renormalised_over_the_available_indicators():
    nan = math.nan
    values = [
        [10, 0, 0, 0, nan],  # scores 100, 0, 0, 0, missing
        [0, 10, 10, 10, 10],  # scores 0, 100, 100, 100, 100
        [0, 0, 0, 0, 0],
    ]
    weighted = run(values, method=Method(weights={"I0": 2.0}))
    assert weighted.index[0, 0, 0] == pytest.approx(2 * 100 / 5)  # not / 6
    assert weighted.index[1, 0, 0] == pytest.approx(400 / 6)
    assert weighted.index[2, 0, 0] == 0.0
    equal = run(values)
    assert equal.index[0, 0, 0] == pytest.approx(100 / 4)
    assert equal.index[1, 0, 0] == pytest.approx(400 / 5)


def test_no_theme_score_above_twenty_percent_missing():
    nan = math.nan
    values = [
        [1, 2, 3, 4, nan, 6, 7, 8, 9, 10],  # 10 % missing
        [1, 2, 3, 4, nan, 6, 7, nan, 9, 10],  # exactly 20 %
        [1, nan, 3, 4, nan, 6, 7, nan, 9, 10],  # 30 %
        [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    ]
    result = run(values)
    index = result.index[:, 0, 0]
    assert not np.isnan(index[:2]).any()
    assert np.isnan(index[2])
    assert result.coverage[:, 0, 0].tolist() == [0.9, 0.8, 0.7, 1.0]
    assert result.inputs[:, 0, 0].tolist() == [9, 8, 7, 10]
    assert result.ranked_among[0, 0] == 3 and np.isnan(result.rank[2, 0, 0])


# --- outlier treatment ----------------------------------------------------------------------


def _pooled(values: list[float]) -> np.ndarray:
    return np.array(values, dtype=np.float64)[:, None, None]


def test_winsorisation_replaces_a_clear_outlier_by_the_nearest_value():
    high = list(range(1, 12)) + [1000]  # skewness 3.46, kurtosis 12.0
    assert winsorise(_pooled(high), Method())[:, 0, 0].tolist() == list(range(1, 12)) + [11]
    low = [-1000] + list(range(1, 12))
    assert winsorise(_pooled(low), Method())[:, 0, 0].tolist() == [1] + list(range(1, 12))


def test_winsorisation_leaves_normal_data_alone():
    normal = stats.norm.ppf(np.linspace(0.02, 0.98, 40)).tolist()
    assert winsorise(_pooled(normal), Method())[:, 0, 0].tolist() == normal
    # Skewed but not heavy-tailed enough (kurtosis 3.28 ≤ 3.5): untouched too.
    skewed = list(range(40)) + [1000, 1001, 1002, 1003, 1004, 1005]
    assert winsorise(_pooled(skewed), Method())[:, 0, 0].tolist() == skewed


def test_winsorisation_needs_four_points_to_judge_kurtosis():
    # Three points: skewness √3 passes a lowered threshold, kurtosis is undefined (0/0).
    lenient = Method(outlier_abs_skewness=1.0)
    assert winsorise(_pooled([0, 0, 10]), lenient)[:, 0, 0].tolist() == [0, 0, 10]


def test_winsorisation_stops_at_five_points():
    values = list(range(100)) + [10000, 10001, 10002, 10003, 10004, 10005]
    treated = winsorise(_pooled(values), Method())[:, 0, 0].tolist()
    assert treated == list(range(100)) + [10000] * 6  # the sixth outlier is left


def test_winsorisation_runs_per_indicator_before_goalposts_are_set():
    outlying = list(range(1, 12)) + [1000]
    values = [[x, x] for x in outlying]
    result = run(values, themes=["a", "b"], method=Method())
    # After treatment the goalposts are 1 and 11: the former outlier scores 100, 6 scores 50.
    assert result.index[11, 0, 0] == 100.0
    assert result.index[5, 0, 0] == 50.0


# --- severity and trend ---------------------------------------------------------------------


def test_severity_bands_at_their_boundaries():
    assert [name for name, _ in SEVERITY_BANDS] == ["low", "medium", "high", "critical"]
    cases = {0.0: "low", 0.2499: "low", 0.25: "medium", 0.4999: "medium", 0.5: "high"}
    cases |= {0.7499: "high", 0.75: "critical", 1.0: "critical"}
    assert {severity: severity_band(severity) for severity in cases} == cases


def test_severity_from_the_latest_theme_index():
    observations = [
        Observation("X", geography, "2023", value)
        for geography, value in [("KR-11", 0), ("KR-26", 75), ("KR-42", 100), ("KR-30", 50)]
    ]
    results = compute_indices(observations, [IndicatorMeta("X", "housing", BETTER)])
    by_geography = {s.geography: (s.index, s.severity, s.band) for s in results.severities}
    assert by_geography == {
        "KR-11": (0.0, 1.0, "critical"),
        "KR-26": (75.0, 0.25, "medium"),
        "KR-30": (50.0, 0.5, "high"),
        "KR-42": (100.0, 0.0, "low"),
    }


def test_period_times_and_trend_slope_per_year():
    assert period_time("2023") == ("annual", 2023.0)
    assert period_time("2023-Q2") == ("quarterly", 2023.25)
    assert period_time("2023-05") == ("monthly", 2023 + 4 / 12)
    with pytest.raises(ValueError):
        period_time("2023-13")

    annual = run([[[0, 10, 40]], [[100, 100, 100]]])
    # Indices 0, 10, 40 at t = −1, 0, 1: slope (−1·0 + 1·40) / 2 = 20 points a year.
    assert annual.trend_per_year[:, 0].tolist() == pytest.approx([20.0, 0.0])

    quarters = ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"]
    observations = [Observation("X", "SG-01", q, v) for q, v in zip(quarters, [0, 10, 20, 30])]
    observations += [Observation("X", "SG-02", "2023-Q1", 100)]
    results = compute_indices(observations, [IndicatorMeta("X", "food", BETTER)])
    trends = {s.geography: (s.period, s.trend_per_year) for s in results.severities}
    assert trends["SG-01"] == ("2023-Q4", pytest.approx(40.0))  # 10 a quarter
    assert trends["SG-02"] == ("2023-Q1", None)  # one period: no trend


def test_trend_skips_periods_without_an_index():
    nan = math.nan
    result = run([[[0, nan, 40]], [[100, 100, 100]]])
    assert result.trend_per_year[0, 0] == pytest.approx(20.0)  # (0 → 40) over two years
    assert result.latest_period.tolist() == [[2], [2]]


# --- illustrative flag ----------------------------------------------------------------------


def test_illustrative_flag_follows_own_inputs_and_goalposts():
    values = [[0, 5], [50, 5], [60, 5], [100, 5]]
    themes = ["a", "b"]

    def flagged(geography: int, indicator: int) -> np.ndarray:
        flags = np.zeros((4, 2), bool)
        flags[geography, indicator] = True
        return run(values, themes=themes, illustrative=flags).illustrative[:, :, 0]

    # A value inside the range feeds only its own geography's index.
    assert flagged(1, 0).tolist() == [[False, False], [True, False], [False, False], [False, False]]
    # A goalpost (here the maximum) feeds every index scaled by it.
    assert flagged(3, 0)[:, 0].tolist() == [True, True, True, True]
    assert not flagged(3, 0)[:, 1].any()

    z_method = Method(normalisation=Normalisation.Z_SCORE)
    flags = np.zeros((4, 2), bool)
    flags[1, 0] = True
    z_flags = run(values, themes=themes, illustrative=flags, method=z_method).illustrative
    assert z_flags[:, 0, 0].all() and not z_flags[:, 1, 0].any()


def test_illustrative_flag_travels_into_records():
    observations = [
        Observation("X", "TH-10", "2022", 10.0, illustrative=True),
        Observation("X", "TH-10", "2023", 20.0),
        Observation("X", "TH-50", "2022", 0.0),
        Observation("X", "TH-50", "2023", 5.0),
        Observation("X", "TH-90", "2022", 30.0),
        Observation("X", "TH-90", "2023", 40.0),
    ]
    results = compute_indices(observations, [IndicatorMeta("X", "ageing", BETTER)])
    flags = {(i.geography, i.period): i.illustrative for i in results.indices}
    assert flags == {
        ("TH-10", "2022"): True,
        ("TH-10", "2023"): False,
        ("TH-50", "2022"): False,
        ("TH-50", "2023"): False,
        ("TH-90", "2022"): False,
        ("TH-90", "2023"): False,
    }
    # The severity record carries the trend, which the illustrative 2022 index fed.
    severity_flags = {s.geography: s.illustrative for s in results.severities}
    assert severity_flags == {"TH-10": True, "TH-50": False, "TH-90": False}


# --- rank robustness ------------------------------------------------------------------------


def test_rank_interval_is_a_point_when_one_geography_dominates_another():
    result = run([[100, 100], [60, 70], [30, 20], [0, 0]])
    assert result.rank[:, 0, 0].tolist() == [1, 2, 3, 4]
    assert result.rank_best[:, 0, 0].tolist() == [1, 2, 3, 4]
    assert result.rank_worst[:, 0, 0].tolist() == [1, 2, 3, 4]


def test_rank_interval_widens_when_options_disagree():
    # X is unbalanced: arithmetic 50 beats Y's 40, geometric 30.6 loses to Y's 40.
    result = run([[100, 100], [90, 10], [40, 40], [0, 0]])
    assert result.index[1:3, 0, 0].tolist() == [50.0, 40.0]
    assert result.rank[:, 0, 0].tolist() == [1, 2, 3, 4]
    assert result.rank_best[:, 0, 0].tolist() == [1, 2, 2, 4]
    assert result.rank_worst[:, 0, 0].tolist() == [1, 3, 3, 4]

    geometric = run(
        [[100, 100], [90, 10], [40, 40], [0, 0]], method=Method(aggregation="geometric")
    )
    assert geometric.rank[:, 0, 0].tolist() == [1, 3, 2, 4]
    assert geometric.rank_best[:, 0, 0].tolist() == [1, 2, 2, 4]


def test_ties_share_the_best_rank():
    result = run([[10], [5], [5], [0]])
    assert result.rank[:, 0, 0].tolist() == [1, 2, 2, 4]


# --- records entry --------------------------------------------------------------------------


def test_records_entry_orders_periods_and_rejects_bad_input():
    indicators = [IndicatorMeta("A", "income", BETTER), IndicatorMeta("B", "income", WORSE)]
    observations = [
        Observation("A", "KR", "2023", 3.0),
        Observation("B", "KR", "2023", 1.0),
        Observation("A", "JP", "2022", 1.0),
        Observation("B", "JP", "2022", 2.0),
        Observation("A", "JP", "2023", 2.0),
    ]
    results = compute_indices(observations, indicators)
    assert results.method_version == "2026.1"
    rows = [(i.geography, i.period, i.index, i.inputs, i.rank) for i in results.indices]
    assert rows == [
        ("JP", "2022", 0.0, 2, 1),  # A 0, B inverted 0
        ("JP", "2023", None, 1, None),  # half the theme missing
        ("KR", "2022", None, 0, None),
        ("KR", "2023", 100.0, 2, 1),  # A 100, B inverted 100
    ]

    with pytest.raises(ValueError, match="mix frequencies"):
        compute_indices([*observations, Observation("A", "KR", "2023-Q1", 1.0)], indicators)
    with pytest.raises(ValueError, match="more than one observation"):
        compute_indices([*observations, Observation("A", "KR", "2023", 4.0)], indicators)
    with pytest.raises(ValueError, match="without metadata"):
        compute_indices([*observations, Observation("C", "KR", "2023", 4.0)], indicators)


def test_method_document_names_its_steps_and_references():
    document = Method().describe()
    assert document["version"] == "2026.1"
    names = [step["name"] for step in document["steps"]]
    for step in ("outlier_treatment", "normalisation", "direction", "missing_data"):
        assert step in names
    assert any(
        "Handbook on Constructing Composite Indicators" in r["citation"]
        for r in document["references"]
    )
    assert document["parameters"]["max_missing_share"] == 0.2


# --- the vectorised core against a naive per-cell reference ----------------------------------


def naive_winsorise(values: np.ndarray, method: Method) -> np.ndarray:
    treated = values.copy()
    for indicator in range(values.shape[1]):
        column = treated[:, indicator, :]
        present = ~np.isnan(column)
        points = column[present]
        for _ in range(method.max_winsorised_points):
            skewness = stats.skew(points, bias=False)
            kurtosis = stats.kurtosis(points, bias=False)
            if not (
                abs(skewness) > method.outlier_abs_skewness and kurtosis > method.outlier_kurtosis
            ):
                break
            extreme = points.max() if skewness > 0 else points.min()
            rest = points[points != extreme]
            points[points == extreme] = rest.max() if skewness > 0 else rest.min()
        column[present] = points
    return treated


def naive_index(treated, illustrative, indicators, method, normalisation, aggregation, weights):
    """Index and illustrative flag per (geography, theme, period), one cell at a time."""
    geographies, _, periods = treated.shape
    scores = np.full(treated.shape, np.nan)
    geometric_inputs = np.full(treated.shape, np.nan)
    goalpost_illustrative = []
    for i, indicator in enumerate(indicators):
        cells = [(g, t) for g in range(geographies) for t in range(periods)]
        cells = [(g, t) for g, t in cells if not math.isnan(treated[g, i, t])]
        points = [treated[g, i, t] for g, t in cells]
        low, high = min(points), max(points)
        mean, sd = float(np.mean(points)), float(np.std(points, ddof=1))
        sign = 1 if indicator.direction is BETTER else -1
        for g, t in cells:
            x = treated[g, i, t]
            if normalisation is Normalisation.MIN_MAX:
                score = 100 * (x - low) / (high - low)
                scores[g, i, t] = score if sign == 1 else 100 - score
                geometric_inputs[g, i, t] = 1 + 0.99 * scores[g, i, t]
            else:
                scores[g, i, t] = sign * (x - mean) / sd
        if normalisation is Normalisation.Z_SCORE:
            lowest = min(scores[g, i, t] for g, t in cells)
            for g, t in cells:
                geometric_inputs[g, i, t] = scores[g, i, t] - lowest + 1
            goalpost_illustrative.append(any(illustrative[g, i, t] for g, t in cells))
        else:
            goalpost_illustrative.append(
                any(illustrative[g, i, t] and treated[g, i, t] in (low, high) for g, t in cells)
            )

    themes = sorted({indicator.theme for indicator in indicators})
    index = np.full((geographies, len(themes), periods), np.nan)
    flags = np.zeros(index.shape, bool)
    for k, theme in enumerate(themes):
        members = [i for i, indicator in enumerate(indicators) if indicator.theme == theme]
        for g in range(geographies):
            for t in range(periods):
                available = [i for i in members if not math.isnan(treated[g, i, t])]
                flags[g, k, t] = any(
                    illustrative[g, i, t] or goalpost_illustrative[i] for i in available
                )
                if len(members) - len(available) > method.max_missing_share * len(members):
                    continue
                total = sum(weights[i] for i in available)
                if aggregation is Aggregation.ARITHMETIC:
                    index[g, k, t] = sum(weights[i] * scores[g, i, t] for i in available) / total
                else:
                    logs = sum(weights[i] * math.log(geometric_inputs[g, i, t]) for i in available)
                    index[g, k, t] = math.exp(logs / total)
        if normalisation is Normalisation.MIN_MAX and aggregation is Aggregation.GEOMETRIC:
            index[:, k] = (index[:, k] - 1) / 0.99
        if normalisation is Normalisation.Z_SCORE:
            low, high = np.nanmin(index[:, k]), np.nanmax(index[:, k])
            index[:, k] = 100 * (index[:, k] - low) / (high - low)
            flags[:, k] = flags[:, k].any()
    return index, flags


def naive_ranks(index: np.ndarray) -> np.ndarray:
    ranks = np.full(index.shape, np.nan)
    for g, k, t in np.ndindex(*index.shape):
        if not math.isnan(index[g, k, t]):
            ranks[g, k, t] = 1 + sum(other > index[g, k, t] for other in index[:, k, t])
    return ranks


def random_set() -> tuple[np.ndarray, np.ndarray, list[IndicatorMeta], np.ndarray]:
    """20 geographies × 8 indicators (themes of 5 and 3) × 5 years, heavy-tailed, 8% missing."""
    rng = np.random.default_rng(20260514)
    values = rng.lognormal(mean=1.0, sigma=1.0, size=(20, 8, 5))
    values[:, 2] = rng.normal(size=(20, 5))  # negative values too
    values[3, 5, 4] = 500.0  # a clear outlier
    values[rng.random(values.shape) < 0.08] = np.nan
    illustrative = rng.random(values.shape) < 0.03
    indicators = [
        IndicatorMeta(f"I{i}", "ab"[i >= 5], WORSE if i in (1, 6) else BETTER) for i in range(8)
    ]
    return values, illustrative, indicators, 2019.0 + np.arange(5)


WEIGHTED = {"I0": 2.0, "I5": 0.5}


def test_vectorised_winsorisation_equals_one_point_at_a_time():
    values, *_ = random_set()
    treated = naive_winsorise(values, DEFAULT_METHOD)
    assert not np.array_equal(treated, values, equal_nan=True)  # the case exercises treatment
    np.testing.assert_array_equal(winsorise(values, DEFAULT_METHOD), treated)


@pytest.mark.parametrize("normalisation", list(Normalisation))
@pytest.mark.parametrize("aggregation", list(Aggregation))
def test_vectorised_core_equals_naive_per_cell_reference(normalisation, aggregation):
    values, illustrative, indicators, times = random_set()
    method = Method(normalisation=normalisation, aggregation=aggregation, weights=WEIGHTED)
    result = compute_theme_arrays(values, illustrative, indicators, times, method)

    weights = [method.weight_of(indicator.code) for indicator in indicators]
    treated = naive_winsorise(values, method)
    index, flags = naive_index(
        treated, illustrative, indicators, method, normalisation, aggregation, weights
    )
    assert 0 < np.isnan(index).sum() < index.size  # the missing-data rule bites somewhere
    np.testing.assert_allclose(result.index, index, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(result.illustrative, flags)
    assert flags.any()
    if normalisation is Normalisation.MIN_MAX:  # z-scores flag the whole theme
        assert not flags.all()
    present = ~np.isnan(values)
    inputs = np.stack([present[:, :5].sum(1), present[:, 5:].sum(1)], axis=1)
    np.testing.assert_array_equal(result.inputs, inputs)
    np.testing.assert_allclose(result.coverage, inputs / np.array([5, 3])[None, :, None])
    np.testing.assert_array_equal(result.rank, naive_ranks(index))

    for g, k in np.ndindex(20, 2):
        valid = ~np.isnan(index[g, k])
        slope = stats.linregress(times[valid], index[g, k, valid]).slope
        expected = slope if valid.sum() >= 2 else np.nan
        np.testing.assert_allclose(result.trend_per_year[g, k], expected, rtol=1e-9, atol=1e-9)
        if valid.any():
            latest = np.flatnonzero(valid)[-1]
            assert result.latest_period[g, k] == latest
            assert result.severity[g, k] == pytest.approx((100 - index[g, k, latest]) / 100)
            assert result.severity_illustrative[g, k] == flags[g, k, valid].any()
        else:
            assert result.latest_period[g, k] == -1


def test_rank_intervals_equal_ranks_over_every_option_variation():
    values, illustrative, indicators, times = random_set()
    method = Method(weights=WEIGHTED)
    result = compute_theme_arrays(values, illustrative, indicators, times, method)

    treated = naive_winsorise(values, method)
    nominal = [method.weight_of(indicator.code) for indicator in indicators]
    weight_sets = [nominal] + [
        [weight * factor if j == i else weight for j, weight in enumerate(nominal)]
        for i in range(len(indicators))
        for factor in (1 + method.weight_perturbation, 1 - method.weight_perturbation)
    ]
    scenario_ranks = [
        naive_ranks(naive_index(treated, illustrative, indicators, method, norm, agg, weights)[0])
        for norm in Normalisation
        for agg in Aggregation
        for weights in weight_sets
    ]
    np.testing.assert_array_equal(result.rank_best, np.min(scenario_ranks, axis=0))
    np.testing.assert_array_equal(result.rank_worst, np.max(scenario_ranks, axis=0))
    ranked = ~np.isnan(result.rank)
    assert (result.rank_best[ranked] <= result.rank[ranked]).all()
    assert (result.rank[ranked] <= result.rank_worst[ranked]).all()
    assert (result.rank_worst > result.rank_best).any()
