"""Time a full recompute of the indicators service's theme indices.

250 regions × 50 indicators (10 themes) × 20 years of random data, 10% missing, 1% illustrative:
theme indices, trends, severities and rank robustness through `compute_theme_arrays`, then the same
through `compute_indices` from observation records. Prints one JSON line last:
{"recompute_s": <best of 5, array core>, "records_s": <best of 3, from records>}.
"""

from __future__ import annotations

import json
import time

import numpy as np
from sihub_indicators.indices.compute import (
    IndicatorMeta,
    Observation,
    compute_indices,
    compute_theme_arrays,
)
from sihub_indicators.indices.method import Direction, Method

GEOGRAPHIES, INDICATORS, PERIODS, THEMES = 250, 50, 20, 10


def best_of(repeats: int, run) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    rng = np.random.default_rng(2026)
    values = rng.lognormal(mean=1.0, sigma=0.8, size=(GEOGRAPHIES, INDICATORS, PERIODS))
    values[rng.random(values.shape) < 0.10] = np.nan
    illustrative = rng.random(values.shape) < 0.01
    indicators = [
        IndicatorMeta(
            code=f"IND{n:02d}",
            theme=f"theme-{n % THEMES}",
            direction=Direction.LOWER_IS_BETTER if n % 3 == 0 else Direction.HIGHER_IS_BETTER,
        )
        for n in range(INDICATORS)
    ]
    times = np.arange(2005, 2005 + PERIODS, dtype=np.float64)
    method = Method()

    recompute_s = best_of(
        5, lambda: compute_theme_arrays(values, illustrative, indicators, times, method)
    )

    g, i, t = np.nonzero(~np.isnan(values))
    observations = [
        Observation(
            indicator_code=indicators[i_].code,
            geography=f"R{g_:03d}",
            period=str(2005 + t_),
            value=float(values[g_, i_, t_]),
            illustrative=bool(illustrative[g_, i_, t_]),
        )
        for g_, i_, t_ in zip(g.tolist(), i.tolist(), t.tolist(), strict=True)
    ]
    records_s = best_of(3, lambda: compute_indices(observations, indicators, method))

    print(json.dumps({"recompute_s": round(recompute_s, 4), "records_s": round(records_s, 4)}))


if __name__ == "__main__":
    main()
