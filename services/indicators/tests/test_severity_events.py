"""index.recomputed and severity.changed: written with the ingest that changed something, exactly
for the (region, theme) pairs that changed, never for unchanged data; the illustrative flag
travels from observations into indices, severities and events."""

from __future__ import annotations

from collections import Counter

import pytest

INGESTED = "org.sihub.indicators.observations.ingested.v1"
RECOMPUTED = "org.sihub.indicators.index.recomputed.v1"
SEVERITY = "org.sihub.indicators.severity.changed.v1"
REGIONS = {"KR-11": 10, "KR-26": 20, "KR-30": 30, "KR-42": 40}
HOUSING = ("h1", "h2", "h3")


def base_csv() -> str:
    """Housing (3 indicators, higher is better) and health (1, lower is better) for four regions."""
    lines = ["indicator,geography,period,value"]
    for region, base in REGIONS.items():
        for year in (2021, 2022):
            lines += [f"{code},{region},{year},{base + n + year - 2021}" for n, code in enumerate(HOUSING, 1)]
            lines.append(f"e1,{region},{year},{base / 2 + year - 2021}")
    return "\n".join(lines) + "\n"


def one_row(value: float, *, geography: str = "KR-26", indicator: str = "h1", period: str = "2022",
            illustrative: bool = False) -> str:
    return f"indicator,geography,period,value,illustrative\n{indicator},{geography},{period},{value},{illustrative}\n"


async def setup(indicators) -> None:
    await indicators.add_indicators(
        *(indicators.indicator_body(code, theme="housing", direction="higher_is_better") for code in HOUSING),
        indicators.indicator_body("e1", theme="health", direction="lower_is_better"),
    )
    await indicators.ingest(base_csv(), expect=201)


async def events_since(indicators, seen: int) -> list[dict]:
    events = await indicators.outbox()
    return [e for e in events[seen:] if e["type"] != "org.sihub.indicators.indicator.created.v1"]


async def severity(indicators, region: str, theme: str) -> dict:
    response = await indicators.get("/severities", params={"region": region, "theme": theme})
    [row] = response.json()["items"]
    return row


async def test_only_changed_severities_are_events_and_unchanged_data_none(indicators):
    await setup(indicators)
    first = await events_since(indicators, 0)
    # In the order they happened: severities are written in one batch, after the events before them.
    assert [e["type"] for e in first] == [INGESTED, RECOMPUTED] + [SEVERITY] * 8
    [recomputed] = [e["data"] for e in first if e["type"] == RECOMPUTED]
    assert recomputed["comparison_set"] == "regions:KR" and recomputed["cause"].startswith("ingest ")
    assert (recomputed["part"], recomputed["parts"]) == (1, 1)
    assert len(recomputed["values"]) == 8 and recomputed["periods"] == ["2021", "2022"]
    # The set's members are Korea's 17 first-level regions, with data or not: 13 have none here.
    assert recomputed["geographies"] == sorted(REGIONS)
    assert len(recomputed["members"]) == 17 and set(REGIONS) < set(recomputed["members"])
    appeared = [e["data"] for e in first if e["type"] == SEVERITY]
    assert all(e["previous_severity"] is None and e["severity"] is not None for e in appeared)
    assert {(e["geography"], e["theme"]) for e in appeared} == {(r, t) for r in REGIONS for t in ("health", "housing")}

    before = await severity(indicators, "KR-26", "housing")
    seen = len(await indicators.outbox())
    # Inside h1's range (11 to 42): only KR-26's housing index moves; the goalposts stay.
    revised = await indicators.ingest(one_row(30), expect=201)
    assert revised.json()["revised"] == 1
    events = await events_since(indicators, seen)
    assert Counter(e["type"] for e in events) == {INGESTED: 1, RECOMPUTED: 1, SEVERITY: 1}
    [change] = [e["data"] for e in events if e["type"] == SEVERITY]
    after = await severity(indicators, "KR-26", "housing")
    assert (change["geography"], change["theme"], change["comparison_set"]) == ("KR-26", "housing", "regions:KR")
    assert change["previous_severity"] == pytest.approx(before["severity"])
    assert change["previous_band"] == before["band"]
    assert change["severity"] == pytest.approx(after["severity"]) and after["severity"] < before["severity"]
    assert change["band"] == after["band"] and change["index"] == pytest.approx(after["index"])
    assert change["illustrative"] is False

    seen = len(await indicators.outbox())
    again = await indicators.ingest(one_row(30), expect=200)
    assert again.json()["ingest_id"] is None
    recomputed = await indicators.post("/indices/recompute")
    assert [s["severity_changes"] for s in recomputed.json()] == [0]
    assert await events_since(indicators, seen) == []

    # A goalpost moves: the other regions' housing indices are rescaled; KR-42 stays at the top
    # (100 on h1 either way) and health is untouched, so neither is an event.
    seen = len(await indicators.outbox())
    await indicators.ingest(one_row(100, geography="KR-42"), expect=201)
    changes = [e["data"] for e in await events_since(indicators, seen) if e["type"] == SEVERITY]
    assert sorted(e["geography"] for e in changes) == ["KR-11", "KR-26", "KR-30"]
    assert {e["theme"] for e in changes} == {"housing"}


