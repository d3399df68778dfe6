"""The one answer for an indicator code not in the catalogue, wherever a request names one."""

from __future__ import annotations

from sihub_shared.errors import NotFound, ProblemError


def unknown_indicator(code: str, field: str) -> ProblemError:
    """404 naming the parameter that sent the code: `code` in the catalogue's own URIs, `indicator`
    in the queries that filter on one."""
    return NotFound.for_field(field, f"no indicator {code!r} in the catalogue")
