"""`sihub-matching round run` in-process against the database, and its refusals."""

from __future__ import annotations

import asyncio

from typer.testing import CliRunner

from sihub_matching.cli import app

runner = CliRunner()


async def invoke(*args: str, env: dict[str, str]):
    """In a thread: the command's asyncio.run must not run inside this test's loop."""
    return await asyncio.to_thread(runner.invoke, app, list(args), env=env)


async def test_round_run_makes_a_draft(matching):
    e = matching.events
    hub, seekers, providers = "h-1", ["s-1", "s-2"], ["p-1"]
    await matching.feed(
        e.actor(hub, kind="hub_intermediary", owner="hub-owner"),
        *(e.actor(s, needs=["mentoring"]) for s in seekers),
        *(
            e.actor(p, kind="corporation", sector="private", offers=["mentoring"])
            for p in providers
        ),
    )
    created = await matching.post(
        "/rounds",
        json={
            "hub_id": hub,
            "name": "cli",
            "seekers": {"actor_ids": seekers},
            "providers": {"actor_ids": providers},
            "capacity": 1,
        },
    )
    assert created.status_code == 201, created.text
    round_id = created.json()["id"]
    env = {"SIHUB_DATABASE_URL": matching.database_url, "SIHUB_IDENTITY_SECRET": "x" * 40}

    result = await invoke("round", "run", round_id, env=env)
    assert result.exit_code == 0, result.output
    assert "1 matched" in result.output and "1 unmatched" in result.output
    round_ = (await matching.get(f"/rounds/{round_id}")).json()
    assert (
        round_["drafts"] == 1
        and round_["run_state"] == "done"
        and round_["draft"]["matched_count"] == 1
    )

    refused = await invoke("round", "run", "no-such-round", env=env)
    assert refused.exit_code == 1 and "round_id: no such round" in refused.output
