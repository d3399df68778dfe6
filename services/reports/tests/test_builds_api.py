"""Builds through the API on both databases: the country report's figures and their evidence,
formats, immutability, rebuild, the method documents and bad input."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

from jsonschema import Draft202012Validator
from sihub_reports.builds.models import ReportBuild
from sihub_shared.db import Database
from sihub_shared.settings import async_database_url
from sihub_shared.testing import identity_headers
from sihub_shared.testing.servers import app_client
from sihub_shared.workers import lease_until


def figures(report: dict) -> dict[str, dict]:
    return {f["id"]: f for s in report["sections"] for f in s["figures"]}


async def test_country_report_traces_every_figure_to_its_records(reports):
    await reports.feed(*reports.events.korea())
    build = await reports.build("country", "KR")
    assert build["status"] == "done" and build["kind"] == "country" and build["countries"] == ["KR"]
    assert build["positions"] == {"SIHUB_INDICATORS": 4, "SIHUB_MATCHING": 2, "SIHUB_REGISTRY": 11}
    report = (await reports.get(f"/builds/{build['id']}")).json()
    found = figures(report)
    for f in found.values():
        assert set(f) >= {"id", "label", "value", "unit", "evidence", "illustrative"}
    assert report["illustrative"] is True and build["illustrative"] is True
    assert found["ecosystem.actors.total"]["value"] == 4  # the Japanese actor is not Korea's
    assert found["ecosystem.actors.region.KR-11"]["value"] == 3
    assert found["ecosystem.actors.region.KR-11"]["attributes"]["share"] == 0.75
    assert "/api/v1/registry/actors/se1" in found["ecosystem.certifications.kr-se"]["evidence"]
    assert found["ecosystem.hub.hub"]["value"] == 1
    assert found["ecosystem.hub.hub"]["attributes"]["programmes"] == 1
    # Only confirmed partnerships count; the pending one is shown apart.
    assert found["collaboration.partnerships.total"]["evidence"] == ["/api/v1/registry/partnerships/p1"]
    assert found["collaboration.partnerships.unconfirmed"]["value"] == 1
    assert found["collaboration.partnerships.sectors.philanthropic+social"]["value"] == 1
    assert found["collaboration.matching.proposed"]["value"] == 2
    assert found["collaboration.matching.converted"]["value"] == 1
    # se1 needs funding on ageing care and no Korean funder offers it; se2 has the foundation.
    assert found["funding.unmet.total"]["value"] == 1
    assert "/api/v1/registry/actors/se1" in found["funding.unmet.total"]["evidence"]
    space = found["white_spaces.KR-42.ageing_care"]
    assert space["attributes"] == {"rank": 1, "geography": "KR-42", "theme": "ageing_care", "severity": 0.8,
                                   "band": "critical", "actors": 1, "partnerships": 0}
    assert space["value"] == 0.8 * (0.9 + 1.0) / 2
    assert "white_spaces.KR-11.employment" not in found  # not severe enough
    assert found["issues.region.KR-42.ageing_care"]["attributes"]["rank_worst"] == 3
    assert found["issues.country.JP.ageing_care"]["value"] == 45.0
    assert found["data_gaps.unscored.ageing_care"]["attributes"]["regions"] == ["KR-11", "KR-26"]
    # Gaps counted in invented data are invented too (the demo leaves values out on purpose).
    assert found["data_gaps.unscored.ageing_care"]["illustrative"] and found["data_gaps.unscored.total"]["illustrative"]
    cases = next(s for s in report["sections"] if s["id"] == "case_studies")["items"]
    assert [a["name"] for a in cases[0]["actors"]] == ["Seoul Campus 캠퍼스", "Actor se1"]  # by id
    rules = {o["rule"]: o for o in report["policy_options"]}
    assert set(rules) == {"PR-1", "PR-2", "PR-4", "PR-5"}  # PR-5: KR-11 holds 3 of 4
    findings = {f["id"]: f for f in report["findings"]}
    for option in rules.values():
        for finding in option["findings"]:
            assert all(figure_id in found for figure_id in findings[finding]["figures"])
        assert option["illustrative"] == any(findings[f]["illustrative"] for f in option["findings"])
    # A finding is invented when a figure it cites, or one it reads without citing, is.
    reads = {"white_spaces": [i for i in found if i.startswith("white_spaces.")],
             "regional_concentration": [i for i in found if i.startswith("ecosystem.actors.region.")
                                        and not i.endswith(".unknown")]}
    for finding in findings.values():
        assert finding["illustrative"] == any(
            found[i]["illustrative"] for i in finding["figures"] + reads.get(finding["id"], []))
    assert findings["unmet_funding"]["illustrative"] and rules["PR-2"]["illustrative"]


async def test_gaps_in_real_data_are_not_flagged_illustrative(reports):
    await reports.feed(*reports.events.korea(), reports.events.indices(
        "regions:KR", [("KR-11", "employment", 62.0, 1.0), ("KR-42", "ageing_care", 31.0, 0.7)],
        geographies=["KR-11", "KR-26", "KR-42"], illustrative=False))
    found = figures((await reports.get(f"/builds/{(await reports.build('country', 'KR'))['id']}")).json())
    assert found["data_gaps.unscored.ageing_care"]["attributes"]["regions"] == ["KR-11", "KR-26"]
    assert not found["data_gaps.unscored.ageing_care"]["illustrative"]
    assert not found["data_gaps.unscored.total"]["illustrative"]


async def test_a_finding_is_invented_when_a_figure_it_reads_but_does_not_cite_is(reports):
    """The regional concentration cites the largest region but divides by every region: an invented
    actor in a smaller region makes the share, and so the finding and its option, invented."""
    e = reports.events
    await reports.feed(*(e.actor(f"real{i}", region="KR-11", illustrative=False) for i in range(3)))

    async def concentration() -> tuple[dict, dict]:
        report = (await reports.get(f"/builds/{(await reports.build('country', 'KR'))['id']}")).json()
        finding = next(f for f in report["findings"] if f["id"] == "regional_concentration")
        return finding, figures(report)

    finding, _ = await concentration()
    assert not finding["illustrative"]
    await reports.feed(e.actor("made_up", region="KR-42"))
    finding, found = await concentration()
    assert finding["figures"] == ["ecosystem.actors.region.KR-11"]
    assert not found["ecosystem.actors.region.KR-11"]["illustrative"]
    assert "75%" in finding["text"] and finding["illustrative"]


async def test_a_region_scored_only_for_an_earlier_period_is_a_data_gap(reports):
    """The indices carry each cell's latest score: a cell whose latest period was withheld (too much
    missing) shows an earlier one, which the data gaps count instead of a full coverage."""
    event = reports.events.indices("regions:KR", [("KR-11", "employment", 62.0, 1.0), ("KR-42", "employment", 40.0, 1.0),
                                                  ("KR-11", "housing", 50.0, 1.0), ("KR-42", "housing", 55.0, 1.0)],
                                   illustrative=False)
    event.data["periods"] = ["2023", "2024"]
    event.data["values"][1]["period"] = "2023"  # KR-42's 2024 employment index was withheld
    for value in event.data["values"][2:]:
        value["period"] = "2023"  # housing's data ends in 2023 everywhere: no gap
    await reports.feed(*reports.events.korea(), event)
    report = (await reports.get(f"/builds/{(await reports.build('country', 'KR'))['id']}")).json()
    found = figures(report)
    assert found["data_gaps.stale.employment"]["value"] == 1
    assert found["data_gaps.stale.employment"]["attributes"]["regions"] == ["KR-42"]
    assert found["data_gaps.stale.employment"]["attributes"]["periods"] == ["2023"]
    assert found["data_gaps.stale.employment"]["attributes"]["latest"] == "2024"
    assert "data_gaps.stale.housing" not in found
    assert found["data_gaps.stale.total"]["value"] == 1 and not found["data_gaps.stale.total"]["illustrative"]
    finding = next(f for f in report["findings"] if f["id"] == "data_gaps")
    assert "1 scored only for an earlier period than their theme's latest" in finding["text"]
    assert "PR-4" in {o["rule"] for o in report["policy_options"]}


async def test_a_region_of_the_set_without_any_data_is_a_data_gap(reports):
    event = reports.events.indices("regions:KR", [("KR-11", "employment", 62.0, 1.0), ("KR-42", "employment", 40.0, 1.0)],
                                   illustrative=False)
    event.data["members"] = ["KR-11", "KR-26", "KR-42"]  # KR-26 has no observation at all
    await reports.feed(*reports.events.korea(), event)
    found = figures((await reports.get(f"/builds/{(await reports.build('country', 'KR'))['id']}")).json())
    assert found["data_gaps.unscored.employment"]["attributes"]["regions"] == ["KR-26"]
    assert found["data_gaps.unscored.total"]["value"] == 1


async def test_a_real_regions_rank_among_invented_peers_is_flagged(reports):
    async def issues(rank_illustrative: bool) -> dict:
        await reports.feed(reports.events.indices("regions:KR", [("KR-11", "employment", 62.0, 1.0)],
                                                  illustrative=False, rank_illustrative=rank_illustrative))
        return figures((await reports.get(f"/builds/{(await reports.build('country', 'KR'))['id']}")).json())

    assert not (await issues(False))["issues.region.KR-11.employment"]["illustrative"]
    assert (await issues(True))["issues.region.KR-11.employment"]["illustrative"]


async def test_a_partnership_naming_an_invented_actor_is_counted_as_invented(reports):
    """A partnership's figures read its actors' sectors: an invented actor makes them invented,
    whatever the partnership's own record says."""
    e = reports.events
    await reports.feed(e.actor("real1", illustrative=False),
                       e.actor("real2", kind="foundation", sector="philanthropic", illustrative=False),
                       e.actor("hub1", kind="hub_intermediary", sector="public", illustrative=False),
                       e.partnership("p1", ["real1", "real2"], match_ref="m1", illustrative=False),
                       e.match_accepted("m1", "r1", "hub1", "real1", "real2", illustrative=False))

    async def found() -> dict:
        return figures((await reports.get(f"/builds/{(await reports.build('country', 'KR'))['id']}")).json())

    real = await found()
    assert not real["collaboration.partnerships.total"]["illustrative"]
    assert not real["collaboration.partnerships.cross_sector"]["illustrative"]
    assert real["collaboration.matching.converted"]["value"] == 1
    assert not real["collaboration.matching.converted"]["illustrative"]
    assert not real["collaboration.partnerships.sectors.philanthropic+social"]["illustrative"]
    await reports.feed(e.actor("made_up", kind="corporation", sector="private"),
                       e.partnership("p2", ["real1", "made_up"], match_ref="m2", illustrative=False),
                       e.match_accepted("m2", "r1", "hub1", "real1", "made_up", illustrative=False))
    mixed = await found()
    assert mixed["collaboration.partnerships.total"]["illustrative"]
    assert mixed["collaboration.partnerships.sectors.private+social"]["illustrative"]
    assert not mixed["collaboration.partnerships.sectors.philanthropic+social"]["illustrative"]
    assert mixed["collaboration.matching.converted"]["value"] == 2
    assert mixed["collaboration.matching.converted"]["illustrative"]  # read through p2's invented actor


