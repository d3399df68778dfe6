"""Reading the published events straight from JetStream: message by message, by stream sequence
(`$JS.API.STREAM.MSG.GET`, the one read the gateway's NATS user is given besides its consumers)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from sihub_shared.events.contracts import stream_name


@dataclass(frozen=True)
class StoredEvent:
    service: str
    sequence: int
    raw: bytes  # the CloudEvent exactly as published
    event: dict[str, Any]  # the same, parsed


class EventStreams:
    def __init__(self, js: JetStreamContext) -> None:
        self.js = js

    async def last_sequence(self, service: str) -> int:
        """The stream's last sequence; 0 while the service has published nothing."""
        try:
            info = await self.js.stream_info(stream_name(service))
        except NotFoundError:
            return 0
        return info.state.last_seq

    async def after(self, service: str, sequence: int, *, until: int) -> AsyncIterator[StoredEvent]:
        """Every event of the service's stream with a sequence in (sequence, until], oldest first."""
        while sequence < until:
            try:
                message = await self.js.get_msg(
                    stream_name(service), seq=sequence + 1, next=True, subject=f"sihub.{service}.>"
                )
            except NotFoundError:
                return
            if message.seq is None or message.seq > until:
                return
            sequence = message.seq
            raw = message.data or b"{}"
            yield StoredEvent(service, sequence, raw, json.loads(raw))
