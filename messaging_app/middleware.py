"""The curriculum's middleware: rate limit, open hours and a role gate.
The last two are off unless their settings are given. The request log has
a module of its own, ``requestlog.py``.
"""
import math
import threading
import time
from collections import deque
from datetime import datetime
from typing import Callable, Deque, Dict, Optional, Tuple

from messaging_app.errors import Forbidden, TooManyRequests
from messaging_app.settings import RateLimit


class RateLimiter:
    """A sliding window: at most ``limit`` hits per window per client."""

    # How often forgotten clients are swept out of memory.
    SWEEP_EVERY = 1024

    def __init__(self, rate: RateLimit,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """Allow ``rate.limit`` hits per ``rate.window_seconds``."""
        self._rate = rate
        self._clock = clock
        self._hits: Dict[str, Deque[float]] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def hit(self, client: str) -> None:
        """Count one hit by ``client``; 429 when over the limit."""
        now = self._clock()
        with self._lock:
            self._calls += 1
            if self._calls % self.SWEEP_EVERY == 0:
                self._sweep(now)
            hits = self._hits.setdefault(client, deque())
            self._forget_old(hits, now)
            if len(hits) >= self._rate.limit:
                wait = hits[0] + self._rate.window_seconds - now
                raise TooManyRequests(max(1, math.ceil(wait)))
            hits.append(now)

    def _forget_old(self, hits: Deque[float], now: float) -> None:
        """Drop the hits that have left the window."""
        while hits and hits[0] <= now - self._rate.window_seconds:
            hits.popleft()

    def _sweep(self, now: float) -> None:
        """Forget clients whose hits have all left the window."""
        for client in list(self._hits):
            self._forget_old(self._hits[client], now)
            if not self._hits[client]:
                del self._hits[client]


def check_open_hours(hours: Optional[Tuple[int, int]],
                     now: Optional[datetime] = None) -> None:
    """Refuse with 403 outside the open hours (server's local time).

    ``(21, 6)`` is open through the night.
    """
    if hours is None:
        return
    start, end = hours
    hour = (now or datetime.now()).hour
    is_open = (start <= hour < end if start < end
               else hour >= start or hour < end)
    if not is_open:
        raise Forbidden("The chat is open from {:02d}:00 to {:02d}:00 only."
                        .format(start, end))


def check_role(allowed: Tuple[str, ...], user: dict) -> None:
    """Refuse with 403 a user whose role is not among ``allowed``."""
    if allowed and user["role"] not in allowed:
        raise Forbidden("Your role may not use this API.")
