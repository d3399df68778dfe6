"""Loading the demo data into a running stack through the public API (the gateway, an admin key):
the catalogue first (only the indicators not there yet), then one CSV ingest per comparison set.

Loading twice creates nothing twice: existing indicators are skipped, and re-ingesting data the
service already holds creates no revision and no event (the ingest answers 200).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sihub_indicators.demo.observations import demo_csv_files
from sihub_indicators.demo.themes import DEMO_INDICATORS
from sihub_shared.demo import PublicApi, public_api
from sihub_shared.pagination import MAX_LIMIT



@dataclass
class DemoCounts:
    indicators_created: int = 0
    indicators_existing: int = 0
    files: int = 0
    inserted: int = 0
    revised: int = 0
    unchanged: int = 0

    @property
    def created(self) -> int:
        return self.indicators_created + self.inserted + self.revised


class DemoLoader:
    def __init__(self, api: PublicApi, echo: Callable[[str], None]) -> None:
        self.api = api
        self.echo = echo

    async def load(self) -> DemoCounts:
        counts = DemoCounts()
        existing = await self.existing_codes()
        for indicator in DEMO_INDICATORS:
            if indicator.code in existing:
                counts.indicators_existing += 1
                continue
            await self.api.send("POST", "/indicators", json=indicator.payload())
            counts.indicators_created += 1
        self.echo(f"indicators: {counts.indicators_created} created, {counts.indicators_existing} already there")
        for comparison_set, text in demo_csv_files().items():
            report = await self.api.send(
                "POST", "/observations/ingest", params={"format": "csv"}, content=text.encode(),
                headers={"Content-Type": "text/csv"},
            )
            counts.files += 1
            counts.inserted += report["inserted"]
            counts.revised += report["revised"]
            counts.unchanged += report["unchanged"]
            self.echo(f"observations of {comparison_set}: {report['inserted']} new, {report['revised']} revised, "
                      f"{report['unchanged']} already there")
        return counts

    async def existing_codes(self) -> set[str]:
        codes: set[str] = set()
        cursor = None
        while True:
            params = {"limit": MAX_LIMIT} | ({"cursor": cursor} if cursor else {})
            page = await self.api.send("GET", "/indicators", params=params)
            codes.update(item["code"] for item in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                return codes


async def load_demo(gateway_url: str, api_key: str, echo: Callable[[str], None] = lambda _: None) -> DemoCounts:
    async with public_api(gateway_url, api_key, "indicators", timeout_s=300) as api:
        return await DemoLoader(api, echo).load()
