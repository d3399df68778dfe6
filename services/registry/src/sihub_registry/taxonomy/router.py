"""/registry/taxonomy: the versioned reference data other services also use."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from sihub_registry.identifiers import IDENTIFIER_SCHEMES
from sihub_registry.projects.models import ProjectStatus
from sihub_registry.partnerships.models import PartnershipOrigin
from sihub_registry.taxonomy.terms import TAXONOMY_VERSION, taxonomy_document

router = APIRouter(prefix="/registry", tags=["taxonomy"])


@router.get("/taxonomy", summary="Kinds and sectors, issue areas (with SDGs), capabilities, partnership types and statuses, certification and identifier schemes")
async def taxonomy(response: Response) -> dict[str, Any]:
    response.headers["ETag"] = f'"taxonomy-{TAXONOMY_VERSION}"'
    response.headers["Cache-Control"] = "public, max-age=3600"
    document = taxonomy_document()
    document["identifier_schemes"] = [s.model_dump() for s in IDENTIFIER_SCHEMES.values()]
    document["partnership_origins"] = [o.value for o in PartnershipOrigin]
    document["project_statuses"] = [s.value for s in ProjectStatus]
    return document
