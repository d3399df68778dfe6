"""Figures and their evidence: the atoms of a report.

Every figure has an id, a value, a unit, the links of the records it was computed from, and an
`illustrative` flag that is true when any of those records is invented (demo) data. Builders only
make figures through these helpers, so that none can leave out its evidence."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

REGISTRY = "/api/v1/registry"
INDICATORS = "/api/v1/indicators"
MATCHING = "/api/v1/matching"
REGISTRY_PATHS = {"actor": "actors", "programme": "programmes", "cohort": "cohorts",
                  "membership": "memberships", "project": "projects", "case_study": "case-studies",
                  "partnership": "partnerships"}


def record_link(entity: str, record_id: str) -> str:
    return f"{REGISTRY}/{REGISTRY_PATHS[entity]}/{record_id}"


def index_link(comparison_set: str, geography: str, theme: str) -> str:
    return f"{INDICATORS}/indices?" + urlencode(
        {"comparison_set": comparison_set, "geography": geography, "theme": theme})


def severity_link(geography: str, theme: str) -> str:
    # `region` is the severities' name for one place, a country's own row included.
    return f"{INDICATORS}/severities?" + urlencode({"region": geography, "theme": theme})


def observations_link(geography: str) -> str:
    return f"{INDICATORS}/observations?" + urlencode({"geography": geography})


def coverage_link(country: str) -> str:
    return f"{INDICATORS}/coverage?" + urlencode({"country": country})


def round_link(round_id: str) -> str:
    return f"{MATCHING}/rounds/{round_id}"


def figure(figure_id: str, label: str, value: float | None, unit: str, evidence: Iterable[str],
           illustrative: bool, **attributes: Any) -> dict[str, Any]:
    """One figure; `attributes` carry what a reader needs beside the value (rank interval, trend)."""
    result: dict[str, Any] = {
        "id": figure_id,
        "label": label,
        "value": round(value, 6) if isinstance(value, float) else value,
        "unit": unit,
        "evidence": sorted(set(evidence)),
        "illustrative": illustrative,
    }
    if attributes:
        result["attributes"] = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in attributes.items()}
    return result


def share(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def canonical_json(document: Any) -> bytes:
    """The canonical bytes of a build: sorted keys, no spaces, UTF-8; the same document gives the same bytes."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
