"""When to try a request again, and how long to wait first."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    """Tries per request, the first one included."""
    backoff: float = 1.0
    """Seconds before the second try; doubled before each further one (with jitter)."""
    max_delay: float = 60.0
    """The longest wait, ours or the receiver's Retry-After."""

    def wait_before_retry(self, tries_so_far: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next try; None when the receiver asks for a longer wait
        than `max_delay` (the request is then reported as not delivered, not cut short)."""
        if retry_after is not None:
            return retry_after if retry_after <= self.max_delay else None
        exponential = min(self.backoff * 2 ** (tries_so_far - 1), self.max_delay)
        return exponential * random.uniform(0.5, 1.0)
