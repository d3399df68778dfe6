"""Chaos: the broker is SIGKILLed and restarted three times while events flow through the outbox.

    uv run python bench/chaos_broker.py [--events 20000] [--rate 1000] [--kills 3] [--down-seconds 1]

As sihub runs: this process is the producing service (a writer committing notes through the
outbox with `record()`, ledger.write_notes, on SQLite, at `rate` events/s, and `relay.run()`
publishing them); the consuming service is another process (bench/_consumer_child.py: a
ConsumerRunner applying them to the ledger view in its own SQLite file). Our own nats-server
(file store in a temp dir) is SIGKILLed `kills` times, spread evenly over the events written, and
restarted on the same port and store after `down-seconds`. At the end we wait (bounded) until the
outbox is drained and the consumer has caught up, then count:

    sent        events written (committed notes)
    applied     distinct sent notes in the consumer's view
    lost        sent - applied                                                (goal 0)
    duplicated  view rows applied more than once (times_applied > 1)          (goal 0)

plus what the broker holds (`stream_messages`: more than `sent` means a republish escaped the
duplicate window) and what is left unpublished. Baseline: the same run's quiet period before the
first kill (`quiet_apply_per_s`) against the whole run (`end_to_end_per_s`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from _support import (
    emit,
    install_uvloop,
    prepared_ledger_database,
    quiet_logs,
    say,
    start_consumer_child,
    stop_child,
    view_count,
    wait_for_durable,
)

from sihub_shared.events.bus import EventBus
from sihub_shared.events.relay import OutboxRelay
from sihub_shared.events.streams import ensure_stream
from sihub_shared.natsserver import NatsServer
from sihub_shared.settings import ServiceSettings
from sihub_shared.testing.ledger import STREAM, unpublished_count, view_rows, write_notes

WRITE_EVERY_S = 0.005
WRITE_MAX_PER_COMMIT = 200  # a writer that fell behind catches up in larger transactions
CATCH_UP_TIMEOUT_S = 120.0
DURABLE = "chaos-view"


def task_error(task: asyncio.Task) -> str | None:
    if not task.done():
        return None
    if task.cancelled():
        return "cancelled"
    exc = task.exception()
    return repr(exc) if exc else "returned"


async def main(args: argparse.Namespace) -> dict[str, object]:
    quiet_logs()
    defaults = ServiceSettings.model_fields
    with tempfile.TemporaryDirectory(prefix="sihub-chaos-") as tmp_name:
        tmp = Path(tmp_name)
        server = NatsServer(tmp / "nats", log_file=tmp / "nats.log")
        server.start()
        say(f"nats-server on port {server.port}, file store in {tmp}/nats")
        producer_db = await prepared_ledger_database(f"sqlite:///{tmp}/producer.db")
        consumer_path = tmp / "consumer.db"
        consumer_db = await prepared_ledger_database(f"sqlite:///{consumer_path}")  # read here, written by the child
        bus = EventBus(server.url, name="chaos-producer")
        bus.start()
        await asyncio.wait_for(bus.wait_connected(), 10)
        await ensure_stream(bus.jetstream, "ledger", duplicate_window_s=defaults["stream_duplicate_window_s"].default)
        child = start_consumer_child(server.url, consumer_path, DURABLE)
        await wait_for_durable(bus, STREAM, DURABLE, timeout_s=90)
        relay = OutboxRelay(producer_db, bus, service="ledger", batch_size=defaults["relay_batch_size"].default)
        relay_task = asyncio.create_task(relay.run(), name="relay")

        total, rate = args.events, args.rate
        write_s = total / rate
        kill_after = [total * (k + 1) // (args.kills + 1) for k in range(args.kills)]
        say(f"writing {total} events at {rate:.0f}/s (~{write_s:.0f}s); SIGKILL after "
            + ", ".join(f"{n}" for n in kill_after) + f" events, {args.down_seconds}s down each")

        sent: list[str] = []
        quiet_applied: tuple[float, int] | None = None
        restarts: list[dict[str, float]] = []
        started = time.monotonic()

        async def chaos() -> None:
            nonlocal quiet_applied
            for threshold in kill_after:
                while len(sent) < threshold:
                    await asyncio.sleep(0.05)
                if quiet_applied is None:
                    quiet_applied = (time.monotonic() - started, await view_count(consumer_db))
                killed = time.monotonic()
                server.stop(kill=True)
                say(f"SIGKILL nats-server ({len(sent)} events written so far)")
                await asyncio.sleep(args.down_seconds)
                await asyncio.to_thread(server.start)
                restarts.append({"at_s": round(killed - started, 2), "down_s": round(time.monotonic() - killed, 2)})
                say(f"nats-server restarted ({len(restarts)}/{len(kill_after)})")

        chaos_task = asyncio.create_task(chaos(), name="chaos")
        try:
            while len(sent) < total:
                due = min(total, int((time.monotonic() - started) * rate) + 1) - len(sent)
                if due > 0:
                    sent += await write_notes(producer_db, min(due, WRITE_MAX_PER_COMMIT))
                await asyncio.sleep(WRITE_EVERY_S)
            written_s = time.monotonic() - started
            say(f"wrote {len(sent)} events in {written_s:.1f}s ({len(sent) / written_s:,.0f}/s)")
            await chaos_task

            deadline = time.monotonic() + CATCH_UP_TIMEOUT_S
            last_report = 0.0
            while time.monotonic() < deadline:
                left, applied_now = await unpublished_count(producer_db), await view_count(consumer_db)
                if left == 0 and applied_now >= len(sent):
                    break
                if time.monotonic() - last_report > 5:
                    say(f"catching up: {left} unpublished, {applied_now}/{len(sent)} applied")
                    last_report = time.monotonic()
                await asyncio.sleep(0.2)
            caught_up_s = time.monotonic() - started
            # A late redelivery would show as a duplicate: give one a moment to arrive, then count.
            await asyncio.sleep(2)
            relay_error = task_error(relay_task)
        finally:
            for task in (relay_task, chaos_task):
                task.cancel()
            await asyncio.gather(relay_task, chaos_task, return_exceptions=True)
            consumer_exit = stop_child(child)

        view = await view_rows(consumer_db)
        left = await unpublished_count(producer_db)
        try:
            stream_messages: int | str = (await bus.jetstream.stream_info(STREAM)).state.messages
        except Exception as exc:  # noqa: BLE001 - reported, not fatal
            stream_messages = f"unavailable: {exc!r}"
        await bus.close()
        await producer_db.dispose()
        await consumer_db.dispose()
        server.stop(kill=True)

    sent_set = set(sent)
    applied = len(sent_set & set(view))
    duplicated = sum(1 for _, times in view.values() if times > 1)
    result = {
        "bench": "chaos_broker",
        "sent": len(sent),
        "applied": applied,
        "lost": len(sent) - applied,
        "duplicated": duplicated,
        "broker_restarts": len(restarts),
        "seconds": round(caught_up_s, 1),
        "write_rate_per_s": round(len(sent) / written_s),
        "end_to_end_per_s": round(len(sent) / caught_up_s),
        "quiet_apply_per_s": round(quiet_applied[1] / quiet_applied[0]) if quiet_applied else None,
        "unexpected_in_view": len(set(view) - sent_set),
        "unpublished_left": left,
        "stream_messages": stream_messages,
        "restarts": restarts,
        "relay_error": relay_error,
        "consumer_exit_code": consumer_exit,
        "goals": {"lost": 0, "duplicated": 0},
    }
    say(f"sent {result['sent']}, applied {applied}, lost {result['lost']}, duplicated {duplicated}, "
        f"stream holds {stream_messages}, {left} left unpublished")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=1_000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--down-seconds", type=float, default=1.0)
    arguments = parser.parse_args()
    install_uvloop()
    emit(asyncio.run(main(arguments)))
    sys.exit(0)