async def test_a_deleted_actor_is_no_member_of_its_hub(reports):
    e = reports.events
    await reports.feed(e.actor("hub1", kind="hub_intermediary", sector="public", illustrative=False),
                       e.actor("se1", illustrative=False), e.actor("se2", illustrative=False),
                       e.programme("prog1", "hub1"), e.membership("m1", "hub1", "prog1", "se1"),
                       e.membership("m2", "hub1", "prog1", "se2"),
                       e.actor("se2", illustrative=False, verb="deleted", version=2))
    hub = figures((await reports.get(f"/builds/{(await reports.build('country', 'KR'))['id']}")).json())["ecosystem.hub.hub1"]
    assert hub["value"] == 1
    assert any(link.endswith("/m1") for link in hub["evidence"])
    assert not any(link.endswith("/m2") for link in hub["evidence"])


async def test_a_cross_border_match_between_actors_invented_since_is_invented(reports):
    e = reports.events
    await reports.feed(
        e.actor("kr1", country="KR", region="KR-11", issue_areas=("ageing_care",), needs=("funding",), illustrative=False),
        e.actor("jp1", country="JP", region="JP-13", issue_areas=("ageing_care",), offers=("funding",), illustrative=False),
        e.round_published("r1", "hub1", [("m1", "kr1", "jp1", 0.9)], illustrative=False))

    async def suggestion() -> dict:
        report = (await reports.get(f"/builds/{(await reports.build('comparative', 'KR', 'JP'))['id']}")).json()
        return next(s for s in report["cross_border"] if s["attributes"]["scored_by"] == "matching")

    assert not (await suggestion())["illustrative"]
    await reports.feed(e.actor("jp1", country="JP", region="JP-13", issue_areas=("ageing_care",), offers=("funding",),
                               illustrative=True, verb="updated", version=2))
    assert (await suggestion())["illustrative"]


