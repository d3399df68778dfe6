"""Actor exports, streamed a batch at a time: JSON (the public state), CSV (the import columns,
so an export imports elsewhere), and an HSDS 3 organisations document.

HSDS 3 (Open Referral) mapping: organization ← actor (name = the first name, alternate_name = the
next ones joined by " / ", description = the English or first description, legal_status = the
kind's label, year_incorporated = founded_year); organization_identifiers ← identifiers
(identifier_scheme is the org-id.guide code); one service per offered capability (or one
service named after the actor when it offers nothing) whose service_areas carry the actor's
ISO 3166-2 region code (its ISO 3166-1 country code when no region is known) as a text extent.
Ids of nested objects are UUIDv5 of the actor id, so that repeated exports agree. Absent optional
values are left out (HSDS types each property; null is not a string): every organisation validates
against the published compiled/organization.json (tests/test_hsds_export.py).

A JSON or HSDS batch is read as plain rows and written 100 actors at a time (one pydantic call
each for JSON); a CSV batch comes from the database as its lines (ActorRepository.csv_lines). The
export yields to the event loop between them, so that other requests are served meanwhile.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import TypeAdapter

from sihub_registry.actors.formats import csv_header, csv_line, iter_chunks, name_column_place
from sihub_registry.actors.models import Actor
from sihub_registry.actors.repository import ActorFilters, ActorRepository
from sihub_registry.actors.schemas import ActorState
from sihub_registry.geography import regions_of
from sihub_registry.taxonomy.terms import (
    ACTOR_KIND_LABELS,
    CAPABILITY_LABELS,
    ISSUE_AREAS,
    ActorKind,
    Capability,
    IssueArea,
)
from sihub_shared.db import Database

PLATFORM_LANGS = ["en", "ko", "ja", "zh-Hans", "th"]
HSDS_VERSION = "3.0"
_STATES = TypeAdapter(list[ActorState])
# Actors a JSON or HSDS export turns into text between two turns of the event loop: a whole batch
# (1,000) held the loop ~100 ms, and a read beside the export waited for it (p95 164 ms).
_PART = 100


async def export_json(database: Database, filters: ActorFilters) -> AsyncIterator[bytes]:
    yield b"["
    first = True
    async with database.session() as session:
        async for batch in ActorRepository(session).stream(filters):
            for part in iter_chunks(batch, _PART):
                chunk = _STATES.dump_json(_STATES.validate_python(part, from_attributes=True))[1:-1]
                yield chunk if first else b"," + chunk
                first = False
                await asyncio.sleep(0)
    yield b"]"


async def export_csv(database: Database, filters: ActorFilters, *, bom: bool = False) -> AsyncIterator[bytes]:
    async with database.session() as session:
        name_langs, description_langs = await _languages(session, filters)
        yield (codecs.BOM_UTF8 if bom else b"") + csv_line(csv_header(name_langs, description_langs)).encode()
        async for lines in ActorRepository(session).csv_lines(filters, name_langs, description_langs):
            yield lines.encode()
            await asyncio.sleep(0)


async def _languages(session: Any, filters: ActorFilters) -> tuple[list[str], list[str]]:
    """Every language the selected actors have a name or a description in: the CSV's columns."""
    repository = ActorRepository(session)
    names = await repository.languages(filters, "name_lang")
    descriptions = await repository.languages(filters, "description_lang")

    def ordered(langs: set[str]) -> list[str]:
        """The platform's languages first, then the others by tag; a language's second (third, ...)
        name column ("en#2", `formats.name_columns`) right after its first."""

        def place(key: str) -> tuple[int, str, int]:
            lang, nth = name_column_place(key)
            return (PLATFORM_LANGS.index(lang) if lang in PLATFORM_LANGS else len(PLATFORM_LANGS), lang, nth)

        return sorted(langs, key=place)

    return ordered(names), ordered(descriptions)


def _nested_id(actor_id: str, *parts: str) -> str:
    return str(uuid.uuid5(uuid.UUID(actor_id), "/".join(parts)))


_IDENTIFIER_TYPES = {"KR-BRN": "tax", "JP-JCN": "company", "CN-USCI": "company", "SG-ACRA": "company", "TH-TIN": "tax"}


# In a path, query or fragment: what RFC 3986 allows as it is (and `%` that starts an escape).
_URI_SAFE = "/:@!$&'()*+,;=-._~?%"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# RFC 3986 reg-name: what a host name may be once in ASCII (the IDNA codec passes ASCII labels as they are).
_REG_NAME = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")


def web_address_as_uri(address: str) -> str | None:
    """An actor's website as the URI HSDS asks for: the API takes an IRI (`https://사회적기업.kr/경로`),
    so the host goes to IDNA (punycode) and everything else RFC 3986 does not allow is
    percent-encoded; None for an address that cannot be written so (an invalid host or port)."""
    try:
        parts = urlsplit(address)
        host = parts.hostname or ""
        # An IPv6 literal keeps its brackets (urlsplit's hostname drops them); a name goes to IDNA.
        if ":" in host:
            netloc = f"[{host}]"
        else:
            netloc = host.encode("idna").decode("ascii")
            if not _REG_NAME.fullmatch(netloc):
                return None
        if parts.port is not None:
            netloc += f":{parts.port}"
    except (UnicodeError, ValueError):
        return None
    if parts.username is not None:
        user = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = quote(_LONE_PERCENT.sub("%25", user), safe="!$&'()*+,;=-._~%:") + "@" + netloc
    path, query, fragment = (quote(_LONE_PERCENT.sub("%25", part), safe=_URI_SAFE)
                             for part in (parts.path, parts.query, parts.fragment))
    return urlunsplit((parts.scheme.lower(), netloc, path, query, fragment))


