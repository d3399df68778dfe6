"""The two documented, versioned methods a report rests on, served as documents: the white-space
method and the policy rule set. Change a rule here and bump its version; every build names the
versions it used."""

from __future__ import annotations

from typing import Any

WHITE_SPACE_VERSION = "1.0"
POLICY_RULES_VERSION = "1.1"  # 1.1: PR-4 also fires on a region scored only for an earlier period

# A region × theme is a white space when the issue is at least this severe (0–1, 1 the worst) …
MIN_SEVERITY = 0.5
# … and fewer actors / confirmed partnerships than these work on it there (at these, the gap is 0).
ACTOR_SATURATION = 10
PARTNERSHIP_SATURATION = 5

WHITE_SPACE_METHOD: dict[str, Any] = {
    "name": "sihub white-space method",
    "version": WHITE_SPACE_VERSION,
    "purpose": "Find region × theme cells where a social issue is severe but few actors work on it "
               "and few partnerships exist, and rank them with the numbers that put them there.",
    "inputs": [
        "severity per region and theme (indicators' severity.changed events: 0–1, 1 the most severe)",
        "actors of the region whose issue areas include the theme (registry actor events)",
        ("confirmed partnerships with at least one such actor (registry partnership events; only "
        "partnerships every named actor confirmed count)"),
    ],
    "parameters": {"min_severity": MIN_SEVERITY, "actor_saturation": ACTOR_SATURATION,
                   "partnership_saturation": PARTNERSHIP_SATURATION},
    "steps": [
        {"name": "eligible", "description": f"keep cells with severity ≥ {MIN_SEVERITY}"},
        {"name": "actor gap", "description": f"actor_gap = 1 − min(actors, {ACTOR_SATURATION}) / {ACTOR_SATURATION}"},
        {"name": "partnership gap", "description": "partnership_gap = 1 − min(partnerships, "
                                                   f"{PARTNERSHIP_SATURATION}) / {PARTNERSHIP_SATURATION}"},
        {"name": "score", "description": "score = severity × (actor_gap + partnership_gap) / 2; cells "
                                         "with score 0 are not white spaces"},
        {"name": "rank", "description": "by score, highest first; ties by region code, then theme"},
    ],
}

POLICY_RULES: dict[str, Any] = {
    "name": "sihub policy rule set",
    "version": POLICY_RULES_VERSION,
    "purpose": "Derive policy options for cross-sector and regional collaboration from a report's "
               "findings. Each option names the findings it rests on; each finding names its figures.",
    "rules": [
        {"id": "PR-1", "finding": "white_spaces",
         "when": "at least one white space",
         "option": "Targeted calls for proposals and hub programmes in the top white spaces: severe "
                   "issues with few actors and few partnerships."},
        {"id": "PR-2", "finding": "unmet_funding", "threshold": 0.25,
         "when": "a quarter or more of the actors seeking funding have no funder on their issue in the country",
         "option": "A matched-funding facility for seekers without a funder on their issue, pooling "
                   "public and philanthropic money through the hubs."},
        {"id": "PR-3", "finding": "cross_sector", "threshold": 0.5,
         "when": "fewer than half of the confirmed partnerships join two or more sectors",
         "option": "Broker public–private collaboration: joint calls and procurement that require "
                   "partners from different sectors."},
        {"id": "PR-4", "finding": "data_gaps", "threshold": 0.8,
         "when": "a theme has no score in some region, or a region's score is for an earlier period "
                 "than the theme's latest (its latest withheld), mean indicator coverage is below 0.8, or "
                 "the country has actors but no regional index at all",
         "option": "Invest in local data systems: collect the missing indicators with regional "
                   "statistics offices and the hubs."},
        {"id": "PR-5", "finding": "regional_concentration", "threshold": 0.5,
         "when": "one region holds more than half of the actors with a known region (two or more regions)",
         "option": "Strengthen hubs outside the main region so that support reaches every region."},
        {"id": "PR-6", "finding": "match_follow_up", "threshold": 0.5,
         "when": "matches were accepted but fewer than half became partnerships",
         "option": "Follow-up support for accepted matches (agreements, first joint project)."},
    ],
    "cross_country": {"when": "a rule fires in two or more countries of a comparative report",
                      "option": "a shared regional agenda on that rule, between those countries"},
}


def rule(rule_id: str) -> dict[str, Any]:
    return next(r for r in POLICY_RULES["rules"] if r["id"] == rule_id)
