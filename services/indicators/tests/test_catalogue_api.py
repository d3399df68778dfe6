"""The indicator catalogue over HTTP: CRUD with ETag/If-Match, roles, paging, events."""

from __future__ import annotations

import asyncio

import pytest

from sihub_shared.pagination import encode_cursor


CREATED = "org.sihub.indicators.indicator.created.v1"
UPDATED = "org.sihub.indicators.indicator.updated.v1"
DELETED = "org.sihub.indicators.indicator.deleted.v1"


async def test_an_indicator_is_created_read_changed_and_deleted_with_its_events(indicators):
    body = indicators.indicator_body("relative_poverty_rate", notes="Share below half the median income")
    created = await indicators.post("/indicators", json=body)
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"] == indicators.api + "/indicators/relative_poverty_rate"
    indicator = created.json()
    assert indicator["names"] == {"en": "Relative poverty rate", "ko": "지표"}
    assert indicator["bounds"] == {"min": 0.0, "max": 100.0}
    assert indicator["source"]["link"] == "https://kosis.kr/"

    again = indicators.problem(await indicators.post("/indicators", json=body), 409)
    assert again["errors"][0]["field"] == "code"
    partner = await indicators.post("/indicators", json=indicators.indicator_body("other"), role="partner")
    indicators.problem(partner, 403)
    indicators.problem(await indicators.get("/indicators", role=None), 401)

    read = await indicators.get("/indicators/relative_poverty_rate", role="partner")
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'
    assert read.json()["notes"] == "Share below half the median income"

    path = "/indicators/relative_poverty_rate"
    change = {"direction": "lower_is_better", "max_value": 80, "names": {"en": "Relative poverty", "ja": "相対的貧困率"}}
    missing = indicators.problem(await indicators.patch(path, json=change), 428)
    assert missing["errors"][0]["field"] == "If-Match"
    indicators.problem(await indicators.patch(path, json=change, headers={"If-Match": '"7"'}), 412)
    changed = await indicators.patch(path, json=change, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    assert changed.json()["bounds"] == {"min": 0.0, "max": 80.0}
    assert changed.json()["names"] == {"en": "Relative poverty", "ja": "相対的貧困率"}
    same = await indicators.patch(path, json=change, headers={"If-Match": '"2"'})
    assert same.status_code == 200 and same.headers["ETag"] == '"2"'  # nothing changed: no new version

    wider = indicators.problem(await indicators.patch(path, json={"max_value": 150}, headers={"If-Match": '"2"'}), 422)
    assert wider["errors"][0]["field"] == "max_value"
    null = indicators.problem(await indicators.patch(path, json={"names": None}, headers={"If-Match": '"2"'}), 422)
    assert null["errors"][0]["field"] == "names"

    indicators.problem(await indicators.delete(path), 428)
    deleted = await indicators.delete(path, headers={"If-Match": '"2"'})
    assert deleted.status_code == 204
    indicators.problem(await indicators.get(path), 404)

    events = await indicators.outbox()
    assert [e["type"] for e in events] == [CREATED, UPDATED, DELETED]
    assert {e["subject"] for e in events} == {"relative_poverty_rate"}
    assert events[0]["data"]["indicator"]["code"] == "relative_poverty_rate"
    assert events[1]["data"]["changed"] == ["max_value", "names"]
    assert events[1]["data"]["indicator"]["version"] == 2
    assert events[2]["data"] == {"code": "relative_poverty_rate"}


async def test_bad_indicators_are_refused_naming_the_field(indicators):
    cases = {
        "theme": indicators.indicator_body("a", theme="weather"),
        "names": indicators.indicator_body("a", names={"ko": "지표"}),
        "sdg_targets[0]": indicators.indicator_body("a", sdg_targets=["18.1"]),
        "code": indicators.indicator_body("1a"),
        "source.publisher": indicators.indicator_body("a", source={"publisher": ""}),
    }
    for field, body in cases.items():
        problem = indicators.problem(await indicators.post("/indicators", json=body), 422)
        assert problem["errors"][0]["field"] == field, problem
    bounds = indicators.problem(await indicators.post("/indicators", json=indicators.indicator_body("a", min_value=-5)), 422)
    assert "below what the unit percent allows" in bounds["detail"]
    assert await indicators.outbox() == []


async def test_the_catalogue_lists_by_theme_a_page_at_a_time(indicators):
    await indicators.add_indicators(*(indicators.indicator_body(f"income_{n}") for n in range(3)),
                         indicators.indicator_body("pm25", theme="environment_climate", unit="micrograms_per_m3"))
    first = await indicators.get("/indicators", params={"theme": "income_disparity", "limit": 2})
    assert [i["code"] for i in first.json()["items"]] == ["income_0", "income_1"]
    second = await indicators.get("/indicators", params={"theme": "income_disparity", "limit": 2,
                                                           "cursor": first.json()["next_cursor"]})
    assert [i["code"] for i in second.json()["items"]] == ["income_2"]
    assert second.json()["next_cursor"] is None
    everything = await indicators.get("/indicators")
    assert [i["code"] for i in everything.json()["items"]] == ["income_0", "income_1", "income_2", "pm25"]
    indicators.problem(await indicators.get("/indicators", params={"theme": "weather"}), 422)
    indicators.problem(await indicators.get("/indicators", params={"cursor": "!!"}), 422)  # not base64url
    forged = encode_cursor({"code": 5})  # well-formed, but not one this API gave out
    indicators.problem(await indicators.get("/indicators", params={"cursor": forged}), 400)
    with_nul = encode_cursor({"code": "income\x00"})  # once a 500 on PostgreSQL, here and on every listing
    for path in ("/indicators", "/observations", "/severities", "/indices", "/ingests"):
        indicators.problem(await indicators.get(path, params={"cursor": with_nul}), 400)

    themes = (await indicators.get("/themes")).json()
    assert {"code": "ageing_care", "label": "Ageing and care"} in themes and len(themes) == 12
    units = {u["code"]: u for u in (await indicators.get("/units")).json()}
    assert (units["percent"]["min"], units["percent"]["max"]) == (0.0, 100.0)
    assert units["count"]["max"] is None


async def test_an_indicator_with_observations_keeps_them_valid_and_its_indices_current(indicators):
    await indicators.add_indicators(indicators.indicator_body("housing_cost", theme="housing"),
                                    indicators.indicator_body("overcrowding", theme="housing"))
    rows = "".join(f"{code},{region},2022,{value + n}\n" for n, code in enumerate(("housing_cost", "overcrowding"))
                   for region, value in (("KR-11", 30), ("KR-26", 22), ("KR-42", 12)))
    await indicators.ingest("indicator,geography,period,value\n" + rows, expect=201)
    path = "/indicators/housing_cost"

    narrower = indicators.problem(await indicators.patch(path, json={"max_value": 25}, headers={"If-Match": '"1"'}), 409)
    assert narrower["errors"] == [{"field": "max_value", "message": "a stored observation is 30"}]
    kept = indicators.problem(await indicators.delete(path, headers={"If-Match": '"1"'}), 409)
    assert kept["errors"][0]["field"] == "code"

    seen = len(await indicators.outbox())
    notes = await indicators.patch(path, json={"notes": "Rent over 30% of income"}, headers={"If-Match": '"1"'})
    assert notes.status_code == 200
    assert [e["type"] for e in (await indicators.outbox())[seen:]] == ["org.sihub.indicators.indicator.updated.v1"]

    # Turning the direction round turns the housing index round: it is recomputed at once.
    before = (await indicators.get("/severities", params={"region": "KR-11", "theme": "housing"})).json()["items"]
    flipped = await indicators.patch(path, json={"direction": "higher_is_better"}, headers={"If-Match": '"2"'})
    assert flipped.status_code == 200, flipped.text
    after = (await indicators.get("/severities", params={"region": "KR-11", "theme": "housing"})).json()["items"]
    assert before[0]["index"] != after[0]["index"]
    recomputed = [e["data"] for e in (await indicators.outbox("sihub.indicators.index.recomputed"))
                  if e["data"]["cause"] == "indicator housing_cost updated"]
    assert [r["comparison_set"] for r in recomputed] == ["regions:KR"]


async def test_two_changes_sent_with_the_same_etag_cannot_both_win(indicators):
    if not indicators.database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time")
    await indicators.add_indicators(indicators.indicator_body("income_gap"))
    etag = (await indicators.get("/indicators/income_gap")).headers["ETag"]
    answers = await asyncio.gather(*(
        indicators.patch("/indicators/income_gap", json={"notes": f"edit {n}"}, headers={"If-Match": etag})
        for n in range(2)
    ))
    assert sorted(a.status_code for a in answers) == [200, 412]
    assert (await indicators.get("/indicators/income_gap")).json()["version"] == 2


async def test_every_declared_rule_is_enforced(indicators):
    """Each rule across fields an operation declares (`x-sihub-rules`, which the contract test
    accepts a 422 for) is enforced: a body breaking it gets a 422 naming one of its fields."""
    breaks = {("min_value", "max_value"): [{"min_value": 60, "max_value": 40}, {"min_value": -5}, {"max_value": 101}]}
    await indicators.add_indicators(indicators.indicator_body("bounded"))
    document = (await indicators.client.get("/openapi.json")).json()
    checked = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for rule in operation.get("x-sihub-rules", []):
                for change in breaks[tuple(rule["fields"])]:
                    if method == "post":
                        response = await indicators.post("/indicators", json=indicators.indicator_body("broken", **change))
                    else:
                        etag = (await indicators.get("/indicators/bounded")).headers["ETag"]
                        response = await indicators.patch("/indicators/bounded", json=change, headers={"If-Match": etag})
                    problem = indicators.problem(response, 422)
                    assert problem["errors"][0]["field"] in rule["fields"], (method, change, problem)
                    checked.append(method)
    assert sorted(set(checked)) == ["patch", "post"]
