"""The themes indices are computed for: the issue-area taxonomy of the registry service.

Services never import each other, so these are the registry's issue-area codes
(`sihub_registry.taxonomy.terms.IssueArea`) repeated as a small constant. They must stay the same
codes: matching and reports join an actor's issue areas with a region's theme severities on them.
"""

from __future__ import annotations

from types import MappingProxyType
from enum import StrEnum
from typing import Final

THEMES: Final = MappingProxyType(
    {
        "income_disparity": "Income disparity",
        "environment_climate": "Environment and climate",
        "education": "Education",
        "employment": "Employment",
        "ageing_care": "Ageing and care",
        "health": "Health",
        "housing": "Housing",
        "gender": "Gender equality",
        "local_economy_regeneration": "Local economy and regeneration",
        "food": "Food",
        "digital_inclusion": "Digital inclusion",
        "migration": "Migration",
    }
)

# An enum of the same codes, for request validation and the OpenAPI document.
Theme = StrEnum("Theme", [(code, code) for code in THEMES])  # type: ignore[misc]
