"""`sihub-dev run`: the whole stack on this machine, no Docker. `make run` calls it."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from sihub_devstack.stack import Ports, PortsInUse, Stack

app = typer.Typer(help="sihub's embedded development stack", no_args_is_help=True, add_completion=False)
console = Console()


@app.callback()
def main() -> None:
    """sihub's embedded development stack."""


@app.command()
def run(
    var: Path = typer.Option(Path("var"), help="data folder: SQLite files, JetStream store, logs, keys"),
    gateway_port: int = typer.Option(8000),
    nats_port: int = typer.Option(14222, help="not 4222: the machine may run its own NATS there"),
    registry_port: int = typer.Option(8101),
    indicators_port: int = typer.Option(8102),
    matching_port: int = typer.Option(8103),
    reports_port: int = typer.Option(8104),
    demo: bool = typer.Option(True, help="load the demo data through the public API"),
    fresh: bool = typer.Option(False, help="delete the data folder first"),
) -> None:
    """Start nats-server, every service and the gateway; load demo data; stop all on Ctrl-C."""
    stack = Stack(
        var,
        Ports(gateway=gateway_port, nats=nats_port,
              services={"registry": registry_port, "indicators": indicators_port,
                        "matching": matching_port, "reports": reports_port}),
        echo=console.print,
    )
    try:
        stack.check_ports_free()  # before --fresh wipes anything: the folder may be a running stack's
    except PortsInUse as taken:
        console.print(f"[red]not started[/red]: {escape(str(taken))}", highlight=False)
        raise typer.Exit(1) from None
    if fresh:
        stack.wipe()
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        stack.start()
        if demo:
            stack.load_demo()
        key = stack.admin_key_file
        console.print(
            f"\n[bold green]sihub is running[/]\n"
            f"  API       {stack.gateway_url}/api/v1/…\n"
            f"  API docs  {stack.gateway_url}/docs\n"
            f"  events    {stack.gateway_url}/asyncapi.json  (NATS {stack.nats.url})\n"
            f"  ready?    {stack.gateway_url}/readyz\n"
            f"  admin key {key}  →  export SIHUB_KEY=$(cat {key})\n"
            f"  logs      {stack.var / 'logs'}\n"
            "Ctrl-C stops everything; the data stays for the next run."
        )
        console.print("READY", highlight=False)
        stopping.wait()
    finally:
        console.print("stopping…")
        stack.stop()
        console.print("stopped")
