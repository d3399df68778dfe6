"""A consuming service, for the benches: a ConsumerRunner on its own SQLite file, in its own process.

    python bench/_consumer_child.py --nats-url URL --db PATH --durable NAME [--times-out FILE]

Applies the ledger stream's NoteWritten events to the ledger view (ledger.apply_note_written),
exactly as a service with SIHUB_RUN_WORKERS would. With --times-out it records, per note id, the
moment its handler applied it (time.monotonic(): CLOCK_MONOTONIC, the same clock in every process
of the machine) and writes them as JSON when it stops. Stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from pathlib import Path

from _support import install_uvloop, quiet_logs

from sihub_shared.db import Database
from sihub_shared.events.bus import EventBus
from sihub_shared.events.consumer import ConsumerRunner, Subscription
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.settings import async_database_url
from sihub_shared.testing.ledger import STREAM, NoteWritten, apply_note_written, create_tables


async def main(args: argparse.Namespace) -> None:
    quiet_logs()
    database = Database(async_database_url(f"sqlite:///{args.db}"))
    await create_tables(database)
    applied: dict[str, float] = {}

    async def timed_apply(session, event: CloudEvent) -> None:  # noqa: ANN001
        await apply_note_written(session, event)
        applied.setdefault(event.data["note_id"], time.monotonic())

    subscription = Subscription(
        name=args.durable,
        stream=STREAM,
        subjects=["sihub.ledger.note.>"],
        handlers={NoteWritten.event_type: timed_apply},
    )
    bus = EventBus(args.nats_url, name=f"bench-{args.durable}")
    bus.start()
    consumer = ConsumerRunner(database, bus, subscription)
    task = asyncio.create_task(consumer.run())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    if args.times_out:
        Path(args.times_out).write_text(json.dumps(applied))
    await bus.close()
    await database.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--nats-url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--durable", required=True)
    parser.add_argument("--times-out")
    install_uvloop()
    asyncio.run(main(parser.parse_args()))