async def test_every_publication_of_a_round_counts_its_proposals_once(reports):
    # A re-run round published again sends only its new proposals; a redelivered event changes nothing.
    events = reports.events
    later = events.round_published("r1", "hub", [("m3", "se1", "fund", 0.6)], publication=2, illustrative=False)
    await reports.feed(*events.korea(), later, later)
    found = figures((await reports.get(f"/builds/{(await reports.build('country', 'KR'))['id']}")).json())
    assert found["collaboration.matching.rounds"]["value"] == 1
    assert found["collaboration.matching.proposed"]["value"] == 3  # m1, m2 of the first publication, m3
    assert found["collaboration.matching.proposed"]["illustrative"] is True  # the first publication's were


async def test_an_older_state_published_after_a_newer_one_does_not_win(reports):
    # Registry replicas relay in parallel: a record's versions can reach the stream out of order.
    events = reports.events
    await reports.feed(
        *events.korea(),
        events.actor("late", region="KR-26", version=3), events.actor("late", region="KR-11", version=2, verb="updated"),
        events.actor("gone", version=2, verb="deleted"), events.actor("gone", version=1),
    )
    found = figures((await reports.get(f"/builds/{(await reports.build('country', 'KR'))['id']}")).json())
    assert found["ecosystem.actors.total"]["value"] == 5  # korea's 4 and "late"; "gone" stays deleted
    assert "/api/v1/registry/actors/late" in found["ecosystem.actors.region.KR-26"]["evidence"]


