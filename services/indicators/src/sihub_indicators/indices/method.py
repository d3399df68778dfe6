"""The versioned method behind sihub's composite theme indices.

It follows the steps of the OECD/JRC *Handbook on Constructing Composite Indicators: Methodology
and User Guide* (OECD, 2008): outlier treatment, normalisation, direction, weighting, missing
data, aggregation and a robustness check of the resulting ranks. Outlier thresholds are those of
the JRC's COIN practice (COINr); the missing-data rule is the one of the SDSN SDG Index. The
`Method` is served as a document so that every published number can be traced to its rules.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat


class Direction(StrEnum):
    """Whether a higher raw value of an indicator is better or worse for people."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class Normalisation(StrEnum):
    MIN_MAX = "min_max"
    Z_SCORE = "z_score"


class Aggregation(StrEnum):
    ARITHMETIC = "arithmetic"
    GEOMETRIC = "geometric"


# Severity bands by inclusive lower bound: low < 0.25 ≤ medium < 0.5 ≤ high < 0.75 ≤ critical.
SEVERITY_BANDS: Final[tuple[tuple[str, float], ...]] = (
    ("low", 0.0),
    ("medium", 0.25),
    ("high", 0.5),
    ("critical", 0.75),
)

# Geometric means need strictly positive inputs: min–max scores are mapped onto this range.
GEOMETRIC_SCORE_RANGE: Final[tuple[float, float]] = (1.0, 100.0)

REFERENCES: Final[tuple[dict[str, str], ...]] = (
    {
        "citation": "OECD & European Commission Joint Research Centre (2008). Handbook on "
        "Constructing Composite Indicators: Methodology and User Guide. OECD Publishing, Paris.",
        "url": "https://doi.org/10.1787/9789264043466-en",
    },
    {
        "citation": "Becker, W., Caperna, G., Del Sorbo, M., Norlén, H., Papadimitriou, E. & "
        "Saisana, M. (2022). COINr: An R package for developing composite indicators. "
        "Journal of Open Source Software 7(78), 4567.",
        "url": "https://doi.org/10.21105/joss.04567",
    },
    {
        "citation": "Sachs, J. D., Lafortune, G., Fuller, G. et al. Sustainable Development "
        "Report: the SDG Index and Dashboards (methodology: indices are computed only where at "
        "least 80% of the indicators have data).",
        "url": "https://dashboards.sdgindex.org",
    },
    {
        "citation": "Saisana, M., Saltelli, A. & Tarantola, S. (2005). Uncertainty and "
        "sensitivity analysis techniques as tools for the quality assessment of composite "
        "indicators. Journal of the Royal Statistical Society A 168(2), 307–323.",
        "url": "https://doi.org/10.1111/j.1467-985X.2005.00350.x",
    },
)


def severity_band(severity: float) -> str:
    """The band a severity in [0, 1] falls in (see `SEVERITY_BANDS`)."""
    band = SEVERITY_BANDS[0][0]
    for name, lower_bound in SEVERITY_BANDS:
        if severity >= lower_bound:
            band = name
    return band