def hsds_organization(actor: Actor, base_url: str) -> dict[str, Any]:
    names = [n["value"] for n in actor.names]
    english = [d["value"] for d in actor.descriptions if d["lang"] == "en"]
    description = (english or [d["value"] for d in actor.descriptions] or [""])[0]
    area_code = actor.region or actor.country
    area_name = regions_of(actor.country).get(actor.region, area_code) if actor.region else actor.country
    services = [
        (claim["capability"], CAPABILITY_LABELS[Capability(claim["capability"])], claim.get("detail") or "")
        for claim in actor.offers
    ] or [("activities", names[0], description)]
    # HSDS types every property it defines (a string is never null): absent values are left out.
    website = web_address_as_uri(actor.website) if actor.website else None
    optional = {"alternate_name": " / ".join(names[1:]) or None, "website": website,
                "year_incorporated": actor.founded_year}
    return {
        "id": actor.id,
        "name": names[0],
        "description": description,
        **{key: value for key, value in optional.items() if value is not None},
        "legal_status": ACTOR_KIND_LABELS[ActorKind(actor.kind)],
        "uri": f"{base_url}/api/v1/registry/actors/{actor.id}",
        "organization_identifiers": [
            {
                "id": _nested_id(actor.id, "identifier", i["scheme"], i["value"]),
                "organization_id": actor.id,
                "identifier_scheme": i["scheme"],
                "identifier_type": _IDENTIFIER_TYPES.get(i["scheme"], "registration"),
                "identifier": i["value"],
            }
            for i in actor.identifiers
        ],
        "services": [
            {
                "id": (service_id := _nested_id(actor.id, "service", code)),
                "organization_id": actor.id,
                "name": name,
                "description": detail,
                "status": "active",
                "service_areas": [
                    {
                        "id": _nested_id(actor.id, "service_area", code, area_code),
                        "service_id": service_id,
                        "name": area_name,
                        "extent": area_code,
                        "extent_type": "text",
                        "uri": f"https://www.iso.org/obp/ui/#iso:code:3166:{area_code}",
                    }
                ],
            }
            for code, name, detail in services
        ],
        "attributes": [_issue_attribute(actor.id, area) for area in actor.issue_areas]
        + ([_ILLUSTRATIVE_ATTRIBUTE | {"id": _nested_id(actor.id, "attribute", "data_status", "illustrative"),
                                       "link_id": actor.id}] if actor.illustrative else []),
        # An extension HSDS allows (it closes no object): what every other sihub output says.
        "illustrative": actor.illustrative,
        "metadata": [
            {"id": _nested_id(actor.id, "metadata", str(actor.version)), "resource_id": actor.id,
             "resource_type": "organization", "last_action_date": actor.updated_at.date().isoformat(),
             "last_action_type": "update" if actor.version > 1 else "create", "field_name": "",
             "previous_value": "", "replacement_value": "", "updated_by": "sihub registry"}
        ],
    }


_ILLUSTRATIVE_TERM_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://sihub.org/taxonomy/data_status/illustrative"))
# Invented (demo) data says so in HSDS's own terms too, for a reader that knows no extension.
_ILLUSTRATIVE_ATTRIBUTE = {
    "link_type": "data_status",
    "link_entity": "organization",
    "taxonomy_term_id": _ILLUSTRATIVE_TERM_ID,
    "value": "illustrative",
    "label": "Illustrative: invented for a demonstration, not a real record",
    "taxonomy_term": {"id": _ILLUSTRATIVE_TERM_ID, "code": "illustrative", "name": "Illustrative",
                      "description": "Invented for a demonstration, not a real record",
                      "taxonomy": "sihub data status"},
}


def _issue_attribute(actor_id: str, area: str) -> dict[str, Any]:
    term_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://sihub.org/taxonomy/issue_area/{area}"))
    label = ISSUE_AREAS[IssueArea(area)].labels.en
    return {
        "id": _nested_id(actor_id, "attribute", "issue_area", area),
        "link_id": actor_id,
        "link_type": "issue_area",
        "link_entity": "organization",
        "taxonomy_term_id": term_id,
        "value": area,
        "label": label,
        "taxonomy_term": {"id": term_id, "code": area, "name": label, "description": label,
                          "taxonomy": "sihub issue areas (mapped to SDGs)"},
    }


async def export_hsds(database: Database, filters: ActorFilters, base_url: str) -> AsyncIterator[bytes]:
    async with database.session() as session:
        repository = ActorRepository(session)
        total = await repository.count(filters)
        head = {"hsds_version": HSDS_VERSION, "total_items": total, "total_pages": 1, "page_number": 1,
                "size": total, "first_page": True, "last_page": True, "empty": total == 0}
        yield json.dumps(head, ensure_ascii=False)[:-1].encode() + b', "contents": ['
        first = True
        async for batch in repository.stream(filters):
            for part in iter_chunks(batch, _PART):
                chunk = ",".join(json.dumps(hsds_organization(a, base_url), ensure_ascii=False) for a in part)
                yield ((b"" if first else b",") + chunk.encode())
                first = False
                await asyncio.sleep(0)
    yield b"]}"