async def test_formats_are_renderings_of_the_stored_build(reports):
    await reports.feed(*reports.events.korea())
    build = await reports.build("country", "KR")
    stored = await reports.get(f"/builds/{build['id']}?format=json")
    assert stored.headers["content-type"] == "application/json"
    html = await reports.get(f"/builds/{build['id']}?format=html")
    assert html.headers["content-type"].startswith("text/html")
    assert "<svg" in html.text and "illustrative" in html.text and 'class="banner"' in html.text
    # Nothing is fetched from elsewhere; the links to the evidence are on the address the report
    # was asked on, so that a saved file still leads to it (the JSON keeps /api/v1/... paths).
    addresses = set(re.findall(r'(?:href|src)="(https?://[^"]*)', html.text))
    assert addresses and all(a.startswith("http://testserver/api/v1/") for a in addresses)
    assert not re.search(r'(?:href|src)="/', html.text)
    markdown = await reports.get(f"/builds/{build['id']}?format=md")
    assert markdown.text.startswith("# Country report: ") and "Illustrative data" in markdown.text
    assert "](http://testserver/api/v1/" in markdown.text and "](/" not in markdown.text
    behind_gateway = {"X-Forwarded-Host": "api.sihub.example", "X-Forwarded-Proto": "https"}
    for format_ in ("html", "md"):
        public = (await reports.get(f"/builds/{build['id']}?format={format_}", headers=behind_gateway)).text
        assert "https://api.sihub.example/api/v1/" in public and "testserver" not in public
    evidence = figures(stored.json())["ecosystem.actors.total"]["evidence"]
    assert evidence and all(link.startswith("/api/v1/registry/") for link in evidence)
    # Immutable: later events change a new build, never the stored one.
    await reports.feed(reports.events.actor("late", region="KR-26"))
    again = await reports.get(f"/builds/{build['id']}?format=json")
    assert again.content == stored.content
    newer = await reports.build("country", "KR")
    assert figures((await reports.get(f"/builds/{newer['id']}")).json())["ecosystem.actors.total"]["value"] == 5


