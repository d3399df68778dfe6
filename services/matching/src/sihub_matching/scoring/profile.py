"""The scoring profile: the versioned document that defines how a pair is scored. Change a weight,
a bound or a geography value here and bump `version`; every suggestion and round names it.

A side's score (how good the other actor is for this one) is the weighted mean of the parts, each
in [0, 1]; the pair's score is `seeker_share` × the seeker's side + (1 − `seeker_share`) × the
provider's side."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Geography(StrEnum):
    SAME_REGION = "same_region"
    SAME_COUNTRY = "same_country"
    CROSS_BORDER = "cross_border"


class PartName(StrEnum):
    NEEDS_MET = "needs_met"
    NEEDS_SERVED = "needs_served"
    SHARED_ISSUES = "shared_issues"
    GEOGRAPHY = "geography"
    CROSS_SECTOR = "cross_sector"
    FUNDING = "funding"


class PartDefinition(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: PartName
    weight: float = Field(ge=0, le=1)
    min_weight: float = Field(ge=0, le=1)
    max_weight: float = Field(ge=0, le=1)
    description: str


class Profile(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str
    parts: tuple[PartDefinition, ...]
    seeker_share: float = Field(
        ge=0, le=1, description="the seeker side's share of the pair's score"
    )
    prefer: Geography = Field(description="which geography scores highest")
    geography_values: dict[Geography, dict[Geography, float]] = Field(
        description="per preference, the geography part's value for each relation of the two actors"
    )
    funder_kinds: tuple[str, ...]
    unknown_severity: float = Field(
        ge=0, le=1, description="severity assumed where the indicators give none"
    )
    severity_weight: float = Field(
        ge=0, le=1, description="how much severity raises a shared issue area's value"
    )

    def weight(self, name: PartName) -> float:
        return next(p.weight for p in self.parts if p.name == name)

    def with_weights(self, weights: dict[PartName, float]) -> Profile:
        """This profile with some weights replaced (the caller has checked the bounds)."""
        parts = tuple(
            p.model_copy(update={"weight": weights.get(p.name, p.weight)}) for p in self.parts
        )
        return self.model_copy(update={"parts": parts})

    def preferring(self, prefer: Geography | None) -> Profile:
        """This profile with another geography preferred (None: as it is)."""
        return self if prefer is None else self.model_copy(update={"prefer": prefer})

    def out_of_bounds(self, weights: dict[PartName, float]) -> list[tuple[PartName, str]]:
        bounds = {p.name: (p.min_weight, p.max_weight) for p in self.parts}
        problems = [
            (name, f"must be within [{bounds[name][0]}, {bounds[name][1]}]")
            for name, value in weights.items()
            if not bounds[name][0] <= value <= bounds[name][1]
        ]
        if not problems and sum(self.with_weights(weights).weight(p.name) for p in self.parts) <= 0:
            problems.append((next(iter(weights)), "at least one weight must be above 0"))
        return problems


DEFAULT_PROFILE = Profile(
    version="2026-12-02.1",
    parts=(
        PartDefinition(
            name=PartName.NEEDS_MET,
            weight=0.30,
            min_weight=0.0,
            max_weight=1.0,
            description="the share of this actor's needs that the other actor offers",
        ),
        PartDefinition(
            name=PartName.NEEDS_SERVED,
            weight=0.10,
            min_weight=0.0,
            max_weight=1.0,
            description="the reverse: the share of the other actor's needs that this actor offers",
        ),
        PartDefinition(
            name=PartName.SHARED_ISSUES,
            weight=0.25,
            min_weight=0.0,
            max_weight=1.0,
            description="issue areas both work on, each counted more the more severe the theme is "
            "in the seeker's region (the indicators' severity, 0–1), as a share of this actor's issue areas",
        ),
        PartDefinition(
            name=PartName.GEOGRAPHY,
            weight=0.10,
            min_weight=0.0,
            max_weight=1.0,
            description="same region, same country or across borders, valued by `prefer`",
        ),
        PartDefinition(
            name=PartName.CROSS_SECTOR,
            weight=0.10,
            min_weight=0.0,
            max_weight=1.0,
            description="1 when the two are of different sectors (public, private, social, "
            "academic, philanthropic)",
        ),
        PartDefinition(
            name=PartName.FUNDING,
            weight=0.15,
            min_weight=0.0,
            max_weight=1.0,
            description="1 when the other actor is a funder or impact investor offering funding "
            "on an issue area of this actor",
        ),
    ),
    seeker_share=0.5,
    prefer=Geography.SAME_REGION,
    geography_values={
        Geography.SAME_REGION: {
            Geography.SAME_REGION: 1.0,
            Geography.SAME_COUNTRY: 0.5,
            Geography.CROSS_BORDER: 0.0,
        },
        Geography.SAME_COUNTRY: {
            Geography.SAME_REGION: 0.8,
            Geography.SAME_COUNTRY: 1.0,
            Geography.CROSS_BORDER: 0.0,
        },
        Geography.CROSS_BORDER: {
            Geography.SAME_REGION: 0.0,
            Geography.SAME_COUNTRY: 0.25,
            Geography.CROSS_BORDER: 1.0,
        },
    },
    funder_kinds=("foundation", "impact_investor"),
    unknown_severity=0.0,
    severity_weight=0.5,
)
