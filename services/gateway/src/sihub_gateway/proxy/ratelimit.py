"""Per-key token buckets: `rate` requests a second on average, bursts up to `burst`.

In memory, per gateway process: with N replicas a key may get up to N times the rate. That is
the usual trade for a limiter that costs nothing on the hot path; a shared limiter would need
a shared store.
"""

from __future__ import annotations

import math
import time


class TokenBuckets:
    def __init__(self, rate_per_s: float, burst: int) -> None:
        self.rate = rate_per_s
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """Take one token; returns 0 when allowed, else the seconds to wait before retrying."""
        now = time.monotonic()
        tokens, updated = self._buckets.get(key, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - updated) * self.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / self.rate

    @staticmethod
    def retry_after_header(wait_s: float) -> str:
        return str(max(1, math.ceil(wait_s)))
