"""Builds: request one (in the request, or in the background past a size), read it in a format,
rebuild it from its recorded stream positions and say whether the result is byte-identical."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sihub_shared.db import Database
from sihub_shared.errors import Conflict, NotFound, ProblemError, UnprocessableContent
from sihub_shared.events.outbox import record
from sihub_shared.pagination import decode_cursor, encode_cursor
from sihub_shared.workers import lease_lapsed, lease_until, renewing_lease
from sqlmodel.ext.asyncio.session import AsyncSession
from structlog import get_logger

from sihub_reports.builds.models import UNFINISHED, ReportBuild
from sihub_reports.builds.repository import BuildRepository
from sihub_reports.builds.schemas import BuildPublic, BuildRequest, Format, RebuildResult
from sihub_reports.content.comparative import build_comparative
from sihub_reports.content.country import build_country, country_name
from sihub_reports.content.figures import canonical_json, sha256
from sihub_reports.ecosystem.service import Ecosystem, EcosystemService, Progress
from sihub_reports.events.contracts import ReportPublished
from sihub_reports.render.html import Medium, render_html
from sihub_reports.render.markdown import render_markdown
from sihub_reports.render.pdf import render_pdf  # WeasyPrint loads with the service, not on the first PDF

log = get_logger(__name__)
API = "/api/v1/reports/builds"


def check_countries(request: BuildRequest) -> None:
    """ISO 3166-1 alpha-2 codes that exist; one for a country report, two or more for a comparative
    one (422 naming the field)."""
    for index, code in enumerate(request.countries):
        if country_name(code) is None:
            raise UnprocessableContent.for_field(f"countries[{index}]", f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    if request.kind == "country" and len(request.countries) != 1:
        raise UnprocessableContent.for_field("countries", "a country report is about exactly one country")
    if request.kind == "comparative" and len(request.countries) < 2:
        raise UnprocessableContent.for_field("countries", "a comparative report compares two or more countries")


def build_document(ecosystem: Ecosystem, kind: str, countries: list[str]) -> dict[str, Any]:
    if kind == "country":
        return build_country(ecosystem, countries[0])
    return build_comparative(ecosystem, countries)


def render(document_bytes: bytes, format_: Format, json_link: str | None = None, base_url: str = "") -> bytes:
    """`json_link`: where the PDF sends its reader for every record of every figure; `base_url`:
    the public address the HTML, Markdown and PDF make their links absolute on (none: the links
    stay as the JSON document holds them, `/api/v1/...`)."""
    if format_ is Format.JSON:
        return document_bytes
    document = _loads(document_bytes)
    if format_ is Format.HTML:
        return render_html(document, Medium(base_url=base_url)).encode()
    if format_ is Format.MD:
        return render_markdown(document, base_url).encode()
    return render_pdf(document, json_link, base_url)


def _loads(data: bytes) -> dict[str, Any]:
    return json.loads(data)


def public(build: ReportBuild) -> BuildPublic:
    links = {"self": f"{API}/{build.id}", "rebuild": f"{API}/{build.id}/rebuild"}
    if build.status == "done":
        links |= {f.value: f"{API}/{build.id}?format={f.value}" for f in Format}
    return BuildPublic(id=build.id, kind=build.kind, countries=build.countries, created_at=build.created_at,
                       positions=build.positions, status=build.status, progress=build.progress,
                       illustrative=build.illustrative, empty=build.empty, json_sha256=build.json_sha256, links=links)


async def compute(session: AsyncSession, kind: str, countries: list[str], positions: Mapping[str, int],
                  progress: Progress | None = None) -> bytes:
    """The canonical JSON of a build at `positions`; folding the events is most of the work, so
    `progress(done, total)` follows it."""
    ecosystem = await EcosystemService(session).snapshot(positions, progress)
    document = await asyncio.to_thread(build_document, ecosystem, kind, countries)
    return await asyncio.to_thread(canonical_json, document)


def finish(session: AsyncSession, build: ReportBuild, data: bytes) -> None:
    document = _loads(data)
    build.document, build.json_sha256 = data, sha256(data)
    build.illustrative, build.empty = document["illustrative"], document["empty"]
    build.status, build.progress, build.lease_until = "done", 1.0, None
    session.add(build)
    record(session, ReportPublished(build_id=build.id, kind=build.kind, countries=build.countries,
                                positions=build.positions, illustrative=build.illustrative,
                                json_sha256=build.json_sha256, created_at=build.created_at), subject=build.id)


class BuildService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.builds = BuildRepository(session)
        self.ecosystem = EcosystemService(session)

    async def request(self, request: BuildRequest, account_id: str, *, background_events: int, lease_s: float,
                      progress: Progress | None = None) -> tuple[ReportBuild, bool]:
        """Store the build at the read model's current positions; build it now unless it is
        large (returns True then: the caller runs `run_in_background`)."""
        check_countries(request)
        countries = request.countries if request.kind == "country" else sorted(request.countries)
        positions = dict(sorted((await self.ecosystem.positions()).items()))
        build = ReportBuild(id=str(uuid.uuid4()), kind=request.kind, countries=countries, positions=positions,
                            status="queued", created_by=account_id, created_at=datetime.now(UTC))
        self.builds.add(build)
        if await self.ecosystem.count(positions) > background_events:
            build.lease_until = lease_until(lease_s)
            return build, True
        finish(self.session, build, await compute(self.session, build.kind, build.countries, positions, progress))
        return build, False

    async def get(self, build_id: str) -> ReportBuild:
        build = await self.builds.get(build_id)
        if build is None:
            raise NotFound.for_field("id", f"no build {build_id}")
        return await self._settled(build)

    async def _settled(self, build: ReportBuild) -> ReportBuild:
        """A background build whose lease lapsed stopped with its process: it failed. Only while it
        still reads so (a conditional update): a build that has just finished wins."""
        if build.status in UNFINISHED and lease_lapsed(build.lease_until):
            if await self.builds.fail_lapsed(build.id, datetime.now(UTC)):
                log.warning("report build lost with its process", build_id=build.id, lease_until=build.lease_until)
            await self.session.refresh(build)
        return build

    async def page(self, limit: int, cursor: str | None) -> tuple[list[ReportBuild], str | None]:
        after = None
        if cursor is not None:
            position = decode_cursor(cursor)
            try:
                after = (datetime.fromisoformat(position["created_at"]), str(position["id"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise ProblemError.for_field("cursor", "not a cursor this API gave out") from exc
        rows = [await self._settled(build) for build in await self.builds.page(limit, after)]
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = encode_cursor({"created_at": rows[-1].created_at.isoformat(), "id": rows[-1].id})
        return rows, next_cursor

    async def content(self, build_id: str, format_: Format, base_url: str = "") -> bytes:
        build = await self.get(build_id)
        if build.status != "done" or build.document is None:
            raise Conflict(f"build {build_id} is {build.status} ({build.progress:.0%}); ask again when it is done",
                           status_of_build=build.status, progress=build.progress)
        return await asyncio.to_thread(render, build.document, format_, f"{API}/{build.id}?format=json", base_url)

    async def rebuild(self, build_id: str) -> RebuildResult:
        """Fold the read model afresh up to the build's positions, build and render again, compare bytes."""
        build = await self.get(build_id)
        if build.status != "done" or build.document is None:
            raise Conflict(f"build {build_id} is {build.status}; only a finished build can be rebuilt")
        current = await self.ecosystem.positions()
        behind = sorted(s for s, p in build.positions.items() if current.get(s, 0) < p)
        if behind:
            raise Conflict("the read model has not yet read as far as this build: " + ", ".join(behind),
                           errors=[{"field": "positions", "message": f"{s} is behind"} for s in behind])
        data = await compute(self.session, build.kind, build.countries, build.positions)
        same = [data == build.document]
        for format_ in (Format.HTML, Format.MD):
            same.append(await asyncio.to_thread(render, data, format_)
                        == await asyncio.to_thread(render, build.document, format_))
        return RebuildResult(id=build.id, positions=build.positions, identical=all(same), json_identical=same[0],
                             html_identical=same[1], md_identical=same[2], json_sha256=build.json_sha256 or "",
                             rebuilt_json_sha256=sha256(data), schema=_loads(build.document).get("schema", ""),
                             rebuilt_schema=_loads(data)["schema"])


async def run_in_background(database: Database, build_id: str, lease_s: float) -> None:
    """Build a queued build in its own transactions, saying its progress and renewing its lease as it goes."""

    async def renew(until: datetime) -> None:
        async with database.session() as session:
            await BuildRepository(session).renew_lease(build_id, until)

    try:
        async with renewing_lease(renew, lease_s):
            async with database.session() as session:
                build = await session.get(ReportBuild, build_id)
                build.status, build.progress = "running", 0.1
                session.add(build)

            async def progress(done: int, total: int) -> None:
                async with database.session() as session:
                    await BuildRepository(session).set_progress(build_id, 0.1 + 0.8 * done / max(total, 1))

            async with database.session() as session:
                build = await session.get(ReportBuild, build_id)
                data = await compute(session, build.kind, build.countries, build.positions, progress)
                await session.refresh(build)
                finish(session, build, data)
    except Exception:
        log.exception("report build failed", build_id=build_id)
        async with database.session() as session:
            build = await session.get(ReportBuild, build_id)
            build.status, build.lease_until = "failed", None
            session.add(build)
