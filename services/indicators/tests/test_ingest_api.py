"""POST /observations/ingest: CSV, SDMX-ML and SDMX-CSV; all rows or none; no-op re-ingests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
INGESTED = "org.sihub.indicators.observations.ingested.v1"
POVERTY_MAPPING = {
    "indicator": {"dimension": "MEASURE", "codes": {"POV_RATE": "relative_poverty_rate"}},
    "filters": {"SEX": "_T"},
    "source": "OECD Income Distribution Database, 2024",
}
GOOD_CSV = """indicator,geography,period,value,estimated,provisional,source,illustrative
relative_poverty_rate,KR,2022,14.9,,yes,Statistics Korea 2023,
relative_poverty_rate,KR-26,2022,16.2,true,,,1
relative_poverty_rate,KR-11,2022,13.0,,,,1
life_expectancy,JP,2022,84.1,,,,
life_expectancy,JP-13,2022-Q3,84.6,,,,true
"""


@pytest.fixture
async def api(indicators):
    await indicators.add_indicators(
        indicators.indicator_body("relative_poverty_rate"),
        indicators.indicator_body("life_expectancy", theme="health", unit="years", direction="higher_is_better"),
    )
    return indicators


async def test_a_csv_ingest_writes_every_row_once_and_a_re_ingest_changes_nothing(api):
    first = await api.ingest(GOOD_CSV, expect=201)
    report = first.json()
    assert first.headers["Location"] == f"{api.api}/ingests/{report['ingest_id']}"
    assert (report["rows"], report["inserted"], report["revised"], report["unchanged"]) == (5, 5, 0, 0)
    assert report["illustrative_rows"] == 3
    assert report["indicators"] == ["life_expectancy", "relative_poverty_rate"]
    assert {(c["comparison_set"], c["frequency"], c["inserted"]) for c in report["comparison_sets"]} == {
        ("countries", "annual", 2), ("regions:KR", "annual", 2), ("regions:JP", "quarterly", 1)}
    assert await api.scalar("SELECT COUNT(*) FROM observation") == 5
    assert await api.scalar("SELECT COUNT(*) FROM observation_staging") == 0

    again = await api.ingest(GOOD_CSV, expect=200)
    assert again.json()["ingest_id"] is None
    assert (again.json()["inserted"], again.json()["revised"], again.json()["unchanged"]) == (0, 0, 5)
    assert await api.scalar("SELECT COUNT(*) FROM observation") == 5

    # One corrected value, sent as a multipart upload: one revision, the rest untouched.
    corrected = GOOD_CSV.replace("KR-26,2022,16.2", "KR-26,2022,16.4")
    revised = await api.post("/observations/ingest", files={"file": ("poverty.csv", corrected, "text/csv")})
    assert revised.status_code == 201, revised.text
    assert (revised.json()["inserted"], revised.json()["revised"], revised.json()["unchanged"]) == (0, 1, 4)
    assert revised.json()["filename"] == "poverty.csv"
    assert revised.json()["comparison_sets"] == [
        {"comparison_set": "regions:KR", "frequency": "annual", "inserted": 0, "revised": 1}]
    assert await api.scalar("SELECT COUNT(*) FROM observation") == 6

    events = await api.outbox("sihub.indicators.observations.ingested")
    assert [e["type"] for e in events] == [INGESTED, INGESTED]  # one per changing ingest, none per row
    assert events[0]["data"]["inserted"] == 5 and events[0]["data"]["organisation"] == "a admin"
    assert events[1]["data"]["ingest_id"] == revised.json()["ingest_id"]
    assert (events[1]["data"]["revised"], events[1]["data"]["unchanged"]) == (1, 4)

    ingests = (await api.get("/ingests", role="partner")).json()["items"]
    assert [i["ingest_id"] for i in ingests] == [revised.json()["ingest_id"], report["ingest_id"]]
    one = (await api.get(f"/ingests/{report['ingest_id']}")).json()
    assert one["inserted"] == 5 and one["format"] == "csv" and one["indicators"] == report["indicators"]
    api.problem(await api.get("/ingests/nope"), 404)

    # New keys, a second revision of one key and unchanged rows, in several sets at once.
    mixed = corrected.replace("KR-26,2022,16.4", "KR-26,2022,16.6") + (
        "relative_poverty_rate,KR-26,2023,16.0,,,,\nlife_expectancy,JP,2023,84.2,,,,\n")
    third = (await api.ingest(mixed, expect=201)).json()
    assert (third["inserted"], third["revised"], third["unchanged"]) == (2, 1, 4)
    assert third["comparison_sets"] == [
        {"comparison_set": "countries", "frequency": "annual", "inserted": 1, "revised": 0},
        {"comparison_set": "regions:KR", "frequency": "annual", "inserted": 1, "revised": 1}]
    busan = (await api.get("/observations", params={"geography": "KR-26"})).json()["items"]
    assert [(o["period"], o["revision"], o["value"]) for o in busan] == [("2022", 3, 16.6), ("2023", 1, 16.0)]
    assert await api.scalar("SELECT COUNT(*) FROM observation WHERE superseded_at IS NULL") == 7

    # Query parameters give a source to rows without one, and can mark a whole file illustrative.
    await api.ingest("indicator,geography,period,value\nlife_expectancy,TH,2022,79.7\n", expect=201,
                     source="Made up for a demo", illustrative="true")
    [thai] = (await api.get("/observations", params={"geography": "TH"})).json()["items"]
    assert (thai["source"], thai["illustrative"]) == ("Made up for a demo", True)


async def test_sdmx_ml_and_sdmx_csv_ingest_through_a_mapping(api):
    ml = await api.ingest((DATA / "poverty_generic.xml").read_bytes(), expect=201, format="sdmx-ml",
                          mapping=json.dumps(POVERTY_MAPPING))
    assert (ml.json()["rows"], ml.json()["inserted"], ml.json()["skipped"]) == (2, 2, 1)  # SEX=F filtered out
    observations = (await api.get("/observations", params={"indicator": "relative_poverty_rate"})).json()["items"]
    assert [(o["geography"], o["period"], o["value"], o["provisional"]) for o in observations] == [
        ("KR", "2021", 15.1, False), ("KR", "2022", 14.9, True)]
    assert {o["source"] for o in observations} == {POVERTY_MAPPING["source"]}

    # The same figures as SDMX-CSV, mapping as a form part: already held, so nothing changes.
    csv = await api.post("/observations/ingest", params={"format": "sdmx-csv"}, files={
        "file": ("poverty.csv", (DATA / "poverty_sdmx.csv").read_bytes(), "text/csv"),
        "mapping": (None, json.dumps(POVERTY_MAPPING)),
    })
    assert csv.status_code == 200, csv.text
    assert (csv.json()["rows"], csv.json()["unchanged"], csv.json()["skipped"]) == (2, 2, 1)
    assert len(await api.outbox("sihub.indicators.observations.ingested")) == 1

    # SDMX-CSV 1.0: one DATAFLOW column where 2.0 has STRUCTURE, STRUCTURE_ID and ACTION.
    version_1 = "DATAFLOW,REF_AREA,MEASURE,SEX,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n" + "".join(
        f"OECD:DF_POV(1.0),{line.split(',', 3)[3]}\n"
        for line in (DATA / "poverty_sdmx.csv").read_text().splitlines()[1:])
    old = await api.ingest(version_1, expect=200, format="sdmx-csv", mapping=json.dumps(POVERTY_MAPPING))
    assert (old.json()["rows"], old.json()["unchanged"], old.json()["skipped"]) == (2, 2, 1)
    changed = await api.ingest(version_1.replace(",2022,14.9,", ",2022,14.7,"), expect=201, format="sdmx-csv",
                               mapping=json.dumps(POVERTY_MAPPING))
    assert (changed.json()["revised"], changed.json()["unchanged"]) == (1, 1)
    # SDMX-CSV 2.0 without its optional ACTION column: each observation is information ("I").
    no_action = "".join(",".join(line.split(",")[:2] + line.split(",")[3:]) + "\n"
                        for line in (DATA / "poverty_sdmx.csv").read_text().splitlines())
    again = await api.ingest(no_action, expect=201, format="sdmx-csv", mapping=json.dumps(POVERTY_MAPPING))
    assert (again.json()["revised"], again.json()["unchanged"]) == (1, 1)

    no_dimension = dict(POVERTY_MAPPING, indicator={"dimension": "INDICATOR"})
    missing = api.problem(await api.ingest((DATA / "poverty_sdmx.csv").read_bytes(), format="sdmx-csv",
                                           mapping=json.dumps(no_dimension)), 400)
    assert missing["errors"][0] == {"field": "INDICATOR", "message": "the SDMX-CSV header has no column 'INDICATOR'",
                                    "line": 1}
    sdmx_csv = (DATA / "poverty_sdmx.csv").read_text()
    for column, header in {
        "SIHUB_ROW": sdmx_csv.replace("OBS_STATUS\n", "SIHUB_ROW\n"),  # the reader's own row number
        "OBS_VALUE": sdmx_csv.replace("OBS_STATUS\n", "OBS_VALUE\n"),
        "REF_AREA": sdmx_csv.replace("OBS_STATUS\n", "REF_AREA: Reference area\n"),  # a label after the id
        # ACTION elsewhere than after STRUCTURE_ID: sdmx1 would read the column in its place as it.
        "ACTION": "".join(",".join(fields[:2] + fields[3:-1] + [fields[2]]) + "\n"
                          for fields in (line.split(",") for line in sdmx_csv.splitlines())),
    }.items():
        refused = api.problem(await api.ingest(header, format="sdmx-csv", mapping=json.dumps(POVERTY_MAPPING)), 400)
        assert [(e["field"], e["line"]) for e in refused["errors"]] == [(column, 1)], refused
        assert column != "ACTION" or "must follow STRUCTURE_ID" in refused["errors"][0]["message"]  # not "twice"
    bad_mapping = api.problem(await api.ingest("x", format="sdmx-ml", mapping='{"filters": []}'), 422)
    assert bad_mapping["errors"][0]["field"] == "mapping.filters"
    unknown = dict(POVERTY_MAPPING, indicator={"dimension": "MEASURE"})  # POV_RATE is no catalogue code
    refused = api.problem(await api.ingest((DATA / "poverty_generic.xml").read_bytes(), format="sdmx-ml",
                                           mapping=json.dumps(unknown)), 422)
    assert {(e["row"], e["field"]) for e in refused["errors"]} == {(1, "MEASURE"), (2, "MEASURE")}


async def test_every_bad_row_is_listed_and_nothing_is_written(api):
    bad = """indicator,geography,period,value,country,illustrative
