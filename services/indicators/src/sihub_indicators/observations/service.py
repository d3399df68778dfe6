"""Ingestion and queries of observations.

An ingest reads the file a chunk at a time, validates every row, and stages the valid rows; only
when the whole file is valid (and has no key twice) is the staging table merged into
`observation`, every comparison set at once, in the request's one transaction. A row equal to
the current revision of its key writes nothing, so a re-ingest of the same data leaves no
revision, no ingest log entry and no event.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_indicators import geography as geographies
from sihub_indicators.catalogue.errors import unknown_indicator
from sihub_indicators.catalogue.repository import CatalogueRepository
from sihub_indicators.events.contracts import ComparisonSetCounts, ObservationsIngested
from sihub_indicators.indices.service import IndexService
from sihub_indicators.observations.errors import InvalidRows, row_error
from sihub_indicators.observations.formats import IngestFormat
from sihub_indicators.observations.models import Ingest, Observation
from sihub_indicators.observations.readers import (
    STRUCTURE,
    Chunk,
    CsvReader,
    SdmxCsvReader,
    SdmxMapping,
    SdmxMlReader,
)
from sihub_indicators.observations.repository import ObservationRepository
from sihub_indicators.observations.schemas import (
    IngestPublic,
    IngestReport,
    ObservationPublic,
    RevisionPublic,
)
from sihub_indicators.observations.validation import RowValidator, Validated
from sihub_indicators.periods import Frequency, PeriodError, bounds_per_frequency, frequency_of
from sihub_indicators.settings import MAX_STRUCTURE_BYTES
from sihub_shared.errors import NotFound, ProblemError, UnprocessableContent
from sihub_shared.events.outbox import record
from sihub_shared.identity import Identity


@dataclass
class IngestFile:
    file: IO[bytes]
    format: IngestFormat
    sha256: str
    filename: str | None = None
    mapping: SdmxMapping | None = None
    source: str | None = None
    illustrative: bool = False
    structure: IO[bytes] | None = None  # the SDMX-ML structure message holding the data's DSD


def parse_mapping(text: str | bytes) -> SdmxMapping:
    """An SDMX mapping from JSON, or 422 naming the mapping's field."""
    try:
        return SdmxMapping.model_validate_json(text)
    except ValidationError as exc:
        errors = [{"field": ".".join(["mapping", *(str(part) for part in e["loc"])]), "message": e["msg"]}
                  for e in exc.errors()]
        raise UnprocessableContent("the SDMX mapping is not valid: " + "; ".join(
            f"{e['field']}: {e['message']}" for e in errors), errors=errors) from None


def _reader(upload: IngestFile, chunk_rows: int, max_structure_bytes: int) -> CsvReader | SdmxMlReader | SdmxCsvReader:
    if upload.structure is not None and upload.format is not IngestFormat.SDMX_ML:
        raise ProblemError.for_field(STRUCTURE, "a structure message is read with SDMX-ML data (format=sdmx-ml) only")
    if upload.format is IngestFormat.CSV:
        if upload.mapping is not None:
            raise ProblemError.for_field("mapping", "a mapping is for SDMX files; a CSV file names its columns itself")
        return CsvReader(upload.file, chunk_rows)
    mapping = upload.mapping or SdmxMapping()
    if upload.format is IngestFormat.SDMX_CSV:
        return SdmxCsvReader(upload.file, chunk_rows, mapping, source=upload.source, illustrative=upload.illustrative)
    return SdmxMlReader(upload.file, chunk_rows, mapping, source=upload.source, illustrative=upload.illustrative,
                        structure=upload.structure, max_structure_bytes=max_structure_bytes)


