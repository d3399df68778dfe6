"""`sihub-reports build`: a report from the read model into a file, stored as a build."""

from __future__ import annotations

import asyncio

from sihub_reports.cli import app
from sihub_shared.testing import TEST_IDENTITY_SECRET
from typer.testing import CliRunner


async def test_build_writes_the_file_and_stores_the_build(reports, tmp_path, monkeypatch):
    await reports.feed(*reports.events.korea())
    monkeypatch.setenv("SIHUB_DATABASE_URL", reports.database_url)
    monkeypatch.setenv("SIHUB_IDENTITY_SECRET", TEST_IDENTITY_SECRET)
    output = tmp_path / "kr.md"
    result = await asyncio.to_thread(CliRunner().invoke, app, ["build", "--country", "KR", "--format", "md",
                                                              "--output", str(output), "--public-url", "http://testserver/"])
    assert result.exit_code == 0, result.output
    assert output.read_text().startswith("# Country report: ")
    build_id = result.output.split("(build ")[1].rstrip(")\n")
    stored = await reports.get(f"/builds/{build_id}?format=md")
    assert stored.text == output.read_text() and "](http://testserver/api/v1/" in stored.text
    # Without --public-url the links stay as the JSON holds them; a URL with a path is refused.
    relative = tmp_path / "relative.md"
    assert (await asyncio.to_thread(CliRunner().invoke, app, ["build", "--country", "KR", "--format", "md",
                                                              "--output", str(relative)])).exit_code == 0
    assert "](/api/v1/" in relative.read_text() and "http://" not in relative.read_text()
    for refused in ("https://api.example.org/v1", "https://api.example.org?", "https://user:pw@api.example.org",
                    " https://api.example.org", "ftp://api.example.org"):
        answer = await asyncio.to_thread(CliRunner().invoke, app, ["build", "--country", "KR", "--public-url", refused])
        assert answer.exit_code == 2 and "--public-url" in answer.output, refused

    refused = await asyncio.to_thread(CliRunner().invoke, app, ["build", "--country", "XX"])
    assert refused.exit_code == 1 and "countries[0]" in refused.output
    # A file that cannot be written is refused before anything is built or stored.
    builds = len((await reports.get("/builds")).json()["items"])
    nowhere = await asyncio.to_thread(CliRunner().invoke, app, ["build", "--country", "KR", "--output",
                                                               str(tmp_path / "missing" / "kr.pdf")])
    assert nowhere.exit_code == 2 and "--output" in nowhere.output
    assert len((await reports.get("/builds")).json()["items"]) == builds