async def test_rebuild_from_recorded_positions_is_identical(reports):
    await reports.feed(*reports.events.korea())
    build = await reports.build("comparative", "KR", "JP")
    await reports.feed(reports.events.actor("late", region="KR-26"), reports.events.severity("KR-26", "food", 0.9))
    result = await reports.post(f"/builds/{build['id']}/rebuild")
    assert result.status_code == 200, result.text
    body = result.json()
    assert body["identical"] and body["json_identical"] and body["html_identical"] and body["md_identical"]
    assert body["rebuilt_json_sha256"] == body["json_sha256"] == build["json_sha256"]
    assert body["schema"] == body["rebuilt_schema"] == "sihub.report/3"


async def test_a_build_of_an_earlier_schema_still_renders_and_its_rebuild_says_the_schema_changed(reports):
    """A build is stored as it was made: one made before findings carried their flag (schema /1)
    renders in every format, and its rebuild says why its bytes differ."""
    await reports.feed(*reports.events.korea())
    build = await reports.build("comparative", "KR", "JP")
    database = Database(async_database_url(reports.database_url))
    try:
        async with database.session() as session:
            stored = await session.get(ReportBuild, build["id"])
            earlier = json.loads(stored.document)
            for statement in (*earlier["recommendations"], *(s for r in earlier["country_reports"].values()
                                                              for s in (*r["findings"], *r["policy_options"]))):
                del statement["illustrative"]
            stored.document = json.dumps(earlier | {"schema": "sihub.report/1"}).encode()
            session.add(stored)
    finally:
        await database.dispose()
    for format_ in ("html", "md"):
        assert (await reports.get(f"/builds/{build['id']}?format={format_}")).status_code == 200, format_
    rebuilt = await reports.post(f"/builds/{build['id']}/rebuild")
    assert rebuilt.status_code == 200, rebuilt.text
    body = rebuilt.json()
    assert (body["schema"], body["rebuilt_schema"], body["json_identical"]) == ("sihub.report/1", "sihub.report/3", False)


async def test_comparative_report_side_by_side_with_cross_border_suggestions(reports):
    await reports.feed(*reports.events.korea())
    build = await reports.build("comparative", "KR", "JP")
    assert build["countries"] == ["JP", "KR"]
    report = (await reports.get(f"/builds/{build['id']}")).json()
    size = next(s for s in report["comparison"] if s["id"] == "size")
    total = next(r for r in size["rows"] if r["id"] == "ecosystem.actors.total")
    assert {c: v["value"] for c, v in total["values"].items()} == {"JP": 1, "KR": 4}
    pairs = {(s["attributes"]["seeker"], s["attributes"]["provider"]): s for s in report["cross_border"]}
    assert pairs[("se1", "jp1")]["attributes"]["scored_by"] == "matching"
    assert pairs[("se1", "jp1")]["value"] == 0.7
    assert pairs[("se1", "jp1")]["attributes"]["needs_met"] == ["funding"]
    assert all(s["attributes"]["seeker_country"] != s["attributes"]["provider_country"] for s in report["cross_border"])
    recommendation = {r["rule"]: r for r in report["recommendations"]}
    assert recommendation["PR-4"]["countries"] == ["JP", "KR"] and recommendation["PR-4"]["shared"]
    assert recommendation["PR-4"]["illustrative"]  # the two countries' data gaps are counted in invented data
    html = await reports.get(f"/builds/{build['id']}?format=html")
    assert "東京ケア財団" in html.text
    # Each country's report is in the page: its figures' anchors are its own, and every link within
    # the page (a finding's figures, a side-by-side value) reaches the figure of its country.
    ids = re.findall(r' id="([^"]+)"', html.text)
    assert len(ids) == len(set(ids))
    assert set(re.findall(r'href="#([^"]+)"', html.text)) <= set(ids)
    assert 'id="KR-ecosystem.actors.total"' in html.text and 'id="JP-ecosystem.actors.total"' in html.text
    kr_total = total["values"]["KR"]
    assert kr_total["illustrative"]
    assert f'<a href="#KR-ecosystem.actors.total">{kr_total["value"]}</a>*' in html.text
    markdown = (await reports.get(f"/builds/{build['id']}?format=md")).text
    suggestion = pairs[("se1", "jp1")]
    # the cross-border list names each suggestion's figure and links its evidence
    assert f"`{suggestion['id']}` — score 0.70 (matching) [1](http://testserver{suggestion['evidence'][0]})" in markdown
    assert re.search(r"\| `ecosystem.actors.total` \| [^|]+ \| 1\\\* \| 4\\\* \|", markdown), markdown


