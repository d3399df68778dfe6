"""The whole stack as `make run` starts it, for the cross-service tests: `sihub-dev run` as a child
process on free ports, ready when it prints READY (demo data loaded, admin key written)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sihub_shared.natsserver import free_port

_START_TIMEOUT_S = 300


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The contract test is by far the longest (6 minutes alone, more beside other work): started
    first, it runs beside the rest of the suite rather than after it; `--dist worksteal` (the
    Makefile) lets the other worker take the tests queued behind it."""
    items.sort(key=lambda item: item.path.name != "test_contract.py")


class LiveStack:
    def __init__(self, var: Path) -> None:
        self.var = var
        self.ports = {name: free_port() for name in ("gateway", "nats", "registry", "indicators", "matching", "reports")}
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []  # everything the stack printed, for a failing test's message

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def admin_key_file(self) -> Path:
        return self.var / "admin.key"

    @property
    def admin_key(self) -> str:
        return self.admin_key_file.read_text().strip()

    def start(self, **environment: str) -> None:
        """`environment` adds variables to the stack's (the services read `SIHUB_*` settings)."""
        command = [
            str(Path(sys.executable).parent / "sihub-dev"), "run", "--var", str(self.var),
            "--gateway-port", str(self.ports["gateway"]), "--nats-port", str(self.ports["nats"]),
            "--registry-port", str(self.ports["registry"]), "--indicators-port", str(self.ports["indicators"]),
            "--matching-port", str(self.ports["matching"]), "--reports-port", str(self.ports["reports"]),
        ]
        # Its own process group, so that a kill reaches the services and nats-server it started:
        # killed alone, they were left running (a failed test's stack burning the machine's CPU).
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        env={**os.environ, "COLUMNS": "200", **environment}, start_new_session=True)
        self.output = output = []
        deadline = time.monotonic() + _START_TIMEOUT_S
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            output.append(line)
            if line.strip() == "READY":
                # Read on to the end: what it prints on its way down (a service killed for not
                # stopping in time) explains a failing test, and an unread pipe would fill up.
                threading.Thread(target=output.extend, args=(self.process.stdout,), daemon=True).start()
                return
        self.kill()
        raise AssertionError("the stack did not come up:\n" + "".join(output))

    def stop(self) -> None:
        """Ctrl-C, as a user stops `make run`: the terminal sends SIGINT to the whole foreground
        process group, the services included; it must exit cleanly."""
        assert self.process is not None, "the stack is not running"
        process, self.process = self.process, None
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=60) == 0

    def kill(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None
            # The stack's nats-server has a process group of its own (its store is under var/).
            subprocess.run(["pkill", "-KILL", "-f", f"nats-server .*{self.var / 'nats'}"], check=False)


@pytest.fixture
def live_stack(tmp_path: Path) -> Iterator[LiveStack]:
    """A stack to start (and stop) in the test; killed afterwards if the test left it running."""
    stack = LiveStack(tmp_path / "var")
    try:
        yield stack
    finally:
        stack.kill()