class Method(BaseModel):
    """Every choice that turns observations into theme indices; changing one is a new version."""

    model_config = ConfigDict(frozen=True)

    version: str = "2026.1"
    normalisation: Normalisation = Normalisation.MIN_MAX
    aggregation: Aggregation = Aggregation.ARITHMETIC
    weights: dict[str, PositiveFloat] = Field(
        default_factory=dict,
        description="relative weight per indicator code within its theme; unlisted ones weigh 1",
    )
    max_missing_share: float = Field(default=0.2, ge=0.0, lt=1.0)
    outlier_abs_skewness: float = Field(default=2.0, gt=0.0)
    outlier_kurtosis: float = 3.5
    max_winsorised_points: int = Field(default=5, ge=0)
    weight_perturbation: float = Field(default=0.25, gt=0.0, lt=1.0)

    def weight_of(self, indicator_code: str) -> float:
        return self.weights.get(indicator_code, 1.0)

    def rank_variations(self) -> str:
        """How ranks are varied to find the interval each rank moves in."""
        return (
            f"Each rank is recomputed under min–max and z-score normalisation, arithmetic and "
            f"geometric aggregation, and each indicator's weight raised and lowered by "
            f"{self.weight_perturbation:.0%}; the best and worst ranks met bound the nominal rank."
        )

    def describe(self) -> dict[str, Any]:
        """The method as a document: one sentence per step, its parameters, its references."""
        low, high = GEOMETRIC_SCORE_RANGE
        bands = ", ".join(f"{name} from {bound:g}" for name, bound in SEVERITY_BANDS)
        if self.normalisation is Normalisation.MIN_MAX:
            normalisation = (
                "Min–max: each indicator is rescaled to 0–100 between goalposts, its minimum and "
                "maximum across the set and all periods, so that scores of different periods are "
                "comparable (an indicator without spread scores 50)."
            )
        else:
            normalisation = (
                "Z-score: each indicator is centred on its mean and divided by its sample "
                "standard deviation across the set and all periods."
            )
        if self.aggregation is Aggregation.ARITHMETIC:
            aggregation = "Theme scores are the weighted arithmetic mean of the indicator scores."
        else:
            aggregation = (
                f"Theme scores are the weighted geometric mean of the indicator scores, made "
                f"strictly positive first (min–max scores mapped onto [{low:g}, {high:g}], "
                f"z-scores shifted so that their minimum is {low:g})."
            )
        steps = {
            "comparison_set": (
                "Indices compare a set of geographies chosen by the caller (the regions of one "
                "country, or countries among themselves) over all periods of one frequency."
            ),
            "outlier_treatment": (
                f"An indicator whose values across the set and its periods have |skewness| > "
                f"{self.outlier_abs_skewness:g} and excess kurtosis > {self.outlier_kurtosis:g} "
                f"(bias-corrected, as Excel and COINr compute them) is winsorised: one point at a "
                f"time on the side of the skew takes the nearest remaining value, at most "
                f"{self.max_winsorised_points} points, until both measures are within limits."
            ),
            "normalisation": normalisation,
            "direction": (
                "Indicators where a higher value is worse are inverted after normalisation "
                "(100 − score, or −z), so that higher always means better."
            ),
            "weighting": (
                "Indicators weigh equally within their theme unless the method lists an explicit "
                "relative weight for an indicator."
            ),
            "missing_data": (
                f"No theme score is computed where more than {self.max_missing_share:.0%} of the "
                f"theme's indicators are missing; otherwise the available ones are aggregated "
                f"with their weights re-normalised to sum to one."
            ),
            "aggregation": aggregation,
            "theme_index": (
                "The theme index runs from 0 to 100, 100 the best: min–max composites keep their "
                "scale, z-score composites are rescaled between their minimum and maximum across "
                "the set and all periods."
            ),
            "trend": (
                "The trend is the slope, in index points per year, of an ordinary least-squares "
                "line through a geography's theme indices over time; it needs two periods."
            ),
            "severity": f"Severity is (100 − latest theme index) / 100, in bands: {bands}.",
            "rank_robustness": self.rank_variations(),
            "illustrative": (
                "A result is illustrative when any observation that fed it is illustrative: its "
                "own inputs, the observations that set the goalposts it was scaled by, and, for "
                "z-scores, every observation of the theme in the set. A rank is fed by every "
                "ranked geography's index: ranks are illustrative (rank_illustrative) when any of "
                "those indices is."
            ),
        }
        return {
            "version": self.version,
            "title": "sihub composite theme indices",
            "steps": [{"name": name, "description": text} for name, text in steps.items()],
            "parameters": self.model_dump(mode="json"),
            "severity_bands": [{"band": name, "from": bound} for name, bound in SEVERITY_BANDS],
            "references": list(REFERENCES),
        }


DEFAULT_METHOD: Final[Method] = Method()
