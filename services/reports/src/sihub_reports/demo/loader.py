"""The demo reports, built in a running stack through the public API (the gateway, an admin key):
once the read model has caught up with the demo data, the five country reports and the
comparative report, each printed as the path that serves it.

Loading twice builds nothing twice: a build of the same kind and countries at the same stream
positions is reused."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sihub_shared.demo import DemoLoadError, PublicApi, public_api
from sihub_shared.pagination import MAX_LIMIT

from sihub_reports.content.comparative import DEFAULT_COUNTRIES

# The read model has caught up when its positions have not moved for this long.
SETTLED_S = 3.0
CATCH_UP_TIMEOUT_S = 180.0


@dataclass
class DemoCounts:
    built: int = 0
    existing: int = 0
    paths: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        return self.built


async def settled_positions(api: PublicApi, echo: Callable[[str], None]) -> dict[str, int]:
    deadline, last, since = time.monotonic() + CATCH_UP_TIMEOUT_S, None, time.monotonic()
    echo("reports: waiting for the read model to catch up with the demo data")
    while time.monotonic() < deadline:
        positions = (await api.send("GET", "/streams"))["positions"]
        if positions != last:
            last, since = positions, time.monotonic()
        elif positions.get("SIHUB_REGISTRY") and time.monotonic() - since >= SETTLED_S:
            return positions
        await asyncio.sleep(0.5)
    raise DemoLoadError(f"the reports' read model did not settle within {CATCH_UP_TIMEOUT_S:.0f}s: {last}")


async def load_demo(gateway_url: str, api_key: str, echo: Callable[[str], None]) -> DemoCounts:
    counts = DemoCounts()
    async with public_api(gateway_url, api_key, "reports", timeout_s=300) as api:
        positions = await settled_positions(api, echo)
        builds = (await api.send("GET", "/builds", params={"limit": MAX_LIMIT}))["items"]
        wanted = [("country", [c]) for c in DEFAULT_COUNTRIES] + [("comparative", list(DEFAULT_COUNTRIES))]
        for kind, countries in wanted:
            existing = next((b for b in builds if b["kind"] == kind and b["countries"] == countries
                             and b["positions"] == positions and b["status"] == "done"), None)
            if existing is None:
                existing = await api.send("POST", "/builds", json={"kind": kind, "countries": countries})
                counts.built += 1
            else:
                counts.existing += 1
            path = f"{gateway_url.rstrip('/')}/api/v1/reports/builds/{existing['id']}?format=html"
            counts.paths.append(path)
            echo(f"  {kind:<11} {' '.join(countries):<14} {path}")
    return counts
