"""The reports as a reader sees them: the PDF laid out with the project's own fonts (pdffonts shows
the CJK and Thai fonts embedded, pdftotext reads the names back, pdftoppm draws pages that are not
blank), and the HTML in a real headless Chromium (charts drawn, no network request, no error).

The tools are Debian's poppler-utils and chromium, which `make test` installs when missing; a
machine without them skips these tests, except under CI=true, where that fails."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
import websockets

NAMES = {"KR": "서울사회적경제캠퍼스", "JP": "東京ケア財団", "CN": "北京社会创新中心", "TH": "มูลนิธิกรุงเทพ"}


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (make test installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def bases(text: str) -> str:
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Mn")


async def run(*command: str) -> str:
    completed = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, check=True)
    return completed.stdout


async def comparative_with_every_script(reports) -> str:
    await reports.feed(*reports.events.korea(), *(
        reports.events.actor(f"name-{code}", country=code, region=None, name=name, issue_areas=("ageing_care",),
                             needs=("funding",)) for code, name in NAMES.items()))
    return (await reports.build("comparative", *NAMES))["id"]


async def test_pdf_embeds_cjk_and_thai_fonts_and_draws_pages(reports, tmp_path: Path, caplog):
    pdffonts, pdftoppm, pdftotext, pdfinfo = tool("pdffonts"), tool("pdftoppm"), tool("pdftotext"), tool("pdfinfo")
    build_id = await comparative_with_every_script(reports)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        response = await reports.get(f"/builds/{build_id}?format=pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert not [r for r in caplog.records if ".notdef" in r.getMessage() or "cannot be loaded" in r.getMessage()]
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    fonts = (await run(pdffonts, str(pdf))).splitlines()[2:]
    embedded = {line.split()[0].split("+", 1)[-1]: line.split()[-5] for line in fonts}
    # Every font is one of the project's (named "sihub …" so as not to be the machine's), embedded.
    assert {"sihub-Noto-Sans-CJK", "sihub-Noto-Sans-Thai"} <= set(embedded), fonts
    assert all(name.startswith("sihub-Noto-Sans-") for name in embedded), fonts
    assert set(embedded.values()) == {"yes"}
    text = await run(pdftotext, str(pdf), "-")
    # pdftotext may put a Thai vowel or tone mark apart from its consonant: compare without them.
    for name in NAMES.values():
        assert bases(name) in bases(text), name
    # Figures keep their evidence: records linked, and the build's JSON (every record) linked too,
    # on the address the PDF was asked on (a saved file's links still lead there).
    async def links_in(pdf: Path) -> set[str]:
        return {line.split()[-1] for line in (await run(pdfinfo, "-url", str(pdf))).splitlines()[1:]}

    links = await links_in(pdf)
    assert f"http://testserver/api/v1/reports/builds/{build_id}?format=json" in links, links
    assert {f"http://testserver/api/v1/registry/actors/name-{code}" for code in NAMES} <= links, links
    # Behind the gateway, on the public address it forwards (X-Forwarded-Proto and -Host).
    public = tmp_path / "public.pdf"
    public.write_bytes((await reports.get(f"/builds/{build_id}?format=pdf", headers={
        "X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.sihub.example"})).content)
    links = await links_in(public)
    assert f"https://api.sihub.example/api/v1/reports/builds/{build_id}?format=json" in links, links
    assert links and all(link.startswith("https://api.sihub.example/api/v1/") for link in links), links
    await run(pdftoppm, "-r", "30", "-gray", "-f", "1", "-l", "3", str(pdf), str(tmp_path / "page"))
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) == 3
    for page in pages:
        pixels = page.read_bytes().split(b"\n", 3)[3]  # P5, size, max value, then one byte a pixel
        assert sum(1 for p in pixels if p < 200) > 500, f"{page.name} is blank"


async def test_html_in_headless_chromium_draws_charts_offline_without_errors(reports, tmp_path: Path):
    chromium = tool("chromium")
    await reports.feed(*reports.events.korea())
    build = await reports.build("country", "KR")
    html = tmp_path / "report.html"
    html.write_bytes((await reports.get(f"/builds/{build['id']}?format=html")).content)
    profile = tmp_path / "profile"
    process = await asyncio.create_subprocess_exec(
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(300):
            if port_file.exists() and len(port_file.read_text().splitlines()) == 2:
                break
            await asyncio.sleep(0.1)
        port, browser_path = port_file.read_text().splitlines()
        seen = await drive(f"ws://127.0.0.1:{port}{browser_path}", html.as_uri())
    finally:
        process.terminate()
        await process.wait()
    assert seen["requests"] == [html.as_uri()], seen["requests"]
    assert seen["errors"] == []
    charts = seen["charts"]
    assert charts["svgs"] >= 2 and charts["drawn"] == charts["svgs"] and charts["bars"] > 0


async def drive(browser_ws: str, url: str) -> dict:
    """Open `url` in a new tab over the DevTools protocol; note every request and every error."""
    requests: list[str] = []
    errors: list[str] = []
    async with websockets.connect(browser_ws, max_size=None) as ws:
        counter = 0

        async def call(method: str, session: str | None = None, **params) -> dict:
            nonlocal counter
            counter += 1
            message = {"id": counter, "method": method, "params": params} | ({"sessionId": session} if session else {})
            await ws.send(json.dumps(message))
            while True:
                reply = json.loads(await ws.recv())
                note(reply)
                if reply.get("id") == counter:
                    return reply.get("result", {})

        def note(message: dict) -> None:
            method, params = message.get("method"), message.get("params", {})
            if method == "Network.requestWillBeSent":
                requests.append(params["request"]["url"])
            elif method == "Runtime.exceptionThrown":
                errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                errors.append(params["entry"]["text"])
            elif method == "Runtime.consoleAPICalled" and params["type"] == "error":
                errors.append(str(params["args"]))

        target = (await call("Target.createTarget", url="about:blank"))["targetId"]
        session = (await call("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
        for domain in ("Network", "Runtime", "Log", "Page"):
            await call(f"{domain}.enable", session)
        await call("Page.navigate", session, url=url)
        loaded = False
        while not loaded:
            message = json.loads(await asyncio.wait_for(ws.recv(), 30))
            note(message)
            loaded = message.get("method") == "Page.loadEventFired"
        script = ("JSON.stringify({svgs: document.querySelectorAll('svg').length, "
                  "drawn: [...document.querySelectorAll('svg')].filter(s => s.getBoundingClientRect().width > 0 "
                  "&& s.querySelectorAll('rect,polyline').length > 0).length, "
                  "bars: [...document.querySelectorAll('svg rect')].filter(r => r.getBBox().width > 0).length})")
        result = await call("Runtime.evaluate", session, expression=script, returnByValue=True)
    return {"requests": requests, "errors": errors, "charts": json.loads(result["result"]["value"])}


THEMES = ["affordable_housing", "ageing_care", "digital_inclusion", "disability_inclusion", "education_access",
          "employment", "environment_climate", "financial_inclusion", "food_security", "health_access",
          "migrant_integration", "youth_wellbeing"]


async def test_pdf_grid_headers_do_not_overlap(reports, tmp_path: Path):
    """A region × theme grid of many themes: each header stays in its column (a long theme name
    wraps) instead of running over its neighbours'."""
    pdftotext = tool("pdftotext")
    values = [(region, theme, 50.0, 1.0) for region in ("KR-11", "KR-26", "KR-42") for theme in THEMES]
    await reports.feed(*reports.events.korea()[:5], reports.events.indices("regions:KR", values))
    build = await reports.build("country", "KR")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes((await reports.get(f"/builds/{build['id']}?format=pdf")).content)
    layout = await run(pdftotext, "-bbox", str(pdf), "-")
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
    overlaps, seen = [], 0
    for page in layout.split("<page ")[1:]:
        # The words of theme names (whole, or the pieces a wrapped one is broken into) on this page.
        names = [(float(x0), float(y0), float(x1), float(y1), text) for x0, y0, x1, y1, text in word.findall(page)
                 if len(text) > 3 and any(text in theme for theme in THEMES)]
        seen += len(names)
        overlaps += [(a[4], b[4]) for i, a in enumerate(names) for b in names[i + 1:]
                     if a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5]
    assert seen and overlaps == []
