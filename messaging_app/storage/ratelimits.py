"""Rate limits, counted in the database so that every process and every
machine sees the same counts.

A limit allows at most ``limit`` hits per key within any ``window``
seconds. Time is cut into buckets of a tenth of the window; a hit adds 1
to its bucket's row, and the hits of the last ten buckets are summed. The
oldest of them counts in full even once part of it has left the window,
so a client may be refused up to a tenth of the window early, never let
through late. A refused hit is rolled back: it does not count.
"""
import time
from collections.abc import Callable

from messaging_app.storage.engine import Engine
from messaging_app.storage.expiry import ExpiredRows

BUCKETS = 10


class RateLimits:
    """The ``rate_counts`` table."""

    def __init__(self, engine: Engine,
                 clock: Callable[[], float] = time.time) -> None:
        """Count on ``engine``, with ``clock`` telling the time (Unix
        seconds, the same on every machine)."""
        self._engine = engine
        self._clock = clock
        self._expired = ExpiredRows(engine, "rate_counts", clock)

    def hit(self, key: str, limit: int, window: float) -> float | None:
        """Count one hit of ``key``; return None when it is allowed, or
        how many seconds to wait before the next one is."""
        now = self._clock()
        width = window / BUCKETS
        bucket = int(now // width)
        # The window is part of the key: buckets of other widths do not mix.
        stored_key = f"{key}/{window:g}"
        with self._engine.transaction(write=True) as transaction:
            transaction.execute(
                transaction.dialect.increment(
                    "rate_counts", ("limit_key", "bucket", "expires"),
                    "hits", ("limit_key", "bucket")),
                (stored_key, bucket, int((bucket + BUCKETS) * width) + 1))
            counts = transaction.rows(
                "SELECT bucket, hits FROM rate_counts "
                "WHERE limit_key = ? AND bucket > ? ORDER BY bucket",
                (stored_key, bucket - BUCKETS))
            wait = wait_seconds(counts, limit, now, width)
            if wait is not None:
                transaction.discard()
        self._expired.now_and_then()
        return wait

    def sweep(self, now: float) -> None:
        """Delete the rows of buckets that every window has left."""
        self._expired.sweep(now)


def wait_seconds(counts: list[tuple[int, int]], limit: int, now: float,
                 width: float) -> float | None:
    """Return None when ``counts`` (this hit included) stay within the
    limit; otherwise how long until enough of the oldest buckets leave the
    window for one more hit."""
    excess = sum(hits for _, hits in counts) - limit
    if excess <= 0:
        return None
    for bucket, hits in counts:
        excess -= hits
        if excess <= 0:
            return max((bucket + BUCKETS) * width - now, 0.0)
    return float(BUCKETS * width)