poverty_rate,KR,2022,14.9,,
relative_poverty_rate,KR-99,2022,14.9,,
relative_poverty_rate,KR-26,2022,14.9,JP,
relative_poverty_rate,KR,2022-13,14.9,,
relative_poverty_rate,KR,2021,about 15,,
relative_poverty_rate,KR,2020,101.5,,
relative_poverty_rate,KOR,2019,10,,
relative_poverty_rate,KR,2018,10,,maybe
relative_poverty_rate,KR,2017,10,,
"""
    problem = api.problem(await api.ingest(bad), 422)
    assert problem["error_count"] == 8
    found = {(e["row"], e["field"]): e["message"] for e in problem["errors"]}
    # rows count data rows from 1, the first after the header, as the registry's imports do
    assert list(found) == [(1, "indicator"), (2, "geography"), (3, "geography"), (4, "period"), (5, "value"),
                           (6, "value"), (7, "geography"), (8, "illustrative")]
    assert "unknown indicator 'poverty_rate'" in found[(1, "indicator")]
    assert "not an ISO 3166-2 subdivision of KR" in found[(2, "geography")]
    assert found[(3, "geography")] == "KR-26 (Busan-gwangyeoksi) is not in JP"
    assert "is not a period" in found[(4, "period")]
    assert found[(5, "value")] == "'about 15' is not a number (write e.g. 12.5)"
    assert "101.5 is outside the bounds of relative_poverty_rate (0 to 100" in found[(6, "value")]
    assert "write the alpha-2 code 'KR'" in found[(7, "geography")]

    duplicated = api.problem(await api.ingest(
        "indicator,geography,period,value\nrelative_poverty_rate,KR,2022,1\nlife_expectancy,KR,2022,80\n"
        "relative_poverty_rate,KR, 2022 ,2\n"), 422)
    assert duplicated["errors"] == [{"row": 3, "field": "period", "message":
                                     "relative_poverty_rate for KR in 2022 is also on row 1 (2 times in the file); "
                                     "send one value per indicator, geography and period"}]

    malformed = {
        "not UTF-8": (b"indicator,geography,period,value\nrelative_poverty_rate,KR,2022,\xff\xfe1\n", "csv"),
        "unknown column": (b"indicator,geo,period,value\n", "csv"),
        "not well-formed XML": (b"<message:GenericData xmlns:message='x'><DataSet>", "sdmx-ml"),
        "not an SDMX data message": (b"<Structure/>", "sdmx-ml"),
        "SDMX-CSV starts with STRUCTURE": (b"indicator,geography\n", "sdmx-csv"),
    }
    for message, (content, format_) in malformed.items():
        problem = api.problem(await api.ingest(content, format=format_), 400)
        assert message in problem["detail"], problem
        assert problem["errors"][0]["field"]
    mapping_for_csv = api.problem(await api.ingest(GOOD_CSV, mapping="{}"), 400)
    assert mapping_for_csv["errors"][0]["field"] == "mapping"
    for role in ("partner", "integrator"):  # refused for the key's roles: the key is the field
        refused = api.problem(await api.ingest(GOOD_CSV, role=role), 403)
        assert refused["errors"] == [{"field": "Authorization", "in": "header",
                                      "message": "the key has none of the roles: hub_operator"}], refused
    api.problem(await api.ingest(GOOD_CSV, format="json"), 422)

    assert await api.scalar("SELECT COUNT(*) FROM observation") == 0
    assert await api.scalar("SELECT COUNT(*) FROM observation_staging") == 0
    assert await api.scalar("SELECT COUNT(*) FROM ingest") == 0
    assert await api.outbox("sihub.indicators.observations.ingested") == []
    await api.ingest(GOOD_CSV, role="hub_operator", expect=201)  # hubs curate their regions' data


async def test_a_value_is_ascii_digits_with_a_dot_for_decimals(api):
    # float() also reads other scripts' digits, underscores and padding: some figure the file did not mean.
    for value in ("１２", "٣.٥", "1_000", " +5 ", "5\t", "0x10", "1,5"):
        cell = f'"{value}"' if "," in value else value
        odd = api.problem(await api.ingest(f"indicator,geography,period,value\nrelative_poverty_rate,KR,2022,{cell}\n"),
                          422)
        assert odd["errors"] == [
            {"row": 1, "field": "value", "message": f"{value!r} is not a number (write e.g. 12.5)"}]
    overflow = api.problem(await api.ingest("indicator,geography,period,value\nrelative_poverty_rate,KR,2022,1e999\n"),
                           422)
    assert overflow["errors"][0]["message"] == "'1e999' is not a finite number"
    assert await api.scalar("SELECT COUNT(*) FROM observation") == 0
    numbers = {"12": 12.0, "-0": 0.0, "+.5": 0.5, "5.": 5.0, "1.5e1": 15.0, "2E-1": 0.2}
    await api.ingest("indicator,geography,period,value\n" + "".join(
        f"relative_poverty_rate,KR,{year},{value}\n" for year, value in enumerate(numbers, 2001)), expect=201)
    stored = (await api.get("/observations", params={"geography": "KR"})).json()["items"]
    assert [o["value"] for o in stored] == list(numbers.values())


async def test_a_form_over_its_limits_is_a_problem_naming_the_body(api):
    csv = GOOD_CSV.encode()
    for parts in (
        {"files": {"file": ("a.csv", csv), "structure": ("s.xml", b"<x/>"), "x": ("x", b"1"), "y": ("y", b"2")}},
        {"data": {"mapping": "{}", "other": "1"}, "files": {"file": ("a.csv", csv)}},
    ):
        refused = api.problem(await api.post("/observations/ingest", **parts), 400)
        [error] = refused["errors"]
        assert (error["field"], error["in"]) == ("body", "body")
        assert error["message"].startswith("Too many") and "`file`, `structure`" in error["message"]
    huge_mapping = {"data": {"mapping": "x" * (1024 * 1024 + 1)}, "files": {"file": ("a.csv", csv)}}
    too_large = api.problem(await api.post("/observations/ingest", **huge_mapping), 413)
    assert [e["field"] for e in too_large["errors"]] == ["body"]
    assert await api.scalar("SELECT COUNT(*) FROM observation") == 0


async def test_a_body_of_a_type_the_ingest_does_not_read_is_415_naming_content_type(api):
    as_json = '[{"indicator": "relative_poverty_rate", "geography": "KR", "period": "2022", "value": 19}]'
    for media, body in (("application/json", as_json), ("image/png", GOOD_CSV), ("text/plain", GOOD_CSV)):
        sent = await api.post("/observations/ingest", content=body, headers={"content-type": media})
        refused = api.problem(sent, 415)
        [error] = refused["errors"]
        assert (error["field"], error["in"]) == ("Content-Type", "header"), refused
        assert "text/csv" in error["message"]
    assert await api.scalar("SELECT COUNT(*) FROM observation") == 0
    # The declared types, with parameters, and a body without a type (read as `format` says).
    # A file of unnamed type (octet-stream) is read as `format` says too.
    for headers in ({"content-type": "text/csv; charset=utf-8"}, {"content-type": "Application/VND.SDMX.data+csv"}, {},
                    {"content-type": "application/octet-stream"}):
        sent = await api.post("/observations/ingest", content=GOOD_CSV, headers=headers)
        assert sent.status_code in (200, 201), sent.text


@pytest.mark.parametrize("indicators_settings", [{"max_body_bytes": 4096}])
async def test_an_upload_over_the_limit_is_413_and_writes_nothing(api):
    rows = "".join(f"relative_poverty_rate,KR,{year},10\n" for year in range(1900, 2100))
    content = ("indicator,geography,period,value\n" + rows).encode()
    assert len(content) > 4096
    declared = api.problem(await api.ingest(content), 413)
    assert declared["errors"] == [{"field": "body", "in": "body", "message": "over 4096 bytes"}]

    async def streamed():  # no Content-Length: the limit counts the bytes as they arrive
        for start in range(0, len(content), 1000):
            yield content[start:start + 1000]

    api.problem(await api.ingest(streamed()), 413)
    assert await api.scalar("SELECT COUNT(*) FROM observation") == 0


# --- large files stream ------------------------------------------------------------------------


def _write_csv(path: Path, rows: int) -> int:
    regions = ("KR-11", "KR-26", "KR-27", "KR-28", "KR-29", "KR-30", "KR-31")
    with path.open("w") as handle:
        handle.write("indicator,geography,period,value,source\n")
        handle.writelines(f"relative_poverty_rate,{regions[n % 7]},{1900 + (n // 7) % 200}-{1 + n // 1400 % 12:02},"
                          f"{n % 1000 / 10},Statistics Korea table {n}\n" for n in range(rows))
    return path.stat().st_size


def test_a_200k_row_csv_is_read_and_validated_in_bounded_chunks(tmp_path):
    from sihub_indicators.catalogue.models import Indicator
    from sihub_indicators.observations.readers import CsvReader
    from sihub_indicators.observations.validation import RowValidator, Validated

    size = _write_csv(tmp_path / "big.csv", 200_000)
    catalogue = {"relative_poverty_rate": Indicator(code="relative_poverty_rate", names={"en": "x"}, theme="income_disparity",
                                                    unit="percent", direction="lower_is_better", source={})}
    with (tmp_path / "big.csv").open("rb") as handle:
        reader = CsvReader(handle, chunk_rows=2_000)
        validator = RowValidator(catalogue, reader.field_names, default_source=None, default_illustrative=False,
                                 max_errors=10)
        result, sizes, positions = Validated(), [], []
        for chunk in reader.chunks():
            sizes.append(len(validator.validate(chunk.rows, result)))
            positions.append(handle.tell())
    assert result.error_count == 0 and sum(sizes) == 200_000
    assert max(sizes) == 2_000 and len(sizes) == 101  # the last chunk is the empty end
    # The file is consumed as the chunks are: never read far ahead of the rows handed out.
    assert positions[0] < size / 20 and positions == sorted(positions)
    # Every staged key is screened for repeats by its hash: the file has 16,800 distinct keys (the
    # first 16,800 rows), so its whole is caught and its first rows are not.
    assert len(result.key_hashes) == 200_000 and result.may_repeat_keys()
    with (tmp_path / "big.csv").open("rb") as handle:
        first, start = Validated(), next(CsvReader(handle, chunk_rows=16_800).chunks())
        assert len(validator.validate(start.rows, first)) == 16_800 and not first.may_repeat_keys()
        validator.validate(start.rows[-1:], first)
    assert first.may_repeat_keys()


@pytest.mark.parametrize("indicators_settings", [{"ingest_chunk_rows": 1_000}])
async def test_an_ingest_stages_chunk_by_chunk_and_merges_them_all(api, tmp_path):
    from sihub_indicators.observations.formats import IngestFormat
    from sihub_indicators.observations.service import IngestFile, IngestService
    from sihub_shared.db import Database
    from sihub_shared.identity import Identity, Role
    from sihub_shared.settings import async_database_url

    size = _write_csv(tmp_path / "big.csv", 12_000)
    positions: list[int] = []
    database = Database(async_database_url(api.database_url))
    try:
        with (tmp_path / "big.csv").open("rb") as handle:
            async with database.session() as session:
                report = await IngestService(session, chunk_rows=1_000, max_errors=10).ingest(
                    Identity(account_id="test", organisation="test", roles=frozenset({Role.admin})),
                    IngestFile(file=handle, format=IngestFormat.CSV, sha256="0" * 64), progress=positions.append)
    finally:
        await database.dispose()
    assert report.inserted == 12_000
    assert len(positions) == 13 and positions[0] < size / 5 and positions == sorted(positions)
    assert await api.scalar("SELECT COUNT(*) FROM observation") == 12_000

    # Over HTTP, with the same chunk size: one row changed among 12,000, in the last chunk.
    content = (tmp_path / "big.csv").read_bytes().replace(b"Statistics Korea table 11999\n", b"corrected\n")
    again = (await api.ingest(content, expect=201)).json()
    assert (again["revised"], again["unchanged"]) == (1, 11_999)