async def test_a_country_with_no_data_gives_an_empty_report_that_says_so(reports):
    await reports.feed(*reports.events.korea())
    build = await reports.build("country", "SG")
    assert build["empty"] is True
    report = (await reports.get(f"/builds/{build['id']}")).json()
    assert report["notes"][0].startswith("No data for SG yet")
    assert figures(report)["ecosystem.actors.total"]["value"] == 0
    assert "No data for SG yet" in (await reports.get(f"/builds/{build['id']}?format=md")).text


async def test_bad_input_is_a_problem_naming_the_field(reports):
    problem = reports.problem(await reports.post("/builds", json={"kind": "country", "countries": ["XX"]}), 422)
    assert problem["errors"][0]["field"] == "countries[0]"
    problem = reports.problem(await reports.post("/builds", json={"kind": "country", "countries": ["KR", "JP"]}), 422)
    assert problem["errors"][0]["field"] == "countries"
    problem = reports.problem(await reports.post("/builds", json={"kind": "country", "countries": ["KR"],
                                                                  "colour": "red"}), 422)
    assert problem["errors"][0]["field"] == "colour"
    problem = reports.problem(await reports.post("/builds", json={"kind": "weekly", "countries": ["KR"]}), 422)
    assert problem["errors"][0]["field"] == "kind"
    build = await reports.build("country", "KR")
    problem = reports.problem(await reports.get(f"/builds/{build['id']}?format=docx"), 422)
    assert problem["errors"][0]["field"] == "format"
    problem = reports.problem(await reports.get("/builds/no-such-build?format=json"), 404)
    assert problem["errors"][0]["field"] == "id"
    reports.problem(await reports.post("/builds/no-such-build/rebuild"), 404)
    reports.problem(await reports.get("/builds?limit=0"), 422)
    reports.problem(await reports.get("/builds?cursor=bm9wZQ"), 400)


async def test_the_published_contract_says_what_a_build_request_refuses(reports):
    """A request the service refuses (422), the OpenAPI refuses too, so that a client (or a fuzzer
    sending "schema-valid" requests) is not told a request is valid that the service will refuse."""
    document = reports.app().openapi()
    operation = document["paths"]["/api/v1/reports/builds"]["post"]
    schema = {**operation["requestBody"]["content"]["application/json"]["schema"], "components": document["components"]}
    validator = Draft202012Validator({"$ref": schema.pop("$ref"), **schema})
    for refused in ({"kind": "country", "countries": ["AA"]}, {"kind": "country", "countries": ["KR", "JP"]},
                    {"kind": "comparative", "countries": ["KR", "KR"]}, {"kind": "comparative", "countries": ["KR"]}):
        reports.problem(await reports.post("/builds", json=refused), 422)
        assert not validator.is_valid(refused), refused
    for accepted in ({"kind": "country", "countries": ["KR"]}, {"kind": "comparative", "countries": ["KR", "JP"]}):
        assert (await reports.post("/builds", json=accepted)).status_code == 201
        assert validator.is_valid(accepted), accepted


async def _store(reports, build: ReportBuild) -> None:
    database = Database(async_database_url(reports.database_url))
    try:
        async with database.session() as session:
            session.add(build)
    finally:
        await database.dispose()


async def test_a_build_not_yet_done_answers_a_declared_409(reports):
    queued = ReportBuild(id=str(uuid.uuid4()), kind="country", countries=["KR"], positions={}, status="queued",
                         created_by="someone", created_at=datetime.now(UTC), lease_until=lease_until(60))
    await _store(reports, queued)
    answers = {("/api/v1/reports/builds/{build_id}", "get"): await reports.get(f"/builds/{queued.id}?format=pdf"),
               ("/api/v1/reports/builds/{build_id}/rebuild", "post"): await reports.post(f"/builds/{queued.id}/rebuild")}
    document = reports.app().openapi()
    for (path, method), answer in answers.items():
        reports.problem(answer, 409)
        assert "409" in document["paths"][path][method]["responses"], (method, path)


