"""The write probe: does the database still accept writes?

A database that turned read-only, or whose file cannot grow, still
answers ``SELECT 1``: only a write tells. The probe writes a row that needs
a page of its own into the ``write_probe`` table and rolls it back, so
nothing stays. It takes the write lock that posts wait for, so its verdict
is kept for a second (per process) and a flood of health checks costs at
most one probe a second.
"""
import threading
import time
from collections.abc import Callable

from messaging_app.storage.engine import Engine
from messaging_app.storage.errors import Busy, Unavailable

# Larger than a page of SQLite (4 KiB by default, 8 KiB at most here), so
# the row needs a new page: a file that cannot grow is found full.
FILLER = "x" * 8192


class WriteProbe:
    """The ``write_probe`` table, which stays empty."""

    # Seconds a verdict is kept before the next probe.
    seconds = 1.0

    def __init__(self, engine: Engine,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """Probe ``engine``; ``clock`` tells when the last probe ran."""
        self._engine = engine
        self._clock = clock
        self._lock = threading.Lock()
        self._probed_at: float | None = None
        self._verdict: Unavailable | None = None

    def check(self) -> None:
        """Raise Unavailable (saying why) when the database refuses
        writes, as the last probe found it or a new one finds it."""
        with self._lock:
            now = self._clock()
            if self._probed_at is None or now - self._probed_at >= \
                    self.seconds:
                self._verdict = self._probe()
                self._probed_at = now
            verdict = self._verdict
        if verdict is not None:
            kind = Busy if isinstance(verdict, Busy) else Unavailable
            raise kind(str(verdict))

    def _probe(self) -> Unavailable | None:
        """Write a row and roll it back; return what went wrong."""
        try:
            with self._engine.transaction(write=True) as transaction:
                transaction.execute(
                    "INSERT INTO write_probe (filler) VALUES (?)",
                    (FILLER,))
                transaction.discard()
        except Unavailable as error:
            return error
        return None
