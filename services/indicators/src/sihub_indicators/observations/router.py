"""/indicators/observations (ingest, queries, revisions) and /indicators/ingests.

Reading is open to every caller; ingesting needs the `hub_operator` role (the hubs curate their
regions' data) or `admin`. Integrators only read, as everywhere in sihub (the gateway enforces it).
A hub operator may revise any geography: this service does not know which regions a hub covers
(the registry does), so instead every revision names its ingest and so its account and
organisation, and the revisions of a key or of an ingest are listed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile, status

from sihub_indicators.catalogue.schemas import CODE_PATTERN
from sihub_indicators.observations.formats import IngestFormat
from sihub_indicators.observations.schemas import (
    IngestPublic,
    IngestReport,
    ObservationPublic,
    RevisionPublic,
)
from sihub_indicators.observations.service import (
    IngestFile,
    IngestService,
    ObservationQueries,
    cursor_position,
    ingest_public,
    observation_public,
    parse_mapping,
)
from sihub_indicators.observations.upload import FILE_TYPES, UploadRoute, receive_upload
from sihub_indicators.periods import Frequency, Period
from sihub_indicators.settings import IndicatorsSettings
from sihub_shared.timestamps import UtcDatetime, as_utc
from sihub_shared.db import Session
from sihub_shared.errors import ProblemError
from sihub_shared.identity import CurrentIdentity, Role, require_roles
from sihub_shared.openapi import problems
from sihub_shared.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, encode_cursor
from sihub_shared.strict import CountryCode, GeographyCode, Line, Text

router = APIRouter(prefix="/indicators", tags=["observations"], route_class=UploadRoute)
# The raw-body forms of an upload (the `format` parameter says how to read it). FastAPI declares
# the multipart form from the File/Form parameters, all optional in Python because a raw body has
# none; in a form, `file` is required.
_FILE_TYPES = {**{media: {"schema": {"type": "string"}} for media in FILE_TYPES},
               "multipart/form-data": {"schema": {"required": ["file"]},
                                       "encoding": {"structure": {"contentType": "application/xml"}}}}


@router.post(
    "/observations/ingest",
    response_model=IngestReport,
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_roles(Role.hub_operator)],
    summary="Ingest a file of observations (CSV, SDMX-ML or SDMX-CSV): all rows or none",
    description="Send the file as the body or as the multipart part `file`. A structure-specific "
    "SDMX-ML message needs its data structure: send the agency's structure message (with the DSD) "
    "as the multipart part `structure`. Every row is validated first; if any is invalid the answer "
    "(422) lists rows and fields and nothing is written. 201 when something changed, 200 when the "
    "data was already held (no revision, no event).",
    openapi_extra={"requestBody": {"required": True, "content": _FILE_TYPES}},
    # `file` and `structure`, and room for a `mapping` sent as a file (curl -F mapping=@m.json),
    # so that this mistake is answered by a 422 naming `mapping`.
    form_limits={"max_files": 3, "max_fields": 1},
)
async def ingest(
    request: Request,
    response: Response,
    session: Session,
    identity: CurrentIdentity,
    format: IngestFormat = IngestFormat.CSV,  # noqa: A002 - the word the API uses
    mapping: Annotated[Text | None, Query(description="SDMX mapping as JSON (or the multipart part `mapping`)")] = None,
    source: Annotated[Line | None, Query(max_length=500, description="Source for rows that name none")] = None,
    illustrative: Annotated[bool, Query(description="Mark every row as made-up demonstration data")] = False,
    file: Annotated[UploadFile | None, File(description="The observations (multipart form)")] = None,
    structure: Annotated[UploadFile | None, File(
        description="SDMX-ML structure message (2.1 or 3.0) holding the data structure (DSD) of an SDMX-ML file"
    )] = None,
    mapping_part: Annotated[str | None, Form(alias="mapping", description="SdmxMapping as JSON")] = None,
):
    settings: IndicatorsSettings = request.app.state.settings
    upload = await receive_upload(request, file, structure)
    try:
        if mapping is not None and mapping_part is not None:
            raise ProblemError.for_field("mapping", "send the mapping once: as the query parameter or the form part")
        mapping_text = mapping_part or mapping
        report = await IngestService(
            session, chunk_rows=settings.ingest_chunk_rows, max_errors=settings.max_reported_errors,
            max_structure_bytes=settings.max_structure_bytes,
        ).ingest(identity, IngestFile(
            file=upload.file, format=format, sha256=upload.sha256, filename=upload.filename,
            mapping=parse_mapping(mapping_text) if mapping_text is not None else None,
            source=source, illustrative=illustrative, structure=upload.structure,
        ))
    finally:
        upload.close()
    if report.ingest_id is None:
        response.status_code = status.HTTP_200_OK
    else:
        response.headers["Location"] = f"/api/v1/indicators/ingests/{report.ingest_id}"
    return report


@router.get("/observations", response_model=Page[ObservationPublic], responses=problems(404),
            summary="Observations, current or as of a time")
async def list_observations(
    session: Session,
    indicator: Annotated[Line | None, Query(pattern=CODE_PATTERN, description="An indicator code")] = None,
    geography: Annotated[GeographyCode | None, Query(description="KR or KR-26")] = None,
    country: Annotated[CountryCode | None, Query(description="A country and all its regions")] = None,
    frequency: Frequency | None = None,
    period_from: Annotated[Period | None, Query(
        description="Periods that begin at or after this one begins (2019, 2019-Q1, 2019-01), of every form")] = None,
    period_to: Annotated[Period | None, Query(
        description="Periods that end at or before this one ends (inclusive), of every form")] = None,
    as_of: Annotated[UtcDatetime | None, Query(description="The values that were current at this time")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
):
    after = cursor_position(decode_cursor(cursor), "indicator", "geography", "period") if cursor else None
    rows = await ObservationQueries(session).find(
        indicator=indicator, geography=geography, country=country, frequency=frequency, period_from=period_from,
        period_to=period_to, as_of=as_of, after=after, limit=limit + 1,
    )
    items = [observation_public(row) for row in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return Page(items=items, next_cursor=encode_cursor(
        {"indicator": last.indicator_code, "geography": last.geography, "period": last.period}) if last else None)


@router.get("/observations/{indicator}/{geography}/{period}/revisions", response_model=list[RevisionPublic],
            summary="Every revision of one observation, oldest first, each with the account that wrote it")
async def list_revisions(indicator: Line, geography: Line, period: Line, session: Session):
    return await ObservationQueries(session).revisions(indicator, geography, period)


@router.get("/ingests", response_model=Page[IngestPublic], summary="Ingests that changed something, newest first")
async def list_ingests(
    session: Session,
    account_id: Annotated[Line | None, Query(max_length=36, description="Only this account's ingests")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
):
    before = cursor_position(decode_cursor(cursor), "created_at", "id") if cursor else None
    rows = await ObservationQueries(session).ingests(before, limit + 1, account_id)
    last = rows[limit - 1] if len(rows) > limit else None
    return Page(items=[ingest_public(row) for row in rows[:limit]], next_cursor=encode_cursor(
        {"created_at": as_utc(last.created_at).isoformat(), "id": last.id}) if last else None)


@router.get("/ingests/{ingest_id}", response_model=IngestPublic)
async def get_ingest(ingest_id: Line, session: Session):
    return ingest_public(await ObservationQueries(session).ingest(ingest_id))


@router.get("/ingests/{ingest_id}/revisions", response_model=Page[RevisionPublic],
            summary="The observations an ingest wrote (new keys and revisions), by key")
async def list_ingest_revisions(ingest_id: Line, session: Session, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT):
    after = cursor_position(decode_cursor(cursor), "indicator", "geography", "period") if cursor else None
    rows = await ObservationQueries(session).revisions_of_ingest(ingest_id, after, limit + 1)
    last = rows[limit - 1] if len(rows) > limit else None
    return Page(items=rows[:limit], next_cursor=encode_cursor(
        {"indicator": last.indicator, "geography": last.geography, "period": last.period}) if last else None)
