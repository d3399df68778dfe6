"""Stream provisioning: one file-backed stream per publishing service, with a duplicate window."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from sihub_shared.events.contracts import stream_name


async def ensure_stream(
    js: JetStreamContext, service: str, *, duplicate_window_s: float = 600, replicas: int = 1
) -> StreamConfig:
    config = StreamConfig(
        name=stream_name(service),
        subjects=[f"sihub.{service}.>"],
        storage=StorageType.FILE,
        # The broker drops a message whose Nats-Msg-Id it saw within this window: it must outlast
        # the longest time a relay may take to come back and republish an unmarked batch.
        duplicate_window=duplicate_window_s,
        num_replicas=replicas,
    )
    try:
        await js.stream_info(config.name)
    except NotFoundError:
        await js.add_stream(config)
    else:
        await js.update_stream(config)
    return config
