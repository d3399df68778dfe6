"""free_port: ports a test stack's servers bind, out of reach of the system's outgoing connections."""

from __future__ import annotations

import socket
from pathlib import Path

from sihub_shared.natsserver import free_port


def test_free_ports_are_distinct_bindable_and_below_the_outgoing_range():
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    outgoing_from = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    assert all(port < outgoing_from for port in ports), [p for p in ports if p >= outgoing_from]
    with socket.socket() as server:
        server.bind(("127.0.0.1", ports[-1]))  # still free for the server it was given to



def test_test_workers_side_by_side_take_ports_of_their_own(monkeypatch):
    taken = {}
    for worker in ("gw0", "gw1", "gw2"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "3")
        taken[worker] = {free_port() for _ in range(100)}
    assert {port % 3 for port in taken["gw0"]} == {0}
    assert {port % 3 for port in taken["gw1"]} == {1}
    assert {port % 3 for port in taken["gw2"]} == {2}
