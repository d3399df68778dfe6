"""All SQL about actors."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.actors.formats import EMPTY_DETAILS
from sihub_registry.actors.models import Actor, ActorFacet, ActorSearchTerm
from sihub_registry.common.bulk import bulk_insert, bulk_insert_records
from sihub_registry.common.query import keyset, ref_prefix_filter
from sihub_registry.common.search import QueryTerm, term_matches
from sihub_registry.hubs.models import Membership
from sihub_shared.db import rows_at_once

# A canonical UUID's length: an export's line starts with its actor's id.
_ID_LENGTH = 36

# Rows per INSERT statement in bulk writes: large enough to amortise round trips, small enough
# to stay under SQLite's bound-parameter limit (32766) for the widest table.
_CHUNK = 1000


class RefHolder(NamedTuple):
    actor_id: str
    deleted: bool


@dataclass
class ActorFilters:
    country: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    sector: list[str] = field(default_factory=list)
    issue_area: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    certification: list[str] = field(default_factory=list)
    hub: list[str] = field(default_factory=list)
    ref: list[str] = field(default_factory=list)
    ref_prefix: str | None = None
    owner: str | None = None
    illustrative: bool | None = None
    terms: list[QueryTerm] | None = None
    modified_after: datetime | None = None
    include_deleted: bool = False


def _facet(name: str, values: Sequence[str]) -> sa.ColumnElement[bool]:
    matching = select(ActorFacet.actor_id).where(ActorFacet.facet == name, ActorFacet.value.in_(values))
    return Actor.id.in_(matching)


def filtered(query: Any, filters: ActorFilters) -> Any:
    """`query` (over Actor) narrowed by every filter: values of one filter are alternatives,
    filters combine with AND, and each term of a text query must be present."""
    if not filters.include_deleted:
        query = query.where(Actor.deleted_at.is_(None))
    for column, values in (
        (Actor.country, filters.country),
        (Actor.region, filters.region),
        (Actor.kind, filters.kind),
        (Actor.sector, filters.sector),
        (Actor.ref, filters.ref),
    ):
        if values:
            query = query.where(column.in_(values))
    for facet, values in (
        ("issue_area", filters.issue_area),
        ("offer", filters.offers),
        ("need", filters.needs),
        ("certification", filters.certification),
    ):
        if values:
            query = query.where(_facet(facet, values))
    if filters.hub:
        # A membership names one actor: its one link; a member whose owner declined is not the hub's.
        answer = sa.func.coalesce(Membership.confirmations[(0, "state")].as_string(), "")
        members = select(Membership.actor_id).where(Membership.hub_id.in_(filters.hub), Membership.deleted_at.is_(None),
                                                    answer != "declined")
        query = query.where(Actor.id.in_(members))
    if filters.ref_prefix:
        query = query.where(ref_prefix_filter(Actor.ref, filters.ref_prefix))
    if filters.owner:
        query = query.where(Actor.owner_account_id == filters.owner)
    if filters.illustrative is not None:
        query = query.where(Actor.illustrative == filters.illustrative)
    for term in filters.terms or ():
        query = query.where(Actor.id.in_(select(ActorSearchTerm.actor_id).where(term_matches(ActorSearchTerm.term, term))))
    if filters.modified_after is not None:
        query = query.where(Actor.updated_at > filters.modified_after)
    return query


class ActorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, actor_id: str) -> Actor | None:
        return await self.session.get(Actor, actor_id)

    async def get_for_update(self, actor_id: str) -> Actor | None:
        query = select(Actor).where(Actor.id == actor_id).with_for_update()
        return (await self.session.exec(query)).first()

    async def get_many(self, actor_ids: Iterable[str]) -> dict[str, Actor]:
        ids = list(set(actor_ids))
        found: dict[str, Actor] = {}
        for start in range(0, len(ids), _CHUNK):
            query = select(Actor).where(Actor.id.in_(ids[start : start + _CHUNK]))
            found.update((a.id, a) for a in (await self.session.exec(query)).all())
        return found

    async def ids_for_refs(self, refs: Iterable[str]) -> dict[str, RefHolder]:
        """The actor each ref names, live or deleted (a deleted actor keeps its ref: a ref never
        names two actors over time)."""
        refs = list(set(refs))
        found: dict[str, RefHolder] = {}
        for start in range(0, len(refs), _CHUNK):
            # Literal values, not 1000 bind parameters: a prepared statement's generic plan cannot
            # hash the list, and on a table not yet analysed (a fresh one filling with imports)
            # compares every row with every ref: seconds per query at 50,000 actors.
            chunk = sa.bindparam("refs", refs[start : start + _CHUNK], expanding=True, literal_execute=True)
            query = select(Actor.ref, Actor.id, Actor.deleted_at).where(Actor.ref.in_(chunk))
            found.update({ref: RefHolder(actor_id, deleted_at is not None)
                          for ref, actor_id, deleted_at in (await self.session.exec(query)).all()})
        return found

    async def list(self, filters: ActorFilters, mode: str, position: dict[str, Any] | None, limit: int) -> list[Actor]:
        query = keyset(filtered(select(Actor), filters), Actor, mode, position).limit(limit)
        return list((await self.session.exec(query)).all())

    async def stream(self, filters: ActorFilters, batch: int = 1000) -> AsyncIterator[Sequence[Any]]:
        """Every matching actor, in id order, a batch at a time (keyset, so memory stays flat), as
        plain rows with the actor's attributes: no ORM instances, which cost more than the export.
        Each batch is a query of its own, so that on SQLite no read snapshot spans the export (one
        would keep the WAL from being checkpointed), read with `rows_at_once`."""
        # Contacts are never exported: not read either; nor the CSV's cells (csv_lines reads those).
        columns = select(*(c for c in Actor.__table__.columns if c.name not in ("contacts", "export_cells")))
        connection = await self.session.connection()
        position: dict[str, Any] | None = None
        while True:
            query = keyset(filtered(columns, filters), Actor, "id", position).limit(batch)
            rows = sorted(await rows_at_once(connection, query), key=attrgetter("id"))
            if rows:
                yield rows
            if len(rows) < batch:
                return
            position = {"id": rows[-1].id}

    async def csv_lines(self, filters: ActorFilters, name_langs: Sequence[str], description_langs: Sequence[str],
                        batch: int = 5000) -> AsyncIterator[str]:
        """Every matching actor as a line of the CSV export (`formats.csv_header`'s columns), a
        batch's lines as one text, in id order, each batch read as `stream` reads them. The database
        joins each line from the cells kept with the actor (`export_cells`, already written as the
        export writes them) and its id, version and time: writing the cells in Python was a third
        of a busy registry's time (py-spy, bench-load).

        The next batch is read while the caller writes this one: SQLite's thread and PostgreSQL
        work beside this process's event loop (an export of 100,000 actors spent about as long
        waiting for its queries as writing their rows)."""
        cells = _CsvCells(self.session.bind.dialect.name)
        line = functools.reduce(lambda joined, cell: joined.concat(",").concat(cell), [
            cells.id(), cells.stored("ref"),
            *(cells.stored("names", lang) for lang in name_langs),
            *(cells.stored("descriptions", lang) for lang in description_langs),
            cells.stored("details", absent=EMPTY_DETAILS), sa.cast(Actor.version, sa.Text), cells.updated_at(),
        ]).concat("\r\n")
        columns = select(line.label("line"))
        connection = await self.session.connection()

        async def read(position: dict[str, Any] | None) -> tuple[str, list[str]]:
            """(the batch's text, the ids its lines start with, in order)."""
            query = keyset(filtered(columns, filters), Actor, "id", position).limit(batch)
            if connection.dialect.name == "sqlite":
                # The batch as one text, joined by SQLite: one row, one take-back of the GIL (see
                # rows_at_once), and no text in Python per line. SQLite aggregates the page in its
                # ORDER BY's order, but before 3.44 nothing promises it: the ids, joined in the same
                # pass, say whether it did.
                page = query.subquery()
                text, joined_ids = (await connection.execute(select(
                    sa.func.group_concat(page.c.line, ""),
                    sa.func.group_concat(sa.func.substr(page.c.line, 1, _ID_LENGTH), "")))).one()
                ids = [joined_ids[start : start + _ID_LENGTH] for start in range(0, len(joined_ids or ""), _ID_LENGTH)]
                if ids == sorted(ids):
                    return text or "", ids
            # A line starts with its actor's id, every id as long: lines in text order are in id order.
            lines = sorted(line for (line,) in await rows_at_once(connection, query))
            return "".join(lines), [line[:_ID_LENGTH] for line in lines]

        pending: asyncio.Future[tuple[str, list[str]]] | None = asyncio.ensure_future(read(None))
        try:
            while pending is not None:
                text, ids = await pending
                # the next batch continues after the last line's actor
                pending = asyncio.ensure_future(read({"id": ids[-1]})) if len(ids) == batch else None
                if ids:
                    yield text
        finally:
            if pending is not None:  # the caller stopped early: let the read end before the session does
                await asyncio.gather(pending, return_exceptions=True)

    async def languages(self, filters: ActorFilters, facet: str) -> set[str]:
        """Every language the matching actors have a name ("name_lang", with "en#2" for a second
        English name) or a description in ("description_lang"), read from the facet index: each
        language any actor has is checked for one matching actor, instead of decoding every
        matching actor's list (under bench-load's mix, a fifth of a CSV export's time went to that
        before its first line)."""
        kept = select(ActorFacet.value).where(ActorFacet.facet == facet).distinct().subquery()
        holders = select(ActorFacet.actor_id).join(Actor, Actor.id == ActorFacet.actor_id).where(
            ActorFacet.facet == facet, ActorFacet.value == kept.c.value)
        query = select(kept.c.value).where(filtered(holders, filters).exists())
        return set((await self.session.exec(query)).all())

    @property
    def concurrent_writers(self) -> bool:
        """Whether another transaction can write while this one holds uncommitted writes
        (PostgreSQL); SQLite has one writer at a time."""
        return self.session.bind.dialect.name == "postgresql"

    def add(self, actor: Actor) -> None:
        self.session.add(actor)

    async def write_index(self, actor_id: str, terms: Sequence[str], facets: Iterable[tuple[str, str]], *, replace: bool) -> None:
        if replace:
            await self.session.exec(delete(ActorSearchTerm).where(ActorSearchTerm.actor_id == actor_id))
            await self.session.exec(delete(ActorFacet).where(ActorFacet.actor_id == actor_id))
        await self.insert_index([(t, actor_id) for t in terms], [(f, v, actor_id) for f, v in facets])

    async def names_after(self, after: str | None, limit: int) -> list[tuple[str, list[dict[str, Any]]]]:
        """(id, names) of up to `limit` actors (deleted ones too) after `after` (None: from the
        first), in id order."""
        query = select(Actor.id, Actor.names).order_by(Actor.id).limit(limit)
        if after is not None:
            query = query.where(Actor.id > after)
        return [(row[0], row[1]) for row in (await self.session.exec(query)).all()]

    async def replace_terms(self, terms_of: dict[str, Sequence[str]]) -> None:
        """The search terms of these actors, written anew."""
        await self.session.exec(delete(ActorSearchTerm).where(ActorSearchTerm.actor_id.in_(list(terms_of))))
        await bulk_insert_records(self.session, ActorSearchTerm, ("term", "actor_id"),
                                  sorted(((t, a) for a, terms in terms_of.items() for t in terms), key=itemgetter(0)))

    async def insert_rows(self, table: Any, rows: Sequence[dict[str, Any]]) -> None:
        await bulk_insert(self.session, table, rows)

    async def insert_index(self, terms: Sequence[tuple[str, str]], facets: Sequence[tuple[str, str, str]]) -> None:
        """Search-term rows (term, actor_id) and facet rows (facet, value, actor_id), written in
        primary-key order (a stable sort keeps each key's rows in the order given: actor order in
        an import). Consecutive rows then go to the same index pages: measured on an import of
        some 30 term rows per actor, the database spent a quarter less time on them."""
        terms = sorted(terms, key=itemgetter(0))
        facets = sorted(facets, key=itemgetter(0, 1))
        await bulk_insert_records(self.session, ActorSearchTerm, ("term", "actor_id"), terms)
        await bulk_insert_records(self.session, ActorFacet, ("facet", "value", "actor_id"), facets)

    async def ids_with_identifiers(self, identifiers: Iterable[str]) -> dict[str, set[str]]:
        """`SCHEME:VALUE` → the ids of live actors that carry it."""
        values = list(set(identifiers))
        found: dict[str, set[str]] = {}
        if not values:
            return found
        query = (
            select(ActorFacet.value, ActorFacet.actor_id)
            .join(Actor, Actor.id == ActorFacet.actor_id)
            .where(ActorFacet.facet == "identifier", ActorFacet.value.in_(values), Actor.deleted_at.is_(None))
        )
        for value, actor_id in (await self.session.exec(query)).all():
            found.setdefault(value, set()).add(actor_id)
        return found

    async def ids_with_any_term(self, terms: Sequence[str], *, country: str | None = None, limit: int = 2000) -> list[str]:
        """Live actors sharing at least one of `terms`, the ones sharing most first."""
        if not terms:
            return []
        shared = sa.func.count().label("shared")
        query = (
            select(ActorSearchTerm.actor_id, shared)
            .join(Actor, Actor.id == ActorSearchTerm.actor_id)
            .where(ActorSearchTerm.term.in_(terms), Actor.deleted_at.is_(None))
            .group_by(ActorSearchTerm.actor_id)
            .order_by(shared.desc(), ActorSearchTerm.actor_id)
            .limit(limit)
        )
        if country is not None:
            query = query.where(Actor.country == country)
        return [actor_id for actor_id, _ in (await self.session.exec(query)).all()]

    async def count(self, filters: ActorFilters) -> int:
        query = filtered(select(sa.func.count()).select_from(Actor), filters)
        return (await self.session.exec(query)).one()


class _CsvCells:
    """SQL for the CSV export's cells on SQLite or PostgreSQL: text, '' for an absent value. The
    ref, the names and descriptions per language and the cells from kind to identifiers come from
    the actor's `export_cells` (formats.export_cells, written with the actor): taking every actor's
    lists apart with json_each for each export was half of a busy registry's time (py-spy,
    bench-load). The id, version and time need no quoting."""

    def __init__(self, dialect: str) -> None:
        self.postgresql = dialect == "postgresql"

    def text(self, column: Any) -> sa.ColumnElement[str]:
        return sa.func.coalesce(sa.cast(column, sa.Text), "")

    def id(self) -> sa.ColumnElement[str]:
        if self.postgresql:
            return sa.cast(Actor.id, sa.Text)
        # SQLite holds the 32 hex digits: the canonical form puts the hyphens back.
        hexits = sa.cast(Actor.id, sa.Text)
        parts = [sa.func.substr(hexits, start, length) for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))]
        return parts[0].concat("-").concat(parts[1]).concat("-").concat(parts[2]).concat("-").concat(parts[3]).concat("-").concat(parts[4])

    def stored(self, *path: str, absent: str = "") -> sa.ColumnElement[str]:
        """A cell of `export_cells`: ("details",), or ("names", "en" or "en#2"), or ("descriptions",
        lang); `absent` where it has none."""
        return sa.func.coalesce(Actor.export_cells[path].as_string(), absent)

    def updated_at(self) -> sa.ColumnElement[str]:
        """As Python's isoformat writes a UTC time: microseconds only when there are some."""
        if self.postgresql:
            written = sa.func.to_char(sa.func.timezone("UTC", Actor.updated_at), 'YYYY-MM-DD"T"HH24:MI:SS.US')
        else:  # stored in UTC as 'YYYY-MM-DD HH:MM:SS.ffffff'
            written = sa.func.replace(sa.cast(Actor.updated_at, sa.Text), " ", "T")
        return sa.func.replace(written, ".000000", "").concat("+00:00")
