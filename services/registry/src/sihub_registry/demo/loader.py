"""Loading the demo dataset into a running stack through the public API (the gateway, an admin key).

Dependency order: actors (one bulk import), hub programmes with their cohorts, memberships,
projects, case studies, partnerships; references by `ref` in the dataset become ids on the way.

Loading twice creates nothing twice. Every record carries a `ref` under `demo:`; each step first
lists what is already there (`ref_prefix=demo:`) and sends only what is missing. Each write also
carries an `Idempotency-Key` (the actor import's is a hash of its body), so a request re-sent after
a lost answer is answered from the first one; a 409 naming an `existing_id` (the record was
created meanwhile) counts as existing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sihub_registry.demo.dataset import Payload, demo_dataset
from sihub_shared.demo import PublicApi, public_api
from sihub_shared.pagination import MAX_LIMIT

REF_PREFIX = "demo:"


@dataclass
class StepCount:
    created: int = 0
    existing: int = 0


@dataclass
class DemoCounts:
    steps: dict[str, StepCount] = field(default_factory=dict)

    def step(self, name: str) -> StepCount:
        return self.steps.setdefault(name, StepCount())

    @property
    def created(self) -> int:
        return sum(s.created for s in self.steps.values())


def demo_ref(*parts: str) -> str:
    return REF_PREFIX + ":".join(re.sub(r"\s+", "-", part.strip().lower()) for part in parts)


class DemoLoader:
    def __init__(self, api: PublicApi, echo: Callable[[str], None] = lambda _: None) -> None:
        self.api = api
        self.echo = echo
        self.counts = DemoCounts()

    async def load(self, dataset: dict[str, list[Payload]]) -> DemoCounts:
        actors = await self.actors(dataset["actors"])
        programmes, cohorts = await self.programmes(dataset["hub_programmes"], actors)
        await self.memberships(dataset["memberships"], actors, programmes, cohorts)
        await self.records("projects", "/projects", [
            ({**_without(p, "owner_ref", "partner_refs"), "actor_id": actors[p["owner_ref"]],
              "partner_ids": [actors[r] for r in p["partner_refs"]]}, demo_ref("project", str(n)))
            for n, p in enumerate(dataset["projects"], 1)
        ])  # fmt: skip
        await self.records("case studies", "/case-studies", [
            ({**_without(s, "actor_refs"), "actor_ids": [actors[r] for r in s["actor_refs"]]}, demo_ref("case-study", str(n)))
            for n, s in enumerate(dataset["case_studies"], 1)
        ])  # fmt: skip
        await self.records("partnerships", "/partnerships", [
            ({**_without(t, "actor_refs"), "actor_ids": [actors[r] for r in t["actor_refs"]]}, demo_ref("partnership", str(n)))
            for n, t in enumerate(dataset["partnerships"], 1)
        ])  # fmt: skip
        return self.counts

    async def actors(self, payloads: list[Payload]) -> dict[str, str]:
        """Dataset ref → actor id, importing the actors not yet registered."""
        ids = await self.existing("/actors")
        count = self.counts.step("actors")
        missing = [p | {"ref": demo_ref(p["ref"])} for p in payloads if demo_ref(p["ref"]) not in ids]
        count.existing = len(payloads) - len(missing)
        if missing:
            body = json.dumps(missing, ensure_ascii=False).encode()
            key = "demo-actors-" + hashlib.sha256(body).hexdigest()[:40]
            report = await self.api.send(
                "POST", "/actors/import", params={"existing": "skip"}, content=body,
                headers={"Content-Type": "application/json", "Idempotency-Key": key},
            )  # fmt: skip
            for item in report["items"]:
                ids[item["ref"]] = item["id"]
            count.created += report["created"]
            count.existing += report["existing"]
        self.echo(f"actors: {count.created} created, {count.existing} already there")
        return {p["ref"]: ids[demo_ref(p["ref"])] for p in payloads}

    async def programmes(
        self, payloads: list[Payload], actors: dict[str, str]
    ) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str, str], str]]:
        """(hub ref, programme name) → programme id, and (hub ref, programme, cohort) → cohort id."""
        bodies = [
            ({
                "hub_id": actors[p["hub_ref"]],
                "names": [{"value": p["name"], "lang": "en"}],
                "illustrative": p["illustrative"],
                "cohorts": [
                    c | {"ref": demo_ref("cohort", p["hub_ref"], p["name"], c["name"]), "illustrative": p["illustrative"]}
                    for c in p["cohorts"]
                ],
            }, demo_ref("programme", p["hub_ref"], p["name"]))
            for p in payloads
        ]  # fmt: skip
        ids = await self.records("programmes", "/programmes", bodies)
        cohorts: dict[tuple[str, str, str], str] = {}
        for payload in payloads:
            programme_id = ids[demo_ref("programme", payload["hub_ref"], payload["name"])]
            programme = await self.api.send("GET", f"/programmes/{programme_id}")
            by_ref = {c["ref"]: c["id"] for c in programme["cohorts"]}
            for cohort in payload["cohorts"]:
                key = (payload["hub_ref"], payload["name"], cohort["name"])
                cohorts[key] = by_ref[demo_ref("cohort", *key)]
        programmes = {(p["hub_ref"], p["name"]): ids[demo_ref("programme", p["hub_ref"], p["name"])] for p in payloads}
        return programmes, cohorts

    async def memberships(
        self,
        payloads: list[Payload],
        actors: dict[str, str],
        programmes: dict[tuple[str, str], str],
        cohorts: dict[tuple[str, str, str], str],
    ) -> None:
        await self.records("memberships", "/memberships", [
            ({
                "programme_id": programmes[(m["hub_ref"], m["programme"])],
                "cohort_id": cohorts[(m["hub_ref"], m["programme"], m["cohort"])],
                "actor_id": actors[m["actor_ref"]],
                "starts_on": m["starts_on"], "ends_on": m["ends_on"], "illustrative": m["illustrative"],
            }, demo_ref("membership", m["hub_ref"], m["programme"], m["cohort"], m["actor_ref"]))
            for m in payloads
        ])  # fmt: skip

    async def records(self, name: str, path: str, bodies: list[tuple[Payload, str]]) -> dict[str, str]:
        """Create each (body, ref) not yet there, one at a time (concurrent writes only queue on
        SQLite's single writer and are slower); ref → id of every one."""
        ids = await self.existing(path)
        count = self.counts.step(name)
        for body, ref in bodies:
            if ref in ids:
                count.existing += 1
                continue
            created = await self.api.send("POST", path, json=body | {"ref": ref}, headers={"Idempotency-Key": ref},
                                      conflict_ok=True)  # fmt: skip
            if "existing_id" in created:
                count.existing += 1
                ids[ref] = created["existing_id"]
            else:
                count.created += 1
                ids[ref] = created["id"]
        self.echo(f"{name}: {count.created} created, {count.existing} already there")
        return ids

    async def existing(self, path: str) -> dict[str, str]:
        """ref → id of the demo records already listed at `path`."""
        ids: dict[str, str] = {}
        cursor = None
        while True:
            params = {"ref_prefix": REF_PREFIX, "limit": MAX_LIMIT} | ({"cursor": cursor} if cursor else {})
            page = await self.api.send("GET", path, params=params)
            ids.update((item["ref"], item["id"]) for item in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                return ids


def _without(payload: Payload, *keys: str) -> Payload:
    return {k: v for k, v in payload.items() if k not in keys}


async def load_demo(gateway_url: str, api_key: str, echo: Callable[[str], None] = lambda _: None,
                    dataset: dict[str, list[Payload]] | None = None) -> DemoCounts:  # fmt: skip
    async with public_api(gateway_url, api_key, "registry", timeout_s=120) as api:
        return await DemoLoader(api, echo).load(demo_dataset() if dataset is None else dataset)
