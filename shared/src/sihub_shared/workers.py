"""What every long-running worker (outbox relay, consumers, webhook delivery) needs to stop."""

from __future__ import annotations

import asyncio


def raise_if_stopping() -> None:
    """Call first in a worker's catch-all. A stop cancels the worker's task, but the cancellation
    can surface as another error (the rollback of a connection cancelled mid-statement raises its
    own); caught and retried, the stop would be lost and the service's shutdown wait forever."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