async def test_the_illustrative_flag_travels_into_indices_severities_and_events(indicators):
    await setup(indicators)
    seen = len(await indicators.outbox())
    await indicators.ingest(one_row(30, illustrative=True), expect=201)
    events = await events_since(indicators, seen)
    [change] = [e["data"] for e in events if e["type"] == SEVERITY]
    assert (change["geography"], change["theme"], change["illustrative"]) == ("KR-26", "housing", True)
    [recomputed] = [e["data"] for e in events if e["type"] == RECOMPUTED]
    flags = {(v["geography"], v["theme"]): v["illustrative"] for v in recomputed["values"]}
    assert flags == {(r, t): (r, t) == ("KR-26", "housing") for r in REGIONS for t in ("health", "housing")}
    # KR-26's invented housing index is no goalpost, so no other index rests on it; every housing rank does.
    ranks = {(v["geography"], v["theme"]): v["rank_illustrative"] for v in recomputed["values"]}
    assert ranks == {(r, t): t == "housing" for r in REGIONS for t in ("health", "housing")}
    tables = (await indicators.get("/robustness", params={"comparison_set": "regions:KR"})).json()
    assert {t["theme"]: t["rank_illustrative"] for t in tables} == {"health": False, "housing": True}
    assert [r["illustrative"] for r in tables[1]["ranks"] if r["geography"] == "KR-11"] == [False]
    seoul = (await indicators.get("/indices", params={"geography": "KR-11", "history": True})).json()["items"]
    seoul_flags = {(s["theme"], p["period"]): (p["illustrative"], p["rank_illustrative"])
                   for s in seoul for p in s["points"]}
    assert seoul_flags == {
        ("health", "2021"): (False, False), ("health", "2022"): (False, False),
        ("housing", "2021"): (False, False), ("housing", "2022"): (False, True)}

    assert (await severity(indicators, "KR-26", "housing"))["illustrative"] is True
    assert (await severity(indicators, "KR-11", "housing"))["illustrative"] is False
    series = (await indicators.get("/indices", params={"geography": "KR-26", "theme": "housing",
                                                       "history": True})).json()["items"][0]
    assert series["illustrative"] is True
    assert [(p["period"], p["illustrative"]) for p in series["points"]] == [("2021", False), ("2022", True)]

    # The same value, now published: the severity is the same, its flag is not — one event.
    seen = len(await indicators.outbox())
    await indicators.ingest(one_row(30, illustrative=False), expect=201)
    [change] = [e["data"] for e in await events_since(indicators, seen) if e["type"] == SEVERITY]
    assert change["geography"] == "KR-26" and change["illustrative"] is False
    assert change["severity"] == pytest.approx(change["previous_severity"])

    # An illustrative goalpost (h2's new maximum) scales every region's housing index.
    await indicators.ingest(one_row(99, geography="KR-42", indicator="h2", illustrative=True), expect=201)
    housing = (await indicators.get("/severities", params={"theme": "housing"})).json()["items"]
    assert {s["geography"]: s["illustrative"] for s in housing} == dict.fromkeys(REGIONS, True)
    health = (await indicators.get("/severities", params={"theme": "health"})).json()["items"]
    assert not any(s["illustrative"] for s in health)


async def test_a_withheld_severity_keeps_the_flag_of_the_figures_its_event_carries(indicators):
    await setup(indicators)
    await indicators.add_indicators(indicators.indicator_body("e2", theme="health", direction="lower_is_better"))
    for year in ("2021", "2022"):
        await indicators.ingest(one_row(7, indicator="e1", period=year, illustrative=True), expect=201)
    assert (await severity(indicators, "KR-26", "health"))["illustrative"] is True

    # e2 for every region but KR-26: half of its health inputs missing, so no health index at all.
    seen = len(await indicators.outbox())
    await indicators.ingest("indicator,geography,period,value\n" + "".join(
        f"e2,{region},{year},{n}\n" for n, region in enumerate(REGIONS) if region != "KR-26" for year in (2021, 2022)),
        expect=201)
    [withheld] = [e["data"] for e in await events_since(indicators, seen)
                  if e["type"] == SEVERITY and e["data"]["geography"] == "KR-26"]
    assert (withheld["severity"], withheld["previous_band"] is not None) == (None, True)
    assert withheld["illustrative"] is True  # previous_severity comes from invented figures

