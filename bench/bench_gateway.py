"""Gateway benchmark: the same endpoint called directly and through the gateway.

    uv run python bench/bench_gateway.py [--rounds 3] [--seconds 5] [--connections 16]

Three processes besides this one, each started as production starts it (uvicorn, uvloop,
httptools, no access log, one worker):
  service   a real `create_service_app` app on SQLite (bench/_bench_service.py) answering
            `GET /api/v1/bench/actors?limit=20`: 20 rows read from SQLite, one page of JSON (~2.5 kB)
  gateway   `sihub-gateway serve`, its own SQLite database migrated with `sihub-gateway migrate`,
            one partner account and API key made with `sihub-gateway create-account`
  load      bench/_http_load.py: `connections` keep-alive connections for `seconds` per round
            (a small asyncio HTTP client: httpx would be the bottleneck on two cores)

Baseline: the service called directly, with a valid identity token (services reject requests
without one). Subject: the same URL through the gateway with `Authorization: Bearer <key>`.
Rounds of baseline and subject alternate (the machine is shared) and medians are reported:

    direct_rps, gateway_rps, gateway_vs_direct          (goal: gateway ≥ 0.5 of direct)
    direct_p50_ms, gateway_p50_ms, added_p50_ms         at `connections` connections (saturated)
    *_one_connection_*                                  one connection, one request at a time:
                                                        what the gateway adds to one request
                                                        (goal: added p50 ≤ 1 ms)

Under saturation latency is mostly queueing (p50 ≈ connections / rps), so the added p50 at 16
connections follows from the throughput ratio; the one-connection figure is the gateway's own cost.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _support import emit, median, nats_server, say

from sihub_shared.identity import IDENTITY_HEADER, Identity, Role, sign_identity
from sihub_shared.natsserver import free_port

BENCH_DIR = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PATH = "/api/v1/bench/actors?limit=20"
UVICORN_OPTIONS = ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]


def run_cli(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([str(BIN / "sihub-gateway"), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"sihub-gateway {args[0]} failed: {done.stderr[-2000:]}")
    return done.stdout


def wait_healthy(base_url: str, process: subprocess.Popen, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{base_url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{base_url} not healthy within {timeout_s}s")


def cpu_seconds(process: subprocess.Popen) -> float:
    """User + system CPU time of a child so far (Linux /proc): each server's own cost per
    request, which CPU contention from other work on the machine hardly changes."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(url: str, header: str, connections: int, seconds: float,
         servers: dict[str, subprocess.Popen] | None = None) -> dict[str, float]:
    servers = servers or {}
    cpu_before = {name: cpu_seconds(process) for name, process in servers.items()}
    done = subprocess.run(
        [sys.executable, str(BENCH_DIR / "_http_load.py"), "--url", url, "--header", header,
         "--connections", str(connections), "--seconds", str(seconds)],
        capture_output=True, text=True, check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for name, process in servers.items():
        result[f"{name}_cpu_ms"] = (cpu_seconds(process) - cpu_before[name]) * 1000 / max(1, result["requests"])
    if result["failures"] or not result["requests"]:
        raise RuntimeError(f"{url}: {result['failures']} failed requests, statuses {result['failure_statuses']}")
    return result


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(args: argparse.Namespace) -> dict[str, object]:
    secret = secrets.token_urlsafe(32)
    service_port, gateway_port = free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix="sihub-bench-gateway-") as tmp, nats_server() as nats:
        base_env = os.environ | {
            "SIHUB_NATS_URL": nats.url, "SIHUB_IDENTITY_SECRET": secret, "SIHUB_RUN_WORKERS": "false",
            "SIHUB_LOG_LEVEL": "WARNING",
        }
        service_env = base_env | {"SIHUB_DATABASE_URL": f"sqlite:///{tmp}/service.db"}
        gateway_env = base_env | {
            "SIHUB_DATABASE_URL": f"sqlite:///{tmp}/gateway.db",
            "SIHUB_UPSTREAMS": json.dumps({"bench": f"http://127.0.0.1:{service_port}"}),
            # The per-key limit is not what is measured here.
            "SIHUB_RATE_LIMIT_PER_S": "1000000", "SIHUB_RATE_LIMIT_BURST": "1000000",
        }
        run_cli(["migrate"], gateway_env)
        issued = run_cli(["create-account", "--name", "Bench Foundation", "--role", "partner"], gateway_env)
        key = next(line.split()[1] for line in issued.splitlines() if line.startswith("key"))
        token = sign_identity(Identity(account_id="bench", organisation="Bench Foundation",
                                       roles=frozenset({Role.partner})), secret, ttl_s=3600)

        service = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH_DIR), "--factory", "_bench_service:create_app",
             "--host", "127.0.0.1", "--port", str(service_port), *UVICORN_OPTIONS],
            env=service_env, stdout=sys.stderr,
        )
        gateway = subprocess.Popen([str(BIN / "sihub-gateway"), "serve", "--port", str(gateway_port)],
                                   env=gateway_env, stdout=sys.stderr)
        try:
            wait_healthy(f"http://127.0.0.1:{service_port}", service)
            wait_healthy(f"http://127.0.0.1:{gateway_port}", gateway)
            subjects = {
                "direct": (f"http://127.0.0.1:{service_port}{PATH}", f"{IDENTITY_HEADER}: {token}",
                           {"service": service}),
                "gateway": (f"http://127.0.0.1:{gateway_port}{PATH}", f"Authorization: Bearer {key}",
                            {"service": service, "gateway": gateway}),
            }
            say(f"service on {service_port}, gateway on {gateway_port}; warming up")
            for url, header, _ in subjects.values():
                load(url, header, args.connections, 2.0)
            runs: dict[str, list[dict[str, float]]] = {f"{name}_{c}": [] for c in ("many", "one") for name in subjects}
            for round_ in range(args.rounds):
                for name, (url, header, servers) in subjects.items():
                    runs[f"{name}_many"].append(load(url, header, args.connections, args.seconds, servers))
                for name, (url, header, servers) in subjects.items():
                    runs[f"{name}_one"].append(load(url, header, 1, args.seconds / 2, servers))
                say(f"round {round_ + 1}: " + ", ".join(
                    f"{k} {v[-1]['rps']:,.0f}/s p50 {v[-1]['p50_ms']:.2f} ms" for k, v in runs.items())
                    + f"; gateway CPU {runs['gateway_many'][-1]['gateway_cpu_ms']:.2f} ms/request")
        finally:
            stop(gateway)
            stop(service)

    def med(run: str, key: str) -> float:
        return median([r[key] for r in runs[run]])

    direct_rps, gateway_rps = med("direct_many", "rps"), med("gateway_many", "rps")
    direct_p50, gateway_p50 = med("direct_many", "p50_ms"), med("gateway_many", "p50_ms")
    direct_one, gateway_one = med("direct_one", "p50_ms"), med("gateway_one", "p50_ms")
    return {
        "bench": "gateway",
        "connections": args.connections,
        "rounds": args.rounds,
        "seconds_per_round": args.seconds,
        "load_client": "asyncio raw HTTP/1.1 keep-alive (bench/_http_load.py), own process",
        "direct_rps": round(direct_rps),
        "gateway_rps": round(gateway_rps),
        "gateway_vs_direct": round(gateway_rps / direct_rps, 3),
        "direct_p50_ms": round(direct_p50, 2),
        "gateway_p50_ms": round(gateway_p50, 2),
        "added_p50_ms": round(gateway_p50 - direct_p50, 2),
        "direct_p99_ms": round(med("direct_many", "p99_ms"), 2),
        "gateway_p99_ms": round(med("gateway_many", "p99_ms"), 2),
        "direct_one_connection_p50_ms": round(direct_one, 2),
        "gateway_one_connection_p50_ms": round(gateway_one, 2),
        "added_one_connection_p50_ms": round(gateway_one - direct_one, 2),
        # CPU per request of each server process, medians over the 16-connection rounds.
        "service_cpu_ms_per_request": round(med("direct_many", "service_cpu_ms"), 3),
        "gateway_cpu_ms_per_request": round(med("gateway_many", "gateway_cpu_ms"), 3),
        "rounds_rps": {k: [round(r["rps"]) for r in v] for k, v in runs.items()},
        "goals": {"gateway_vs_direct": 0.5, "added_p50_ms": 1.0},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    emit(main(parser.parse_args()))
