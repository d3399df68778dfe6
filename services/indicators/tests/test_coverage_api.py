"""/coverage: which geographies lack which indicators for which periods, and which theme scores
the missing-data rule withheld."""

from __future__ import annotations

CODES = ("a", "b", "c", "d", "e")


def csv_with_gaps() -> str:
    """Three of Korea's 17 regions and two countries; KR-26 lacks a in 2021 (20%: still scored),
    KR-42 lacks d and e in 2022 (40%: withheld), JP has 2022 only."""
    lines = ["indicator,geography,period,value"]
    for index, region in enumerate(("KR-11", "KR-26", "KR-42")):
        for year in (2021, 2022):
            for n, code in enumerate(CODES):
                if (region, year, code) in {("KR-26", 2021, "a"), ("KR-42", 2022, "d"), ("KR-42", 2022, "e")}:
                    continue
                lines.append(f"{code},{region},{year},{10 * index + n + year - 2021}")
    lines += [f"{code},KR,{year},{20 + year - 2021}" for code in CODES for year in (2021, 2022)]
    lines += [f"{code},JP,2022,{30 + n}" for n, code in enumerate(CODES)]
    return "\n".join(lines) + "\n"


async def test_coverage_lists_gaps_and_withheld_theme_scores(indicators):
    await indicators.add_indicators(
        *(indicators.indicator_body(code, theme="housing", direction="higher_is_better") for code in CODES)
    )
    await indicators.ingest(csv_with_gaps(), expect=201)

    response = await indicators.get("/coverage", role="partner")
    assert response.status_code == 200, response.text
    sets = {(s["comparison_set"], s["frequency"]): s for s in response.json()}
    assert list(sets) == [("countries", "annual"), ("regions:KR", "annual")]

    regions = sets[("regions:KR", "annual")]
    assert (regions["geographies"], regions["indicators"], regions["periods"]) == (17, 5, ["2021", "2022"])
    assert (regions["expected"], regions["observed"]) == (170, 27)
    assert regions["share"] == round(27 / 170, 6)
    gaps = {(g["geography"], g["indicator"]): g["missing_periods"] for g in regions["gaps"]}
    assert gaps[("KR-26", "a")] == ["2021"]
    assert gaps[("KR-42", "d")] == gaps[("KR-42", "e")] == ["2022"]
    assert gaps[("KR-50", "c")] == ["2021", "2022"]  # a region without any data is a gap too
    assert len(gaps) == 3 + 14 * 5
    assert not any(region == "KR-11" for region, _ in gaps)
    named = next(g for g in regions["gaps"] if g["geography"] == "KR-42")
    assert named["name"] == "Gangwon-teukbyeoljachido" and named["theme"] == "housing"
    # The missing-data rule: KR-42's 2022 housing score is withheld (60% coverage), KR-26's 2021
    # is not (80%).
    assert regions["withheld_indices"] == [
        {"geography": "KR-42", "theme": "housing", "period": "2022", "coverage": 0.6, "inputs": 3}
    ]
    withheld = (await indicators.get("/indices", params={"geography": "KR-42"})).json()["items"][0]["points"]
    assert withheld[0]["index"] is None and withheld[0]["coverage"] == 0.6
    scored = await indicators.get("/indices", params={"geography": "KR-26", "period": "2021"})
    assert scored.json()["items"][0]["points"][0]["index"] is not None

    countries = sets[("countries", "annual")]
    assert (countries["geographies"], countries["expected"], countries["observed"]) == (2, 20, 15)
    assert {(g["geography"], tuple(g["missing_periods"])) for g in countries["gaps"]} == {("JP", ("2021",))}
    assert countries["withheld_indices"] == []  # JP has no 2021 input at all: a gap, not a withheld score

    japan = (await indicators.get("/coverage", params={"country": "JP"})).json()
    assert [(s["comparison_set"], s["geographies"]) for s in japan] == [("countries", 1)]
    only_d = (await indicators.get("/coverage", params={"indicator": "d", "comparison_set": "regions:KR"})).json()
    [regions_d] = only_d
    assert regions_d["indicators"] == 1 and regions_d["expected"] == 34
    assert {g["indicator"] for g in regions_d["gaps"]} == {"d"} and len(regions_d["gaps"]) == 15

    for params, field, status in [({"indicator": "zz"}, "indicator", 404), ({"country": "KR-11"}, "country", 422),
                                  ({"country": "QQ"}, "country", 422), ({"comparison_set": "regions"}, "comparison_set", 400)]:
        problem = indicators.problem(await indicators.get("/coverage", params=params), status)
        assert problem["errors"][0]["field"] == field
