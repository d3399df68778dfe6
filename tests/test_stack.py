"""`make run` end to end: the devstack starts every service on SQLite with its own nats-server,
loads the demo data through the public API, answers through the gateway, stops cleanly on
Ctrl-C, and a second start reuses the data without loading the demo twice."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sihub_devstack.stack import DEFAULT_SERVICES, Ports, PortsInUse, ServiceSpec, Stack
from sihub_shared.natsserver import free_port


def test_make_run_starts_everything_with_demo_data_and_stops_cleanly(live_stack):
    gateway = live_stack.gateway_url

    live_stack.start()
    try:
        key_file = live_stack.admin_key_file
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        auth = {"Authorization": f"Bearer {key_file.read_text().strip()}"}
        with httpx.Client(base_url=gateway, headers=auth, timeout=30) as client:
            assert client.get("/readyz").json()["status"] == "ready"
            found = client.get("/api/v1/registry/actors", params={"q": "Social Campus"}).json()
            assert len(found["items"]) >= 7
            korean = client.get("/api/v1/registry/actors", params={"q": "캠퍼스"}).json()
            assert len(korean["items"]) >= 7
            severities = client.get("/api/v1/indicators/severities", params={"country": "KR"}).json()
            assert severities["items"], severities
            first_count = _actor_count(client)
            # Matching holds the registry's actors from events, and the demo round's accepted
            # matches came back from the registry as partnerships of origin match.
            assert client.get("/api/v1/matching/ecosystem").json()["actors"] > 0
            demo_hub = client.get("/api/v1/registry/actors", params={
                "q": "Social Campus", "kind": "hub_intermediary", "country": "KR", "limit": 100}).json()["items"]
            rounds = [r for hub in demo_hub for r in client.get(
                "/api/v1/matching/rounds", params={"hub_id": hub["id"]}).json()["items"]]
            # The demo publishes one round and leaves a second, its comparison, run but unpublished.
            assert sorted(r["publications"] for r in rounds) == [0, 1] and all(r["illustrative"] for r in rounds)
            _wait_for(lambda: len(client.get("/api/v1/registry/partnerships", params={"origin": "match"}).json()["items"]) == 3)
            # The demo reports: the five countries and the comparative one, built from the demo data.
            builds = client.get("/api/v1/reports/builds").json()["items"]
            assert sorted((b["kind"], tuple(b["countries"]), b["status"]) for b in builds) == [
                ("comparative", ("CN", "JP", "KR", "SG", "TH"), "done"),
                *(("country", (c,), "done") for c in ("CN", "JP", "KR", "SG", "TH"))]
            assert all(b["positions"]["SIHUB_REGISTRY"] > 0 and b["illustrative"] for b in builds)
            first_builds = {b["id"] for b in builds}
            # The first merged document has every service, though each builds its own on that request.
            openapi = client.get("/openapi.json").json()
            assert any(p.startswith("/api/v1/registry/") for p in openapi["paths"])
            assert any(p.startswith("/api/v1/indicators/") for p in openapi["paths"])
            # Every listing of every service pages the same way.
            page_sizes = {
                (parameter["schema"].get("default"), parameter["schema"].get("maximum"))
                for operations in openapi["paths"].values() for operation in operations.values()
                for parameter in operation.get("parameters", []) if parameter["name"] == "limit"
            }
            assert page_sizes == {(100, 1000)}, page_sizes
    finally:
        live_stack.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(gateway + "/healthz", timeout=2)
    # A clean stop leaves no WAL behind: every service truncates its own as it stops.
    wals = {wal.name: wal.stat().st_size for wal in live_stack.var.glob("*.db-wal") if wal.stat().st_size}
    assert wals == {}, "".join(live_stack.output[-20:]) + (live_stack.var / "logs" / "registry.log").read_text()[-3000:]

    live_stack.start()
    try:
        with httpx.Client(base_url=gateway, headers=auth, timeout=30) as client:
            assert _actor_count(client) == first_count
            builds = client.get("/api/v1/reports/builds").json()["items"]
            assert {b["id"] for b in builds} == first_builds  # the same positions: nothing built twice
    finally:
        live_stack.stop()


def _wait_for(condition, timeout_s: float = 60) -> None:  # noqa: ANN001 - a callable returning bool
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.5)


def _actor_count(client: httpx.Client) -> int:
    total, cursor = 0, None
    while True:
        params = {"limit": 200} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/registry/actors", params=params).json()
        total += len(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return total


def test_a_port_already_taken_is_named_and_nothing_starts(tmp_path):
    """A second `make run` beside a first (or anything on its ports) is refused up front: else the
    first stack's gateway would answer the second's readiness check and refuse its admin key."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        stack = Stack(tmp_path / "var", Ports(gateway=busy, nats=free_port(),
                                              services={spec.name: free_port() for spec in DEFAULT_SERVICES}))
        with pytest.raises(PortsInUse, match=rf"port {busy} \(gateway\) already in use"):
            stack.start()
    assert stack.processes == [] and stack.nats.process is None
    assert not (tmp_path / "var").exists()


def test_run_fresh_beside_a_running_stack_deletes_nothing(tmp_path):
    """`--fresh` wipes the data folder only once the ports are known free: the folder may be the
    running stack's."""
    var = tmp_path / "var"
    var.mkdir()
    (var / "registry.db").write_bytes(b"a running stack's data")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        result = subprocess.run(
            [str(Path(sys.executable).parent / "sihub-dev"), "run", "--var", str(var), "--fresh",
             "--gateway-port", str(busy), "--nats-port", str(free_port())],
            capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"port {busy} (gateway) already in use" in result.stdout
    assert (var / "registry.db").read_bytes() == b"a running stack's data"


def test_a_demo_load_can_wait_only_for_a_service_declared_before_it(tmp_path):
    later = (ServiceSpec("matching", free_port(), demo_after=("registry",)), ServiceSpec("registry", free_port()))
    with pytest.raises(ValueError, match=r"matching's demo_after names \['registry'\]"):
        Stack(tmp_path / "var", Ports(), services=later)
    with pytest.raises(ValueError, match=r"reports's demo_after names \['regsitry'\]"):
        Stack(tmp_path / "var", Ports(), services=(ServiceSpec("reports", free_port(), demo_after=("regsitry",)),))