class IngestService:
    def __init__(self, session: AsyncSession, *, chunk_rows: int, max_errors: int,
                 max_structure_bytes: int = MAX_STRUCTURE_BYTES) -> None:
        self.session = session
        self.repository = ObservationRepository(session)
        self.catalogue = CatalogueRepository(session)
        self.chunk_rows = chunk_rows
        self.max_errors = max_errors
        self.max_structure_bytes = max_structure_bytes

    async def ingest(self, identity: Identity, upload: IngestFile,
                     progress: Callable[[int], None] | None = None) -> IngestReport:
        """Validate and merge a file; `progress` is told the bytes read after each chunk."""
        await self.repository.lock_ingest()
        await self.repository.empty_staging()
        reader = _reader(upload, self.chunk_rows, self.max_structure_bytes)
        validator = RowValidator(await self.catalogue.all_by_code(), reader.field_names,
                                 default_source=upload.source, default_illustrative=upload.illustrative,
                                 max_errors=self.max_errors)
        result = Validated()
        rows = skipped = 0
        chunks = reader.chunks()
        # Parsing and validating is CPU work: off the event loop, and always on the SAME thread,
        # because lxml's parser (SDMX-ML) must not move between threads: it aborts the process.
        parser_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-parser")
        loop = asyncio.get_running_loop()

        def next_chunk() -> asyncio.Future[tuple[Chunk, list[tuple]] | None]:
            return loop.run_in_executor(parser_thread, _next_validated, chunks, validator, result)

        pending = next_chunk()
        try:
            while (step := await pending) is not None:
                chunk, records = step
                rows += len(chunk.rows) + len(chunk.errors)
                skipped += chunk.skipped
                pending = next_chunk()  # the next chunk is parsed while this one is staged
                await self.repository.stage(records)
                if progress is not None:
                    progress(upload.file.tell())
        finally:
            # On a failure while staging, let the thread finish its chunk before the file closes.
            await asyncio.gather(pending, return_exceptions=True)
            parser_thread.shutdown(wait=False)
        if result.error_count:
            raise InvalidRows(
                f"{result.error_count} problem(s) in {rows} rows; nothing was written",
                errors=sorted(result.errors, key=lambda e: e.get("row", 0)), error_count=result.error_count,
            )
        await self.repository.analyse_staging()
        if result.may_repeat_keys():  # the database's GROUP BY costs ~1 s a million rows: only then
            await self._refuse_duplicates(reader.field_names)

        now, ingest_id = datetime.now(UTC), str(uuid.uuid4())
        merged = await self.repository.merge(result.groups, now, ingest_id)
        counts = [ComparisonSetCounts(comparison_set=comparison_set, frequency=frequency, inserted=inserted,
                                      revised=revised)
                  for (comparison_set, frequency), (inserted, revised) in sorted(merged.items())]
        await self.repository.empty_staging()
        inserted, revised = sum(c.inserted for c in counts), sum(c.revised for c in counts)
        report = IngestReport(
            ingest_id=None, format=upload.format, sha256=upload.sha256, filename=upload.filename, rows=rows,
            inserted=inserted, revised=revised, unchanged=rows - inserted - revised, skipped=skipped,
            illustrative_rows=result.illustrative, indicators=sorted(result.indicators), comparison_sets=counts,
        )
        if inserted + revised == 0:
            return report
        changed_sets = [c for c in counts if c.inserted + c.revised]
        report = report.model_copy(update={"ingest_id": ingest_id, "created_at": now, "comparison_sets": changed_sets})
        self.repository.add_ingest(Ingest(
            id=ingest_id, account_id=identity.account_id, organisation=identity.organisation,
            format=upload.format.value, sha256=upload.sha256, rows=rows, inserted=inserted, revised=revised,
            unchanged=report.unchanged, skipped=skipped, created_at=now,
            summary=report.model_dump(mode="json", include={"filename", "illustrative_rows", "indicators",
                                                             "comparison_sets"}),
        ))
        record(self.session, ObservationsIngested(
            ingest_id=ingest_id, format=upload.format.value, sha256=upload.sha256, rows=rows, inserted=inserted,
            revised=revised, unchanged=report.unchanged, skipped=skipped, illustrative_rows=result.illustrative,
            indicators=report.indicators, comparison_sets=changed_sets, organisation=identity.organisation,
            account_id=identity.account_id, recorded_at=now,
        ), subject=ingest_id)
        # The indices of the sets this ingest changed, in the same transaction.
        await IndexService(self.session).recompute(
            [(c.comparison_set, c.frequency) for c in changed_sets], cause=f"ingest {ingest_id}"
        )
        return report

    async def _refuse_duplicates(self, field_names: dict[str, str]) -> None:
        duplicates = await self.repository.staged_duplicates(self.max_errors)
        if not duplicates:
            return
        errors = [row_error(d.last_row, field_names["period"],
                            f"{d.indicator_code} for {d.geography} in {d.period} is also on row {d.first_row} "
                            f"({d.occurrences} times in the file); send one value per indicator, geography "
                            "and period") for d in duplicates]
        raise InvalidRows(f"{len(errors)} key(s) appear more than once in the file; nothing was written",
                          errors=errors, error_count=len(errors))


def _next_validated(chunks: Iterator[Chunk], validator: RowValidator,
                    result: Validated) -> tuple[Chunk, list[tuple]] | None:
    chunk = next(chunks, None)
    if chunk is None:
        return None
    validator.add_reader_errors(result, chunk.errors)
    return chunk, validator.validate(chunk.rows, result)


# --- queries -----------------------------------------------------------------------------------


def observation_public(row: Observation) -> ObservationPublic:
    return ObservationPublic(
        indicator=row.indicator_code, geography=row.geography, country=row.geography[:2], period=row.period,
        frequency=row.frequency, comparison_set=row.comparison_set, revision=row.revision, value=row.value,
        estimated=row.estimated, provisional=row.provisional, break_in_series=row.break_in_series,
        source=row.source, illustrative=row.illustrative, recorded_at=row.recorded_at,
        superseded_at=row.superseded_at, ingest_id=row.ingest_id,
    )


