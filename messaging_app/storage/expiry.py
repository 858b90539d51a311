"""Rows that expire: each process deletes those of a table whose time has
passed (an ``expires`` column, in Unix seconds), at most once a minute,
after one of its own writes to the table.

Rate limit counts (ratelimits.py) and revoked tokens (revocations.py)
both keep rows only as long as they matter.
"""
from collections.abc import Callable

from messaging_app.storage.engine import Engine

# How often a process deletes a table's expired rows, in seconds.
SWEEP_SECONDS = 60
# The tables whose rows expire; only these names reach an SQL string.
TABLES = ("rate_counts", "revoked_tokens")


class ExpiredRows:
    """Deletes the expired rows of ``table`` now and then."""

    def __init__(self, engine: Engine, table: str,
                 clock: Callable[[], float]) -> None:
        """Sweep ``table`` of ``engine``, with ``clock`` telling Unix
        time."""
        assert table in TABLES
        self._engine = engine
        self._table = table
        self._clock = clock
        self._swept = clock()

    def now_and_then(self) -> None:
        """Sweep when the last sweep of this process is a minute old."""
        now = self._clock()
        if now - self._swept > SWEEP_SECONDS:
            self.sweep(now)

    def sweep(self, now: float) -> None:
        """Delete the rows that expired before ``now``."""
        self._swept = now
        with self._engine.transaction(write=True) as transaction:
            transaction.execute(
                f"DELETE FROM {self._table} WHERE expires < ?", (int(now),))
