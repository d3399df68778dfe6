"""GET /observations (filters, pages, as of a time) and the revision history of one key."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

HEADER = "indicator,geography,period,value\n"


@pytest.fixture
async def api(indicators):
    await indicators.add_indicators(
        indicators.indicator_body("relative_poverty_rate"),
        indicators.indicator_body("unemployment_rate", theme="employment"),
    )
    return indicators


async def test_a_revision_keeps_history_and_as_of_returns_the_earlier_value(api):
    first = (await api.ingest(HEADER + "relative_poverty_rate,KR-26,2022,16.2\n", expect=201)).json()
    second = (await api.ingest(HEADER + "relative_poverty_rate,KR-26,2022,16.9\n", expect=201)).json()
    assert second["revised"] == 1

    def values(response):
        assert response.status_code == 200, response.text
        return [(o["value"], o["revision"]) for o in response.json()["items"]]

    key = {"indicator": "relative_poverty_rate", "geography": "KR-26"}
    assert values(await api.get("/observations", params=key, role="partner")) == [(16.9, 2)]
    assert values(await api.get("/observations", params=key | {"as_of": first["created_at"]})) == [(16.2, 1)]
    assert values(await api.get("/observations", params=key | {"as_of": second["created_at"]})) == [(16.9, 2)]
    before = datetime.fromisoformat(first["created_at"]) - timedelta(seconds=1)
    assert values(await api.get("/observations", params=key | {"as_of": before.isoformat()})) == []

    history = (await api.get("/observations/relative_poverty_rate/KR-26/2022/revisions")).json()
    assert [(h["revision"], h["value"]) for h in history] == [(1, 16.2), (2, 16.9)]
    assert history[0]["superseded_at"] == history[1]["recorded_at"] == second["created_at"]
    assert history[1]["superseded_at"] is None
    assert [h["ingest_id"] for h in history] == [first["ingest_id"], second["ingest_id"]]
    missing = api.problem(await api.get("/observations/relative_poverty_rate/KR-26/2019/revisions"), 404)
    assert [e["field"] for e in missing["errors"]] == ["period"]


async def test_an_indicator_not_in_the_catalogue_is_404_naming_it_not_an_empty_answer(api):
    await api.ingest(HEADER + "relative_poverty_rate,KR-26,2022,16.2\n", expect=201)
    for path, params in (("/observations", {"indicator": "relative_poverty_rat"}),
                         ("/observations", {"indicator": "nope", "geography": "KR"}),
                         ("/observations/nope/KR-26/2022/revisions", {})):
        problem = api.problem(await api.get(path, params=params, role="partner"), 404)
        assert [e["field"] for e in problem["errors"]] == ["indicator"], path
    known = await api.get("/observations", params={"indicator": "unemployment_rate"}, role="partner")
    assert known.status_code == 200 and known.json()["items"] == []  # in the catalogue, no data yet


async def test_any_hub_operator_may_revise_anywhere_and_every_revision_names_who(api):
    from sihub_shared.testing import identity_headers

    accounts = {"Busan hub": str(uuid.uuid4()), "Seoul hub": str(uuid.uuid4())}
    busan, seoul = (identity_headers("hub_operator", account_id=account, organisation=name)
                    for name, account in accounts.items())
    first = await api.post("/observations/ingest", content=HEADER + "relative_poverty_rate,KR-26,2022,16.2\n"
                           "relative_poverty_rate,KR-11,2022,12.0\n", headers=busan)
    second = await api.post("/observations/ingest", content=HEADER + "relative_poverty_rate,KR-26,2022,16.9\n",
                            headers=seoul)  # a Seoul hub revises a Busan figure: allowed, and attributed
    assert (first.status_code, second.status_code) == (201, 201), second.text

    history = (await api.get("/observations/relative_poverty_rate/KR-26/2022/revisions", role="partner")).json()
    assert [(h["revision"], h["value"], h["organisation"], h["account_id"]) for h in history] == [
        (1, 16.2, "Busan hub", accounts["Busan hub"]), (2, 16.9, "Seoul hub", accounts["Seoul hub"])]

    # What one account changed: its ingests, then the observations each wrote.
    ingests = (await api.get("/ingests", params={"account_id": accounts["Seoul hub"]})).json()["items"]
    assert [(i["ingest_id"], i["organisation"]) for i in ingests] == [(second.json()["ingest_id"], "Seoul hub")]
    written = f"/ingests/{first.json()['ingest_id']}/revisions"
    page = (await api.get(written, params={"limit": 1})).json()
    rest = (await api.get(written, params={"cursor": page["next_cursor"]})).json()
    assert [(r["geography"], r["revision"], r["account_id"]) for r in page["items"] + rest["items"]] == [
        ("KR-11", 1, accounts["Busan hub"]), ("KR-26", 1, accounts["Busan hub"])]
    assert rest["next_cursor"] is None
    api.problem(await api.get(f"/ingests/{uuid.uuid4()}/revisions"), 404)


async def test_observations_filter_by_indicator_place_and_period_a_page_at_a_time(api):
    rows = [f"relative_poverty_rate,{place},{year},{10 + year - 2018}" for place in ("KR", "KR-26", "JP")
            for year in (2019, 2020, 2021)]
    rows += ["unemployment_rate,KR,2020-Q1,3.9", "unemployment_rate,KR,2020-Q4,3.7", "unemployment_rate,KR,2021-Q1,4.1"]
    await api.ingest(HEADER + "\n".join(rows) + "\n", expect=201)

    async def keys(**params):
        response = await api.get("/observations", params=params)
        assert response.status_code == 200, response.text
        return [(o["indicator"][:4], o["geography"], o["period"]) for o in response.json()["items"]]

    assert await keys(country="KR", indicator="relative_poverty_rate", period_from="2021") == [
        ("rela", "KR", "2021"), ("rela", "KR-26", "2021")]
    assert await keys(geography="KR", period_to="2020") == [
        ("rela", "KR", "2019"), ("rela", "KR", "2020"), ("unem", "KR", "2020-Q1"), ("unem", "KR", "2020-Q4")]
    assert await keys(frequency="quarterly", period_from="2020-Q4") == [("unem", "KR", "2020-Q4"), ("unem", "KR", "2021-Q1")]
    assert len(await keys(country="JP")) == 3

    seen, cursor = [], None
    while True:
        page = (await api.get("/observations", params={"limit": 4} | ({"cursor": cursor} if cursor else {}))).json()
        seen += [(o["indicator"], o["geography"], o["period"]) for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 12 and seen == sorted(seen)

    for params, field in (({"country": "KR-26"}, "country"), ({"geography": "XX"}, "geography"),
                          ({"period_from": "2021-13"}, "period_from"), ({"frequency": "weekly"}, "frequency")):
        problem = api.problem(await api.get("/observations", params=params), 422)
        assert problem["errors"][0]["field"] == field, problem
    api.problem(await api.get("/observations", params={"cursor": "e30"}), 400)  # "{}" is no position
    api.problem(await api.get("/observations", role=None), 401)


async def test_period_bounds_of_another_form_take_the_periods_within_them(api):
    months = "".join(f"unemployment_rate,JP,2023-{month:02d},{month}\n" for month in range(1, 13))
    await api.ingest(HEADER + months + "unemployment_rate,JP,2023,6\nunemployment_rate,JP,2023-Q2,5\n"
                     "unemployment_rate,JP,2023-Q3,7\n", expect=201)

    async def periods(**bounds):
        response = await api.get("/observations", params={"indicator": "unemployment_rate", **bounds})
        assert response.status_code == 200, response.text
        return [o["period"] for o in response.json()["items"]]

    # As text "2023-Q3" sorts after every month of 2023: these took none of July to December, or all twelve.
    assert await periods(period_from="2023-Q3") == [f"2023-{month:02d}" for month in range(7, 13)] + ["2023-Q3"]
    assert await periods(period_to="2023-Q1") == ["2023-01", "2023-02", "2023-03"]
    assert await periods(period_from="2023-04", period_to="2023-Q3") == [
        f"2023-{month:02d}" for month in range(4, 10)] + ["2023-Q2", "2023-Q3"]
    assert await periods(frequency="quarterly", period_from="2023-05") == ["2023-Q3"]
    assert await periods(frequency="annual", period_to="2023-11") == []  # the year ends after November
    assert await periods(period_from="2023", period_to="2023") == [
        "2023", *(f"2023-{month:02d}" for month in range(1, 13)), "2023-Q2", "2023-Q3"]

