"""Theme indices, severities, rank robustness and the method over HTTP, after real ingests."""

from __future__ import annotations

import pytest

HOUSING = [f"h{n}" for n in range(1, 6)]
BASE = {"KR-11": 10, "KR-26": 30, "KR-30": 50, "KR-42": 70}
STEP = {"KR-11": 1, "KR-26": 2, "KR-30": 3, "KR-42": 4}


def regional_csv() -> str:
    """Five housing indicators (higher is better) and one health indicator (lower is better) for
    four Korean regions and two years; KR-42 lacks h4 and h5 in 2022 (40% of housing missing)."""
    lines = ["indicator,geography,period,value"]
    for region, base in BASE.items():
        for year in (2021, 2022):
            for n, code in enumerate(HOUSING, start=1):
                if region == "KR-42" and year == 2022 and code in ("h4", "h5"):
                    continue
                lines.append(f"{code},{region},{year},{base + n + (year - 2021) * STEP[region]}")
    health = {"KR-11": (20, 22), "KR-26": (10, 9), "KR-30": (15, 15), "KR-42": (5, 6)}
    for region, (first, second) in health.items():
        lines += [f"e1,{region},2021,{first}", f"e1,{region},2022,{second}"]
    lines += [f"{code},{country},{year},{value + year - 2021}"
              for country, value in (("KR", 40), ("JP", 45)) for code in (*HOUSING, "e1") for year in (2021, 2022)]
    return "\n".join(lines) + "\n"


async def add_catalogue(indicators) -> None:
    await indicators.add_indicators(
        *(indicators.indicator_body(code, theme="housing", direction="higher_is_better") for code in HOUSING),
        indicators.indicator_body("e1", theme="health", direction="lower_is_better"),
    )