def revision_public(row: Observation, ingest: Ingest) -> RevisionPublic:
    return RevisionPublic(**observation_public(row).model_dump(), account_id=ingest.account_id,
                          organisation=ingest.organisation)


def ingest_public(row: Ingest) -> IngestPublic:
    return IngestPublic.model_validate({**row.summary, **row.model_dump(exclude={"summary"}), "ingest_id": row.id})


def _checked_period(name: str, period: str | None) -> str | None:
    if period is None:
        return None
    try:
        frequency_of(period)
    except PeriodError as exc:
        raise UnprocessableContent(f"{name}: {exc}", errors=[{"field": name, "in": "query", "message": str(exc)}]) from None
    return period


def _checked_geography(name: str, code: str | None, level: str) -> str | None:
    if code is None:
        return None
    try:
        place = geographies.resolve(code)
    except geographies.GeographyError as exc:
        raise UnprocessableContent(f"{name}: {exc}", errors=[{"field": name, "in": "query", "message": str(exc)}]) from None
    if level == "country" and place.level != "country":
        raise UnprocessableContent(f"{name}: {code} is a region; name its country ({place.country})",
                                   errors=[{"field": name, "in": "query", "message": "not a country code"}])
    return place.code


class ObservationQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.repository = ObservationRepository(session)
        self.catalogue = CatalogueRepository(session)

    async def _known(self, indicator: str) -> None:
        """An indicator a query names must be in the catalogue: an unknown one is a 404 naming it,
        not an empty answer that reads as "no data yet". Asked only once the query found nothing
        (an indicator with observations is in the catalogue), so a listing costs no extra look-up."""
        if await self.catalogue.get(indicator) is None:
            raise unknown_indicator(indicator, "indicator")

    async def find(self, *, indicator: str | None, geography: str | None, country: str | None,
                   frequency: Frequency | None, period_from: str | None, period_to: str | None,
                   as_of: datetime | None, after: tuple[str, str, str] | None, limit: int) -> list[Observation]:
        """Current observations, or those current at `as_of`. The period bounds take the periods of
        every form within them: `period_from=2023-Q3` takes July 2023 and 2024, not the year 2023;
        `period_to=2023` takes 2023's quarters and months too."""
        period_from = _checked_period("period_from", period_from)
        period_to = _checked_period("period_to", period_to)
        period_bounds = None
        if period_from is not None or period_to is not None:
            period_bounds = {each.value: bounds for each, bounds in bounds_per_frequency(period_from, period_to).items()
                             if frequency in (None, each)}
        found = await self.repository.find(
            indicator=indicator, geography=_checked_geography("geography", geography, "any"),
            country=_checked_geography("country", country, "country"),
            frequency=frequency.value if frequency else None, period_bounds=period_bounds,
            as_of=as_of, after=after, limit=limit,
        )
        if not found and indicator is not None:
            await self._known(indicator)
        return found

    async def revisions(self, indicator: str, geography: str, period: str) -> list[RevisionPublic]:
        rows = await self.repository.revisions(indicator, geography, period)
        if not rows:
            await self._known(indicator)
            raise NotFound(f"no observation of {indicator} for {geography} in {period}",
                           errors=[{"field": "period", "message": "no observation with this key"}])
        return [revision_public(row, ingest) for row, ingest in rows]

    async def revisions_of_ingest(self, ingest_id: str, after: tuple[str, str, str] | None,
                                  limit: int) -> list[RevisionPublic]:
        """The observations one ingest wrote (new keys and revisions), by key."""
        ingest = await self.ingest(ingest_id)
        rows = await self.repository.revisions_of_ingest(ingest.id, after, limit)
        return [revision_public(row, ingest) for row in rows]

    async def ingests(self, before: tuple[str, str] | None, limit: int, account_id: str | None = None) -> list[Ingest]:
        """Newest first; `before` the (created_at, id) of the last one already seen."""
        try:
            position = (datetime.fromisoformat(before[0]), before[1]) if before else None
        except ValueError:
            raise ProblemError.for_field("cursor", "not a cursor this API gave out") from None
        return await self.repository.list_ingests(position, limit, account_id)

    async def ingest(self, ingest_id: str) -> Ingest:
        found = await self.repository.get_ingest(ingest_id)
        if found is None:
            raise NotFound(f"no ingest {ingest_id}", errors=[{"field": "ingest_id", "message": "unknown"}])
        return found


def cursor_position(position: dict[str, Any], *names: str) -> tuple[Any, ...]:
    """The values of a decoded cursor, or 400 naming `cursor` when they are not all there."""
    if any(not isinstance(position.get(name), str) for name in names):
        raise ProblemError.for_field("cursor", "not a cursor this API gave out")
    return tuple(position[name] for name in names)
