"""The registry's migrations on data written before them, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from sihub_registry.common.types import UUID, UTCDateTime
from sihub_shared.db import Database
from sihub_shared.migrations import downgrade, upgrade
from sihub_shared.settings import async_database_url

MIGRATIONS = Path(__file__).parents[1] / "src" / "sihub_registry" / "migrations"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ACTOR_FACET = sa.table("actor_facet", sa.column("facet", sa.String()), sa.column("value", sa.String()),
                       sa.column("actor_id", UUID))


def _table(name: str, *columns: sa.ColumnClause) -> sa.TableClause:
    lifecycle = (sa.column("version", sa.Integer()), sa.column("created_at", UTCDateTime()),
                 sa.column("updated_at", UTCDateTime()))
    return sa.table(name, sa.column("id", UUID), *lifecycle, *columns)


async def test_links_written_before_consent_are_confirmed_only_where_the_record_owner_owns_the_actor(database_url):
    await upgrade(MIGRATIONS, database_url, "0001")
    ids = {name: str(uuid.uuid4()) for name in ("a", "b", "hub", "project", "case", "programme", "membership", "partnership")}
    stamps = {"version": 1, "created_at": NOW, "updated_at": NOW}
    json_list = sa.JSON()
    actor = _table("actor", *(sa.column(c, sa.String()) for c in ("owner_account_id", "kind", "sector", "country")),
                   sa.column("illustrative", sa.Boolean()),
                   *(sa.column(c, json_list) for c in ("names", "descriptions", "issue_areas", "offers", "needs",
                                                       "certifications", "identifiers", "contacts")))
    project = _table("project", sa.column("actor_id", UUID), sa.column("partner_ids", json_list), sa.column("title", json_list),
                     sa.column("description", json_list), sa.column("issue_areas", json_list), sa.column("country", sa.String()),
                     sa.column("status", sa.String()), sa.column("illustrative", sa.Boolean()))
    case_study = _table("case_study", sa.column("owner_account_id", sa.String()), sa.column("title", json_list),
                        sa.column("summary", json_list), sa.column("issue_areas", json_list), sa.column("actor_ids", json_list),
                        sa.column("country", sa.String()), sa.column("illustrative", sa.Boolean()))
    programme = _table("programme", sa.column("hub_id", UUID), sa.column("names", json_list), sa.column("descriptions", json_list),
                       sa.column("issue_areas", json_list), sa.column("illustrative", sa.Boolean()))
    membership = _table("membership", sa.column("hub_id", UUID), sa.column("programme_id", UUID), sa.column("actor_id", UUID),
                        sa.column("role", sa.String()), sa.column("illustrative", sa.Boolean()))
    partnership = _table("partnership", sa.column("created_by", sa.String()), sa.column("actor_ids", json_list),
                         sa.column("description", json_list), sa.column("type", sa.String()), sa.column("status", sa.String()),
                         sa.column("origin", sa.String()), sa.column("illustrative", sa.Boolean()))
    lists = dict.fromkeys(("names", "descriptions", "issue_areas", "offers", "needs", "certifications", "identifiers", "contacts"), [])
    database = Database(async_database_url(database_url))
    try:
        async with database.session() as session:
            for key, owner, kind in (("a", "account-a", "cooperative"), ("b", "account-b", "foundation"),
                                     ("hub", "account-b", "hub_intermediary")):
                await session.exec(sa.insert(actor).values(id=ids[key], owner_account_id=owner, kind=kind, sector="social",
                                                           country="KR", illustrative=False, **lists, **stamps))
            await session.exec(sa.insert(project).values(
                id=ids["project"], actor_id=ids["b"], partner_ids=[ids["a"]], title=[], description=[], issue_areas=[],
                country="KR", status="active", illustrative=False, **stamps))
            await session.exec(sa.insert(case_study).values(
                id=ids["case"], owner_account_id="account-a", title=[], summary=[], issue_areas=[],
                actor_ids=[ids["a"], ids["b"]], country="KR", illustrative=False, **stamps))
            await session.exec(sa.insert(programme).values(id=ids["programme"], hub_id=ids["hub"], names=[], descriptions=[],
                                                           issue_areas=[], illustrative=False, **stamps))
            await session.exec(sa.insert(membership).values(
                id=ids["membership"], hub_id=ids["hub"], programme_id=ids["programme"], actor_id=ids["a"], role="member",
                illustrative=False, **stamps))
            await session.exec(sa.insert(partnership).values(
                id=ids["partnership"], created_by="account-b", actor_ids=[ids["a"], ids["b"]], description=[], type="funding",
                status="active", origin="manual", illustrative=False, **stamps))
            await session.commit()

        await upgrade(MIGRATIONS, database_url)

        async with database.session() as session:
            found = {}
            letter = {ids["a"]: "a", ids["b"]: "b"}
            for name in ("project", "case_study", "membership", "partnership"):
                links = sa.table(name, sa.column("confirmations", json_list))
                [confirmations] = (await session.exec(sa.select(links.c.confirmations))).one()
                found[name] = [(letter[c["actor_id"]], c["state"], c["decided_by"]) for c in confirmations]
    finally:
        await database.dispose()

    assert found == {
        "project": [("b", "confirmed", "account-b"), ("a", "pending", None)],
        "case_study": [("a", "confirmed", "account-a"), ("b", "pending", None)],
        "membership": [("a", "pending", None)],
        "partnership": [("a", "pending", None), ("b", "confirmed", "account-b")],
    }


async def test_actors_written_before_export_cells_get_them_as_the_export_writes_them(database_url):
    """0004 adds `export_cells` and 0005 fills it for the actors already there, as a write would
    (formats.export_cells: cells neutralised and quoted, kind to identifiers as one text; at the
    head, with 0012's cell for a second name in a language)."""
    await upgrade(MIGRATIONS, database_url, "0003")
    json_list = sa.JSON()
    actor = _table("actor", *(sa.column(c, sa.String()) for c in ("owner_account_id", "ref", "kind", "sector", "country",
                                                                   "region", "locality")),
                   sa.column("founded_year", sa.Integer()), sa.column("illustrative", sa.Boolean()),
                   *(sa.column(c, json_list) for c in ("names", "descriptions", "issue_areas", "offers", "needs",
                                                       "certifications", "identifiers", "contacts")))
    lists = {
        "names": [{"lang": "ko", "value": "나눔"}, {"lang": "en", "value": "=Nanum, Seoul"}, {"lang": "en", "value": "Second"}],
        "descriptions": [], "issue_areas": ["education", "employment"],
        "offers": [{"capability": "funding", "detail": "seed grants"}, {"capability": "mentoring"}], "needs": [],
        "certifications": [{"scheme": "kr_certified_social_enterprise", "level": "job_provision", "valid_from": "2019-05-01"}],
        "identifiers": [{"scheme": "KR-BRN", "value": "1234567890"}], "contacts": [],
    }
    ids = [str(uuid.uuid4()) for _ in range(3)]
    database = Database(async_database_url(database_url))
    try:
        async with database.session() as session:
            for actor_id in ids:
                await session.exec(sa.insert(actor).values(
                    id=actor_id, owner_account_id="account-a", kind="cooperative", sector="social", country="KR",
                    illustrative=False, **lists, version=1, created_at=NOW, updated_at=NOW))
            await session.exec(sa.update(actor).where(actor.c.id == ids[0]).values(
                ref="kr:nanum", region="KR-11", locality='Mapo "Hub"', founded_year=2019, illustrative=True))
            await session.commit()

        await upgrade(MIGRATIONS, database_url)

        async with database.session() as session:
            cells = sa.table("actor", sa.column("id", UUID), sa.column("export_cells", json_list))
            found = dict((await session.exec(sa.select(cells.c.id, cells.c.export_cells))).all())
        lists_cells = ("education;employment,funding:seed grants;mentoring,,"
                       "kr_certified_social_enterprise:job_provision:2019-05-01,KR-BRN:1234567890")
        written = {"names": {"ko": "나눔", "en": '"\'=Nanum, Seoul"', "en#2": "Second"}, "descriptions": {}}
        assert found == {
            ids[0]: {"ref": "kr:nanum", **written,
                     "details": f'cooperative,social,KR,KR-11,"Mapo ""Hub""",2019,,true,{lists_cells}'},
            **{actor_id: {"ref": "", **written, "details": f"cooperative,social,KR,,,,,false,{lists_cells}"}
               for actor_id in ids[1:]},
        }
    finally:
        await database.dispose()


async def test_actors_written_before_language_facets_get_them(database_url):
    """0006 writes the languages of every actor's names and descriptions as facets (one row per
    language, however many names it has in it) beside a facet already written (by a process that
    ran this code first), and 0012 a second name's (en#2): at the head, what a write would write
    (rules.prepare_actor)."""
    await upgrade(MIGRATIONS, database_url, "0005")
    json_list = sa.JSON()
    actor = _table("actor", *(sa.column(c, sa.String()) for c in ("owner_account_id", "kind", "sector", "country")),
                   sa.column("illustrative", sa.Boolean()), sa.column("export_cells", json_list),
                   *(sa.column(c, json_list) for c in ("names", "descriptions", "issue_areas", "offers", "needs",
                                                       "certifications", "identifiers", "contacts")))
    empty = dict.fromkeys(("issue_areas", "offers", "needs", "certifications", "identifiers", "contacts"), [])
    texts = {
        "first": ([{"lang": "ko", "value": "나눔"}, {"lang": "en", "value": "Nanum"}, {"lang": "en", "value": "Second"}],
                  [{"lang": "zh-Hans", "value": "分享"}]),
        "second": ([{"lang": "th", "value": "ชุมชน"}], []),
    }
    ids = {key: str(uuid.uuid4()) for key in texts}
    database = Database(async_database_url(database_url))
    try:
        async with database.session() as session:
            for key, (names, descriptions) in texts.items():
                await session.exec(sa.insert(actor).values(
                    id=ids[key], owner_account_id="account-a", kind="cooperative", sector="social", country="KR",
                    illustrative=False, export_cells={}, names=names, descriptions=descriptions, **empty,
                    version=1, created_at=NOW, updated_at=NOW))
            await session.exec(sa.insert(ACTOR_FACET).values(facet="name_lang", value="ko", actor_id=ids["first"]))
            await session.commit()

        await upgrade(MIGRATIONS, database_url)

        async with database.session() as session:
            found = (await session.exec(sa.select(ACTOR_FACET.c.actor_id, ACTOR_FACET.c.facet, ACTOR_FACET.c.value))).all()
        key = {actor_id: name for name, actor_id in ids.items()}
        assert sorted((key[actor_id], name, value) for actor_id, name, value in found) == [
            ("first", "description_lang", "zh-Hans"), ("first", "name_lang", "en"), ("first", "name_lang", "en#2"),
            ("first", "name_lang", "ko"), ("second", "name_lang", "th"),
        ]
    finally:
        await database.dispose()


class _ActorsWithLists:
    """Actors written at an older revision with the lists given (one actor per key) and a marker in
    their `export_cells`, and the cells a migration leaves them."""

    _LISTS = ("descriptions", "issue_areas", "offers", "needs", "certifications", "identifiers", "contacts")

    def __init__(self, database: Database, lists: dict[str, dict]) -> None:
        self.database, self.lists = database, lists
        self.ids = {key: str(uuid.uuid4()) for key in lists}
        self.table = _table("actor", *(sa.column(c, sa.String()) for c in ("owner_account_id", "kind", "sector", "country")),
                            sa.column("illustrative", sa.Boolean()), sa.column("export_cells", sa.JSON()),
                            *(sa.column(c, sa.JSON()) for c in ("names", *self._LISTS)))

    async def write(self, marker: dict) -> None:
        async with self.database.session() as session:
            for key, items in self.lists.items():
                await session.exec(sa.insert(self.table).values(
                    id=self.ids[key], owner_account_id="account-a", kind="cooperative", sector="social", country="KR",
                    illustrative=False, export_cells=marker,
                    **({"names": [{"lang": "en", "value": key}]} | dict.fromkeys(self._LISTS, []) | items),
                    version=1, created_at=NOW, updated_at=NOW))
            await session.commit()

    async def cells(self) -> dict[str, dict]:
        async with self.database.session() as session:
            found = dict((await session.exec(sa.select(self.table.c.id, self.table.c.export_cells))).all())
        return {key: found[actor_id] for key, actor_id in self.ids.items()}

    async def facets(self, facet: str) -> dict[str, set[str]]:
        async with self.database.session() as session:
            rows = (await session.exec(sa.select(ACTOR_FACET.c.actor_id, ACTOR_FACET.c.value)
                                       .where(ACTOR_FACET.c.facet == facet))).all()
        return {key: {value for holder, value in rows if holder == actor_id} for key, actor_id in self.ids.items()}


async def test_actors_whose_list_items_hold_a_semicolon_or_a_backslash_get_escaped_export_cells(database_url):
    """0009 writes the export cells again of the actors whose list items hold ";" or "\\" (now
    escaped in the CSV's list cells), and of no other; its downgrade writes them as 0008's code did."""
    await upgrade(MIGRATIONS, database_url, "0008")
    database = Database(async_database_url(database_url))
    actors = _ActorsWithLists(database, {
        "semicolon": {"offers": [{"capability": "funding", "detail": "seed grants; loans"}]},
        "backslash": {"needs": [{"capability": "space", "detail": "a back\\slash"}]},
        "plain": {"offers": [{"capability": "funding", "detail": "seed grants, loans"}]},
        # escaped in JSON text (json.dumps writes \uc7a5 and \"), not in a list cell
        "korean": {"offers": [{"capability": "funding", "detail": "창업 지원"}]},
        "quoted": {"needs": [{"capability": "space", "detail": 'a "quiet" room'}]},
    })
    try:
        await actors.write({"written": "before 0009"})
        await upgrade(MIGRATIONS, database_url, "0009")
        found = await actors.cells()
        assert found["plain"] == found["korean"] == found["quoted"] == {"written": "before 0009"}
        assert found["semicolon"]["details"] == "cooperative,social,KR,,,,,false,,funding:seed grants\\; loans,,,"
        assert found["backslash"]["details"] == "cooperative,social,KR,,,,,false,,,space:a back\\\\slash,,"
        assert found["semicolon"]["names"] == {"en": "semicolon"}

        await downgrade(MIGRATIONS, database_url, "0008")
        found = await actors.cells()
        assert found["plain"] == found["korean"] == found["quoted"] == {"written": "before 0009"}
        assert found["semicolon"]["details"] == "cooperative,social,KR,,,,,false,,funding:seed grants; loans,,,"
        assert found["backslash"]["details"] == "cooperative,social,KR,,,,,false,,,space:a back\\slash,,"
    finally:
        await database.dispose()


async def test_actors_with_a_numbered_certification_get_the_number_in_their_export_cells_and_back(database_url):
    """0010 writes the certifications cell of the actors with a certificate number again, with the
    number; its downgrade writes it as 0009's code did, without."""
    await upgrade(MIGRATIONS, database_url, "0009")
    certified = {"scheme": "kr_certified_social_enterprise", "level": "job_provision", "valid_from": "2019-05-01",
                 "valid_to": None}
    database = Database(async_database_url(database_url))
    actors = _ActorsWithLists(database, {"numbered": {"certifications": [certified | {"number": "2019-123:A"}]},
                                         "unnumbered": {"certifications": [certified | {"number": None}]},
                                         "none": {}})
    try:
        await actors.write({"written": "before 0010"})
        await upgrade(MIGRATIONS, database_url, "0010")
        found = await actors.cells()
        assert found["unnumbered"] == found["none"] == {"written": "before 0010"}
        assert found["numbered"]["details"].endswith(",kr_certified_social_enterprise:job_provision:2019-05-01::2019-123:A,")

        await downgrade(MIGRATIONS, database_url, "0009")
        found = await actors.cells()
        assert found["unnumbered"] == found["none"] == {"written": "before 0010"}
        assert found["numbered"]["details"].endswith(",kr_certified_social_enterprise:job_provision:2019-05-01,")
    finally:
        await database.dispose()


async def test_two_live_partner_partnerships_naming_one_match_stop_the_unique_index_naming_it(database_url):
    """0011 indexes match_ref over the live partnerships partners registered; a database where two
    already name one match (a race before it) stops the upgrade with the match named, changing nothing."""
    await upgrade(MIGRATIONS, database_url, "0010")
    json_list = sa.JSON()
    partnership = _table("partnership", *(sa.column(c, sa.String()) for c in ("created_by", "type", "status", "origin", "match_ref")),
                         sa.column("actor_ids", json_list), sa.column("description", json_list),
                         sa.column("confirmations", json_list), sa.column("illustrative", sa.Boolean()),
                         sa.column("deleted_at", UTCDateTime()))
    database = Database(async_database_url(database_url))

    async def register(created_by: str, match_ref: str, deleted_at: datetime | None = None) -> None:
        async with database.session() as session:
            await session.exec(sa.insert(partnership).values(
                id=str(uuid.uuid4()), created_by=created_by, type="funding", status="proposed", origin="match",
                match_ref=match_ref, actor_ids=[], description=[], confirmations=[], illustrative=False,
                deleted_at=deleted_at, version=1, created_at=NOW, updated_at=NOW))
            await session.commit()

    try:
        # Beside the index: one recorded from matching's event, a deleted one.
        for created_by, deleted_at in (("account-a", None), ("matching:hub-1", None), ("account-b", NOW)):
            await register(created_by, "match-1", deleted_at)
        await register("account-a", "match-2")
        await register("account-b", "match-2")
        with pytest.raises(RuntimeError, match="match-2"):
            await upgrade(MIGRATIONS, database_url)
        async with database.session() as session:
            assert (await session.exec(sa.text("SELECT version_num FROM alembic_version"))).scalar() == "0010"
            await session.exec(sa.delete(partnership).where(partnership.c.match_ref == "match-2",
                                                           partnership.c.created_by == "account-b"))
            await session.commit()
        await upgrade(MIGRATIONS, database_url)
    finally:
        await database.dispose()


async def test_actors_with_a_second_name_in_a_language_get_its_cell_and_facet_and_back(database_url):
    """0012 writes the cells of the actors with more than one name again, a second name in a
    language under "en#2", and adds its `name_lang` facet; its downgrade takes both away."""
    await upgrade(MIGRATIONS, database_url, "0011")
    database = Database(async_database_url(database_url))
    actors = _ActorsWithLists(database, {
        "acronym": {"names": [{"lang": "en", "value": "Seoul Social Campus"}, {"lang": "ko", "value": "서울소셜캠퍼스"},
                              {"lang": "en", "value": "SSC"}]},
        "two scripts": {"names": [{"lang": "en", "value": "Hope Works"}, {"lang": "ko", "value": "희망일터"}]},
        "one": {},
    })
    try:
        await actors.write({"written": "before 0012", "names": {"en": "a marker"}})
        async with database.session() as session:  # as 0006 and the code before 0012 left them
            await session.exec(sa.insert(ACTOR_FACET), params=[{"facet": "name_lang", "value": "en", "actor_id": actors.ids["acronym"]}])
            await session.commit()
        await upgrade(MIGRATIONS, database_url, "0012")
        found = await actors.cells()
        assert found["one"] == {"written": "before 0012", "names": {"en": "a marker"}}
        assert found["acronym"]["names"] == {"en": "Seoul Social Campus", "ko": "서울소셜캠퍼스", "en#2": "SSC"}
        assert found["two scripts"]["names"] == {"en": "Hope Works", "ko": "희망일터"}
        assert (await actors.facets("name_lang"))["acronym"] == {"en", "ko", "en#2"}

        await downgrade(MIGRATIONS, database_url, "0011")
        found = await actors.cells()
        assert found["acronym"]["names"] == {"en": "Seoul Social Campus", "ko": "서울소셜캠퍼스"}
        assert found["acronym"]["details"] == found["two scripts"]["details"] == "cooperative,social,KR,,,,,false,,,,,"
        assert (await actors.facets("name_lang"))["acronym"] == {"en", "ko"}
    finally:
        await database.dispose()

async def test_actors_with_a_quote_before_a_formula_start_get_one_more_in_their_cells_and_back(database_url):
    """0013 writes the cells of the actors whose values hold a quote again, a cell of quotes before a
    formula start with one quote more; its downgrade writes them as the code before it did."""
    await upgrade(MIGRATIONS, database_url, "0012")
    database = Database(async_database_url(database_url))
    actors = _ActorsWithLists(database, {
        "'+Second": {},
        "'quoted'": {},
        "plain": {"descriptions": [{"lang": "en", "value": "-2 degrees"}]},
    })
    try:
        await actors.write({"written": "before 0013"})
        await upgrade(MIGRATIONS, database_url, "0013")
        found = await actors.cells()
        assert found["plain"] == {"written": "before 0013"}  # no quote: not written again
        assert found["'+Second"]["names"] == {"en": "''+Second"}
        assert found["'quoted'"]["names"] == {"en": "'quoted'"}

        await downgrade(MIGRATIONS, database_url, "0012")
        found = await actors.cells()
        assert found["'+Second"]["names"] == {"en": "'+Second"}
        assert found["'quoted'"]["names"] == {"en": "'quoted'"}
        assert found["plain"] == {"written": "before 0013"}
    finally:
        await database.dispose()