async def test_a_build_whose_process_stopped_reads_as_failed(reports):
    # What a process killed mid-build leaves behind: running, under a lease no one renews.
    lost = ReportBuild(id=str(uuid.uuid4()), kind="country", countries=["KR"], positions={}, status="running",
                       progress=0.4, created_by="someone", created_at=datetime.now(UTC),
                       lease_until=datetime.now(UTC) - timedelta(minutes=5))
    await _store(reports, lost)
    listed = (await reports.get("/builds")).json()["items"]
    assert [b["status"] for b in listed if b["id"] == lost.id] == ["failed"]
    assert (await reports.get(f"/builds/{lost.id}/status")).json()["status"] == "failed"
    assert reports.problem(await reports.get(f"/builds/{lost.id}"), 409)["status_of_build"] == "failed"
    database = Database(async_database_url(reports.database_url))
    try:
        async with database.session() as session:
            assert (await session.get(ReportBuild, lost.id)).status == "failed"  # stored, not only shown
    finally:
        await database.dispose()


async def test_builds_are_listed_newest_first_with_positions(reports):
    await reports.feed(*reports.events.korea())
    first = await reports.build("country", "KR")
    second = await reports.build("comparative", "KR", "JP", "TH")
    page = (await reports.get("/builds?limit=1")).json()
    assert [b["id"] for b in page["items"]] == [second["id"]]
    rest = (await reports.get(f"/builds?limit=5&cursor={page['next_cursor']}")).json()
    assert [b["id"] for b in rest["items"]] == [first["id"]] and rest["next_cursor"] is None
    listed = rest["items"][0]
    assert listed["positions"] == first["positions"] and listed["illustrative"] is True
    assert listed["created_at"].endswith(("Z", "+00:00"))
    streams = (await reports.get("/streams")).json()
    assert streams["positions"] == first["positions"]


async def test_method_documents_are_served_and_named_by_builds(reports):
    rules = (await reports.get("/policy-rules")).json()
    method = (await reports.get("/white-space-method")).json()
    assert [r["id"] for r in rules["rules"]] == ["PR-1", "PR-2", "PR-3", "PR-4", "PR-5", "PR-6"]
    assert method["parameters"]["min_severity"] == 0.5
    build = await reports.build("country", "KR")
    report = json.loads((await reports.get(f"/builds/{build['id']}")).content)
    assert report["methods"] == {"policy_rules": rules["version"], "white_space": method["version"]}


async def test_a_large_build_runs_in_the_background_with_progress(reports):
    await reports.feed(*reports.events.korea())
    async with app_client(reports.app(background_build_events=5)) as client:
        response = await client.post("/api/v1/reports/builds", headers=identity_headers(),
                                     json={"kind": "country", "countries": ["KR"]})
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "queued" and response.json()["progress"] == 0.0
        status = response.json()
        while status["status"] in ("queued", "running"):
            status = (await client.get(response.headers["location"] + "/status", headers=identity_headers())).json()
        assert status["status"] == "done" and status["progress"] == 1.0
        report = (await client.get(response.headers["location"], headers=identity_headers())).json()
    assert figures(report)["ecosystem.actors.total"]["value"] == 4


def test_a_line_chart_marks_its_invented_points_as_the_bars_do():
    from sihub_reports.render.charts import BAR_FILL, ILLUSTRATIVE, line_chart

    points = [{"id": f"ecosystem.founded.{year}", "label": f"Founded {year}", "value": n, "illustrative": invented}
              for year, n, invented in ((2019, 2, False), (2020, 5, True), (2021, 3, False))]
    svg = line_chart("Actors founded by year", points, "sans-serif")
    fills = re.findall(r'<circle [^>]*fill="([^"]+)"', svg)
    assert fills == [BAR_FILL, ILLUSTRATIVE, BAR_FILL]
    assert "Founded 2020: 5 (illustrative)" in svg
