"""Bulk import of actors: every row is checked before anything is written; the answer names
each bad row and field. Modes: `all` (default: nothing is written unless every row is valid),
`partial` (valid rows are written, bad rows are reported as skipped), `validate` (check only).
With `existing=skip`, rows whose `ref` is already registered are reported as existing instead
of failing, so that re-running an import adds only what is new. An `Idempotency-Key` makes a
re-sent request return the first answer without importing twice."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.actors.formats import ImportRecord, parse_upload
from sihub_registry.actors.models import Actor
from sihub_registry.actors.repository import ActorRepository
from sihub_registry.actors.rules import PreparedActor, prepare_actor, ref_holder_message
from sihub_registry.actors.schemas import ActorImportItem, ImportedRow, ImportReport
from sihub_registry.common.access import ensure_writer
from sihub_registry.common.bulk import bulk_insert
from sihub_registry.common.rules import Problems, validation_problems
from sihub_registry.common.types import new_id, utcnow
from sihub_registry.events.contracts import ActorCreated
from sihub_registry.names import fold
from sihub_shared.errors import Conflict, UnprocessableContent
from sihub_shared.events.outbox import record_all
from sihub_shared.identity import Identity
from sihub_shared.idempotency import request_hash, store_response, stored_response

MAX_REPORTED_ERRORS = 1000
# Rows checked at a time (and on PostgreSQL written, while the next batch is checked).
CHECK_BATCH = 1000

# (phase: "checking" or "writing", rows done, rows in the phase): for a progress bar.
Progress = Callable[[str, int, int], None]


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off while an import runs. An import holds hundreds of thousands of
    objects (rows, models, term rows) until it ends, and each full collection walks all of them
    again: measured, that was about a third of an import's time. Reference counting still frees
    whatever is not in a cycle; the first collection after the import finds the rest. Left as
    found, so that imports that overlap (or a caller that paused it already) never leave it off.
    The switch is process-wide: requests served while an import awaits the database also go
    without cycle collection for those seconds (an import is bounded by the body limit)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ImportMode(StrEnum):
    ALL = "all"
    PARTIAL = "partial"
    VALIDATE = "validate"


class OnExisting(StrEnum):
    ERROR = "error"
    SKIP = "skip"


class _Row:
    __slots__ = ("record", "data", "prepared", "errors", "existing_id")

    def __init__(self, record: ImportRecord) -> None:
        self.record = record
        self.data: ActorCreate | None = None
        self.prepared: PreparedActor | None = None
        self.errors: list[dict[str, Any]] = list(record.errors)
        self.existing_id: str | None = None

    def error(self, field: str, message: str) -> None:
        entry: dict[str, Any] = {"row": self.record.row, "field": field, "message": message}
        if self.record.line is not None:
            entry["line"] = self.record.line
        self.errors.append(entry)


class ActorImporter:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = ActorRepository(session)

    async def run(
        self,
        identity: Identity,
        *,
        body: bytes,
        content_type: str | None,
        explicit_format: str | None,
        mode: ImportMode,
        existing: OnExisting,
        idempotency_key: str | None,
        request_line: str,
    ) -> tuple[int, dict[str, Any], bool]:
        """(status, answer, replayed)."""
        ensure_writer(identity)
        fingerprint = request_hash(request_line, content_type or "", body)
        if idempotency_key is not None:
            stored = await stored_response(self.session, identity.account_id, idempotency_key, fingerprint)
            if stored is not None:
                return stored.status_code, stored.response, True
        with _cycle_collector_paused():  # from the parse on, which builds every row's dicts
            records = parse_upload(body, content_type, explicit_format)
            report = await self.import_records(identity, records, mode, existing)
        status = 200 if mode is ImportMode.VALIDATE else 201
        answer = report.model_dump(mode="json")
        if idempotency_key is not None and mode is not ImportMode.VALIDATE:
            store_response(self.session, identity.account_id, idempotency_key, fingerprint, status, answer)
            try:
                await self.session.flush()
            except IntegrityError as exc:  # the same key, at the same moment, in another request
                raise Conflict.for_header(
                    "Idempotency-Key", "a request with this Idempotency-Key is being processed; send it again later",
                    "in use") from exc
        return status, answer, False

    async def import_records(
        self, identity: Identity, records: Sequence[ImportRecord], mode: ImportMode, existing: OnExisting,
        progress: Progress | None = None,
    ) -> ImportReport:
        with _cycle_collector_paused():
            return await self._import_records(identity, records, mode, existing, progress)

    async def _import_records(
        self, identity: Identity, records: Sequence[ImportRecord], mode: ImportMode, existing: OnExisting,
        progress: Progress | None,
    ) -> ImportReport:
        # On PostgreSQL the rows are written a batch at a time while the next batch is checked: the
        # checks run in a worker thread, so the database works through one batch's COPY (on the
        # other core) while Python checks the next; all of it in this transaction, which a bad row
        # anywhere rolls back (the 422 below), so a failed import still changes nothing. SQLite
        # has one writer at a time: there the writing starts only once every row has passed, so
        # that the write lock is held no longer than the writing.
        early = mode is not ImportMode.VALIDATE and self.repository.concurrent_writers
        rows: list[_Row] = []
        seen: dict[tuple[Any, ...], int] = {}
        valid: list[_Row] = []  # checked, new, and not written yet
        created: list[ImportedRow] = []
        writing: asyncio.Task[list[ImportedRow]] | None = None
        bad = 0
        now = utcnow()  # one time for every actor of the import, whichever batch writes it
        try:
            for start in range(0, len(records), CHECK_BATCH):
                batch = await asyncio.to_thread(self._check_batch, records[start : start + CHECK_BATCH])
                rows.extend(batch)
                if progress:
                    progress("checking", len(rows), len(records))
                self._mark_duplicates(batch, seen)
                if writing is not None:  # the session is free again for the refs' query
                    created.extend(await writing)
                    writing = None
                await self._check_refs(batch, existing)
                bad += sum(1 for row in batch if row.errors)
                valid.extend(row for row in batch if not row.errors and row.existing_id is None)
                if early and valid and (bad == 0 or mode is ImportMode.PARTIAL):
                    writing = asyncio.create_task(self._write(identity, valid, now))
                    valid = []
            if writing is not None:
                created.extend(await writing)
                writing = None
        finally:
            if writing is not None:  # a check failed (or the request was cancelled) while writing
                writing.cancel()
                await asyncio.gather(writing, return_exceptions=True)
        if bad and mode is not ImportMode.PARTIAL:
            errors = [e for row in rows if row.errors for e in row.errors]
            raise UnprocessableContent(
                f"{bad} of {len(rows)} rows are not valid; nothing was imported",
                errors=errors[:MAX_REPORTED_ERRORS],
                rows=len(rows),
                invalid_rows=bad,
                errors_truncated=len(errors) > MAX_REPORTED_ERRORS,
            )
        report = ImportReport(mode=mode.value, rows=len(rows), created=0)
        report.skipped = [{"row": row.record.row, "errors": row.errors} for row in rows if row.errors][:MAX_REPORTED_ERRORS]
        for row in rows:
            if row.existing_id is not None and not row.errors:
                report.existing += 1
                report.items.append(ImportedRow(row=row.record.row, id=row.existing_id, ref=row.data.ref if row.data else None, status="existing"))
        if mode is ImportMode.VALIDATE:
            return report
        if progress:
            progress("writing", 0, len(created) + len(valid))
        created.extend(await self._write(identity, valid, now))
        if progress:
            progress("writing", len(created), len(created))
        report.created = len(created)
        report.items.extend(created)
        report.items.sort(key=lambda item: item.row)
        return report

    def _check_batch(self, records: Sequence[ImportRecord]) -> list[_Row]:
        return [self._check(record) for record in records]

    def _check(self, record: ImportRecord) -> _Row:
        row = _Row(record)
        if record.payload is None:
            return row
        try:
            row.data = ActorImportItem.model_validate(record.payload)
        except ValidationError as exc:
            for error in validation_problems(exc):
                row.error(error["field"], error["message"])
            self._check_the_rest(row, record.payload, {str(e["loc"][0]) for e in exc.errors() if e["loc"]})
            return row
        problems = Problems()
        row.prepared = prepare_actor(row.data, problems)
        for error in problems.errors:
            row.error(error["field"], error["message"])
        return row

    @staticmethod
    def _check_the_rest(row: _Row, payload: dict[str, Any], failed: set[str]) -> None:
        """The rules for the fields that did parse, so that the answer names every bad field of
        a row at once (unless a required field is among the failed ones: then there is no rest)."""
        try:
            rest = ActorImportItem.model_validate({k: v for k, v in payload.items() if k not in failed})
        except ValidationError:
            return
        problems = Problems()
        prepare_actor(rest, problems)
        for error in problems.errors:
            if error["field"].split("[")[0].split(".")[0] not in failed:
                row.error(error["field"], error["message"])

    @staticmethod
    def _mark_duplicates(rows: Sequence[_Row], seen: dict[tuple[Any, ...], int]) -> None:
        """A row that repeats an earlier row's ref, identifier, or names (same country and region);
        `seen` holds the keys of the earlier batches' rows and takes this batch's."""
        for row in rows:
            if row.data is None or row.prepared is None or row.errors:
                continue
            values = row.prepared.values
            keys: list[tuple[str, tuple[Any, ...]]] = []
            if values["ref"] is not None:
                keys.append(("ref", ("ref", values["ref"])))
            for index, identifier in enumerate(values["identifiers"]):
                keys.append((f"identifiers[{index}]", ("identifier", identifier["scheme"], identifier["value"])))
            names = frozenset((n["lang"], fold(n["value"])) for n in values["names"])
            keys.append(("names", ("names", values["country"], values["region"], names)))
            for field, key in keys:
                first = seen.get(key)
                if first is not None:
                    row.error(field, f"duplicates row {first}")
                    break
            else:
                for _, key in keys:
                    seen[key] = row.record.row

    async def _check_refs(self, rows: Sequence[_Row], existing: OnExisting) -> None:
        refs = [row.data.ref for row in rows if row.data is not None and row.data.ref is not None and not row.errors]
        if not refs:
            return
        taken = await self.repository.ids_for_refs(refs)
        for row in rows:
            if row.errors or row.data is None or row.data.ref not in taken:
                continue
            holder = taken[row.data.ref]
            if existing is OnExisting.SKIP and not holder.deleted:  # a deleted actor is not there to skip to
                row.existing_id = holder.actor_id
            elif holder.deleted:
                row.error("ref", ref_holder_message(holder))
            else:
                row.error("ref", f"{ref_holder_message(holder)} (existing=skip, or --skip-existing, skips such rows)")

    async def _write(self, identity: Identity, rows: Sequence[_Row], now: datetime) -> list[ImportedRow]:
        if not rows:
            return []
        try:
            return await self._insert(identity, rows, now)
        except IntegrityError as exc:  # a ref taken by a concurrent request since it was checked
            raise Conflict(
                "a ref in this import was registered by another request meanwhile; nothing was imported",
                errors=[{"field": "ref", "message": "taken meanwhile; send the import again"}],
            ) from exc

    async def _insert(self, identity: Identity, rows: Sequence[_Row], now: datetime) -> list[ImportedRow]:
        actors: list[dict[str, Any]] = []
        terms: list[tuple[str, str]] = []
        facets: list[tuple[str, str, str]] = []
        events = []
        created = []
        for row in rows:
            assert row.prepared is not None
            actor_id = new_id()
            values = row.prepared.values | {
                "id": actor_id, "owner_account_id": identity.account_id, "version": 1,
                "created_at": now, "updated_at": now, "deleted_at": None,
            }
            actors.append(values)
            terms.extend((term, actor_id) for term in row.prepared.terms)
            facets.extend((f, v, actor_id) for f, v in row.prepared.facets)
            state = row.prepared.actor_state(id=actor_id, owner_account_id=identity.account_id, version=1,
                                             created_at=now, updated_at=now, deleted_at=None)
            events.append((ActorCreated(actor=state), actor_id))
            created.append(ImportedRow(row=row.record.row, id=actor_id, ref=values["ref"], status="created"))
        await self.repository.insert_rows(Actor, actors)
        await self.repository.insert_index(terms, facets)
        await record_all(self.session, events, insert=bulk_insert)
        return created
