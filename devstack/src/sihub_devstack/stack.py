"""The embedded stack: a nats-server child, every service as a child process on SQLite files
under one data folder, the gateway in front, an admin key, and the demo data loaded through the
public API. Services are declared here as data; the stack launches their console scripts and
never imports them. What does not depend on another runs at once: the services' migrations and
starts beside each other and beside the gateway's, and each demo load as soon as the loads it
reads from are done (a Python process start is ~3 s of imports; one after another they were most
of `make run`'s minute)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from sihub_shared.natsserver import NatsServer


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    port: int
    loads_demo: bool = True
    # the services whose demo data this one's demo load reads (through its read model): loaded first
    demo_after: tuple[str, ...] = ()


DEFAULT_SERVICES = (
    ServiceSpec("registry", 8101),
    ServiceSpec("indicators", 8102),
    ServiceSpec("matching", 8103, demo_after=("registry",)),
    ServiceSpec("reports", 8104, demo_after=("registry", "indicators", "matching")),
)


class PortsInUse(RuntimeError):
    """A port the stack needs is taken (often by another `make run`): nothing was started."""


@dataclass
class Ports:
    gateway: int = 8000
    nats: int = 14222
    services: dict[str, int] | None = None

    def of(self, spec: ServiceSpec) -> int:
        return (self.services or {}).get(spec.name, spec.port)


class Stack:
    def __init__(self, var: Path, ports: Ports, services: tuple[ServiceSpec, ...] = DEFAULT_SERVICES,
                 echo=print) -> None:  # noqa: ANN001 - any print-like callable
        self.var = var.resolve()
        self.ports = ports
        self.services = services
        self.echo = echo
        self.nats = NatsServer(self.var / "nats", port=ports.nats, log_file=self.var / "logs" / "nats.log",
                               own_process_group=True)
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        declared_before: set[str] = set()
        for spec in services:  # so a demo load never waits for one submitted after it (or for a typo)
            if stray := set(spec.demo_after) - declared_before:
                raise ValueError(f"{spec.name}'s demo_after names {sorted(stray)}: not services declared before it")
            declared_before.add(spec.name)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.gateway}"

    @property
    def admin_key_file(self) -> Path:
        return self.var / "admin.key"

    def _identity_secret(self) -> str:
        path = self.var / "identity.secret"
        if not path.exists():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip()

    def _env(self, service: str, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "SIHUB_DATABASE_URL": f"sqlite:///{self.var / f'{service}.db'}",
            "SIHUB_NATS_URL": self.nats.url,
            "SIHUB_IDENTITY_SECRET": self._identity_secret(),
            "SIHUB_RUN_WORKERS": "true",
            **extra,
        }

    def _command(self, service: str) -> str:
        return str(Path(sys.executable).parent / f"sihub-{service}")

    def _run(self, service: str, *args: str, env: dict[str, str]) -> None:
        subprocess.run([self._command(service), *args], env=env, check=True)

    def _spawn(self, service: str, port: int, env: dict[str, str]) -> None:
        log = open(self.var / "logs" / f"{service}.log", "ab")  # noqa: SIM115 - lives as long as the child
        process = subprocess.Popen(
            [self._command(service), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        self.processes.append((service, process))

    def check_ports_free(self) -> None:
        """Before anything starts: otherwise another stack's gateway would answer this one's
        readiness check and its demo load, and refuse this one's admin key as unknown."""
        wanted = {"nats-server": self.ports.nats, "gateway": self.ports.gateway,
                  **{spec.name: self.ports.of(spec) for spec in self.services}}
        taken = []
        for name, port in wanted.items():
            with socket.socket() as probe:
                # as uvicorn and nats-server bind: a port whose last connections are closing is free
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    taken.append(f"{port} ({name})")
        if taken:
            raise PortsInUse(f"port {', '.join(taken)} already in use, by another `make run`? "
                             "Stop it, or choose other ports (`uv run sihub-dev run --help`).")

    def start(self) -> None:
        self.check_ports_free()
        (self.var / "logs").mkdir(parents=True, exist_ok=True)
        self.echo(f"nats-server   {self.nats.url}  (JetStream in {self.var / 'nats'})")
        self.nats.start()
        self._identity_secret()  # written once, before the threads below read it
        with ThreadPoolExecutor(max_workers=len(self.services) + 1) as pool:
            started = [pool.submit(self._start_service, spec) for spec in self.services]
            started.append(pool.submit(self._start_gateway))
        for future in started:
            future.result()
        self.wait_ready()

    def _start_service(self, spec: ServiceSpec) -> None:
        env = self._env(spec.name)
        self._run(spec.name, "migrate", env=env)
        self._spawn(spec.name, self.ports.of(spec), env)

    def _start_gateway(self) -> None:
        upstreams = {spec.name: f"http://127.0.0.1:{self.ports.of(spec)}" for spec in self.services}
        # A developer's webhook receiver runs on this machine: http and localhost targets allowed here only.
        env = self._env("gateway", SIHUB_UPSTREAMS=json.dumps(upstreams), SIHUB_WEBHOOK_ALLOW_LOCAL_TARGETS="true")
        self._run("gateway", "migrate", env=env)
        self._spawn("gateway", self.ports.gateway, env)  # starts while the key is made: no request needs it yet
        self._run("gateway", "bootstrap-admin", "--key-file", str(self.admin_key_file), env=env)

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        last = "no answer"
        while time.monotonic() < deadline:
            for name, process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}; see {self.var / 'logs' / (name + '.log')}")
            try:
                response = httpx.get(self.gateway_url + "/readyz", timeout=2)
                if response.status_code == 200:
                    return
                last = response.text
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.3)
        raise TimeoutError(f"the stack was not ready within {timeout_s}s: {last}")

    def load_demo(self) -> None:
        specs = [spec for spec in self.services if spec.loads_demo]
        loading = {spec.name for spec in specs}
        loads: dict[str, Future[None]] = {}
        with ThreadPoolExecutor(max_workers=max(len(specs), 1)) as pool:
            for spec in specs:
                after = [loads[name] for name in spec.demo_after if name in loading]
                loads[spec.name] = pool.submit(self._load_demo_of, spec, after)
        for future in loads.values():
            future.result()

    def _load_demo_of(self, spec: ServiceSpec, after: list[Future[None]]) -> None:
        for load in after:
            load.result()  # a failed load fails the ones that read from it, with its error
        self.echo(f"loading demo data: {spec.name}")
        self._run(spec.name, "load-demo", "--gateway", self.gateway_url,
                  "--key-file", str(self.admin_key_file), env=self._env(spec.name))

    def stop(self) -> None:
        # The gateway first, so that no request reaches a service on its way down; the processes
        # were started side by side, so their list's order says nothing.
        stopping = sorted(self.processes, key=lambda started: started[0] != "gateway")
        for _, process in stopping:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in stopping:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.echo(f"{name} did not stop in time; killing it")
                process.kill()
        self.processes.clear()
        self.nats.stop()

    def wipe(self) -> None:
        shutil.rmtree(self.var, ignore_errors=True)