async def test_indices_series_latest_history_filters_and_paging(indicators):
    await add_catalogue(indicators)
    await indicators.ingest(regional_csv(), expect=201)

    latest = await indicators.get("/indices", params={"geography": "KR-42"}, role="partner")
    assert latest.status_code == 200, latest.text
    series = {s["theme"]: s for s in latest.json()["items"]}
    assert sorted(series) == ["health", "housing"]
    housing = series["housing"]
    assert housing["comparison_set"] == "regions:KR" and housing["frequency"] == "annual"
    # The latest period lacks 2 of 5 housing inputs: no score, and the coverage says why.
    assert housing["points"] == [{
        "period": "2022", "index": None, "coverage": 0.6, "inputs": 3, "rank": None, "rank_best": None,
        "rank_worst": None, "ranked_among": 3, "illustrative": False,
        "rank_illustrative": False,
    }]
    assert housing["trend_per_year"] is None  # one index only (2021)
    assert housing["illustrative"] is False

    history = await indicators.get("/indices", params={"geography": "KR-42", "theme": "housing", "history": True})
    points = history.json()["items"][0]["points"]
    assert [p["period"] for p in points] == ["2021", "2022"]
    # h1–h3 run to their 2022 maxima (74+n) from 10+n: 60/64 of the way; h4, h5 top out in 2021.
    assert points[0]["index"] == pytest.approx((3 * 93.75 + 2 * 100) / 5)
    assert points[0]["rank"] == 1 and points[0]["ranked_among"] == 4

    one_period = await indicators.get("/indices", params={"country": "KR", "period": "2021", "theme": "health"})
    items = one_period.json()["items"]
    assert [(s["geography"], s["comparison_set"]) for s in items] == [
        ("KR", "countries"), ("KR-11", "regions:KR"), ("KR-26", "regions:KR"), ("KR-30", "regions:KR"),
        ("KR-42", "regions:KR"),
    ]
    assert all([p["period"] for p in s["points"]] == ["2021"] for s in items)
    # e1 is lower-is-better: KR-42 (5) best, KR-11 (22 in 2022) sets the worst goalpost.
    health = {s["geography"]: s["points"][0] for s in items}
    assert health["KR-42"]["index"] == 100.0 and health["KR-42"]["rank"] == 1

    seen, cursor = [], None
    while True:
        page = (await indicators.get("/indices", params={"limit": 3, **({"cursor": cursor} if cursor else {})})).json()
        seen += [(s["geography"], s["theme"]) for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 12  # (2 countries + 4 regions) × 2 themes

    # A value the schema's types refuse (a pattern, an unassigned ISO code) is a 422; the comparison set
    # (an enum of the schema) is checked by the service, and a cursor the API did not give out: 400.
    for params, field, status in [({"country": "KR-11"}, "country", 422), ({"country": "XX"}, "country", 422),
                                  ({"geography": "KR-99"}, "geography", 422), ({"period": "2021-13"}, "period", 422),
                                  ({"comparison_set": "regions:ZZ"}, "comparison_set", 400),
                                  ({"cursor": "bm9wZQ"}, "cursor", 400)]:
        problem = indicators.problem(await indicators.get("/indices", params=params), status)
        assert problem["errors"][0]["field"] == field
    indicators.problem(await indicators.get("/indices", params={"theme": "wizardry"}), 422)
    indicators.problem(await indicators.get("/indices", role=None), 401)


async def walk(indicators, path: str, params: dict) -> list[dict]:
    """Every item of a paged listing, following next_cursor."""
    items, cursor = [], None
    while True:
        page = (await indicators.get(path, params={**params, **({"cursor": cursor} if cursor else {})})).json()
        items += page["items"]
        if (cursor := page["next_cursor"]) is None:
            return items


async def test_indices_of_one_period_page_past_series_without_it(indicators):
    await add_catalogue(indicators)
    await indicators.ingest(regional_csv() + "e1,KR-11,2023,21\ne1,KR-30,2023,14\n", expect=201)  # none for KR-26
    one_period = {"period": "2023", "theme": "health"}
    whole = (await indicators.get("/indices", params=one_period)).json()["items"]
    assert [s["geography"] for s in whole] == ["KR-11", "KR-30"]
    for limit in (1, 2):
        paged = await walk(indicators, "/indices", {**one_period, "limit": limit})
        assert [(s["geography"], [p["period"] for p in s["points"]]) for s in paged] == [
            ("KR-11", ["2023"]), ("KR-30", ["2023"])]


async def test_robustness_without_a_period_takes_each_themes_own_latest(indicators):
    await add_catalogue(indicators)
    await indicators.add_indicators(indicators.indicator_body("i1", theme="income_disparity"))
    await indicators.ingest(regional_csv(), expect=201)
    await indicators.ingest("indicator,geography,period,value\ni1,KR-11,2024,10\ni1,KR-26,2024,20\n", expect=201)

    health = (await indicators.get("/robustness", params={"comparison_set": "regions:KR", "theme": "health"})).json()
    assert [(t["theme"], t["period"], t["ranked_among"]) for t in health] == [("health", "2022", 4)]
    every = (await indicators.get("/robustness", params={"comparison_set": "regions:KR"})).json()
    assert [(t["theme"], t["period"]) for t in every] == [("health", "2022"), ("housing", "2022"),
                                                          ("income_disparity", "2024")]


async def test_severities_robustness_method_and_recompute(indicators):
    await add_catalogue(indicators)
    await indicators.ingest(regional_csv(), expect=201)

    response = await indicators.get("/severities", params={"region": "KR-42"}, role="partner")
    assert response.status_code == 200, response.text
    severities = {s["theme"]: s for s in response.json()["items"]}
    # Housing's latest index is 2021's, since 2022 was withheld by the missing-data rule.
    assert severities["housing"]["period"] == "2021"
    assert severities["housing"]["severity"] == pytest.approx(1 - 96.25 / 100)
    assert severities["housing"]["band"] == "low"
    assert severities["health"]["index"] == pytest.approx(100 - 100 * (6 - 5) / (22 - 5))

    critical = (await indicators.get("/severities", params={"band": "critical", "country": "KR"})).json()["items"]
    assert critical and all(s["band"] == "critical" and s["severity"] >= 0.75 for s in critical)
    assert ("KR-11", "housing") in {(s["geography"], s["theme"]) for s in critical}
    countries = (await indicators.get("/severities", params={"country": "JP", "theme": "health"})).json()["items"]
    assert [(s["geography"], s["comparison_set"]) for s in countries] == [("JP", "countries")]
    indicators.problem(await indicators.get("/severities", params={"band": "dire"}), 422)

    tables = await indicators.get("/robustness", params={"comparison_set": "regions:KR", "theme": "housing"})
    assert tables.status_code == 200, tables.text
    [table] = tables.json()
    assert table["period"] == "2022" and table["ranked_among"] == 3
    ranks = table["ranks"]
    assert [r["geography"] for r in ranks][:3] == ["KR-30", "KR-26", "KR-11"]
    assert [r["rank"] for r in ranks] == [1, 2, 3, None]  # KR-42 has no 2022 housing index
    assert ranks[0]["name"] == "Daejeon-gwangyeoksi"
    assert all(r["rank_best"] <= r["rank"] <= r["rank_worst"] for r in ranks[:3])
    earlier = (await indicators.get("/robustness", params={"comparison_set": "regions:KR", "period": "2021"})).json()
    assert {t["theme"]: t["ranked_among"] for t in earlier} == {"health": 4, "housing": 4}
    problem = indicators.problem(await indicators.get("/robustness", params={"comparison_set": "galaxy"}), 400)
    assert problem["errors"][0]["field"] == "comparison_set"

    method = (await indicators.get("/method", role="partner")).json()
    assert method["version"] == "2026.1"
    assert method["parameters"]["max_missing_share"] == 0.2
    assert {"normalisation", "missing_data", "rank_robustness"} <= {s["name"] for s in method["steps"]}

    sets = (await indicators.get("/comparison-sets", role="partner")).json()
    assert [(s["comparison_set"], s["geographies"], s["themes"], s["first_period"], s["last_period"])
            for s in sets] == [("countries", 2, 2, "2021", "2022"), ("regions:KR", 4, 2, "2021", "2022")]

    indicators.problem(await indicators.post("/indices/recompute", role="partner"), 403)
    summaries = await indicators.post("/indices/recompute", json={"comparison_set": "regions:KR"})
    assert summaries.status_code == 200, summaries.text
    [summary] = summaries.json()
    assert summary["comparison_set"] == "regions:KR" and summary["geographies"] == 4
    assert summary["indicators"] == 6 and summary["periods"] == 2
    assert summary["severity_changes"] == 0  # the ingest recomputed already
    everything = (await indicators.post("/indices/recompute")).json()
    assert [(s["comparison_set"], s["frequency"]) for s in everything] == [
        ("countries", "annual"), ("regions:KR", "annual")]
    problem = indicators.problem(await indicators.post("/indices/recompute", json={"frequency": "weekly"}), 422)
    assert problem["errors"][0]["field"] == "frequency"
