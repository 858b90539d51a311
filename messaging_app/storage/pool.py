"""A pool of database connections, lent to one borrower at a time.

The engine (engine.py) borrows a connection for each transaction and gives
it back after; a borrower that cannot get one in time gets Busy.
"""
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from messaging_app.storage.errors import Busy


class Pool:
    """Lends at most ``size`` connections, each to one borrower at a time,
    and keeps the returned ones open for the next (most recent first).

    Borrowers wait in line: a returned connection goes to the one that has
    waited longest, never to a thread that just arrived, which keeps the
    slowest requests under load close to the others. A borrower that waits
    longer than ``wait_seconds`` gets Busy, a 503, not a request that hangs.
    """

    def __init__(self, connect: Callable[[], Any], size: int,
                 wait_seconds: float) -> None:
        """Open connections with ``connect`` when none is idle."""
        self._connect = connect
        self._wait_seconds = wait_seconds
        self._free = size
        # One lock per waiting borrower, released to hand it a slot.
        self._waiting: deque[threading.Lock] = deque()
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._closed = False

    def borrow(self) -> Any:
        """Return an idle connection or a new one, once a slot is ours."""
        self._take_slot()
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        if connection is not None:
            return connection
        try:
            return self._connect()
        except BaseException:
            self._free_slot()
            raise

    def _take_slot(self) -> None:
        """Take a free slot, or wait in line for one to be handed over."""
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            ticket = threading.Lock()
            ticket.acquire()
            self._waiting.append(ticket)
        if ticket.acquire(timeout=self._wait_seconds):
            return
        with self._lock:
            try:
                self._waiting.remove(ticket)
            except ValueError:
                # Handed a slot just as the wait ran out: it is ours.
                return
        raise Busy("The database is busy; try again shortly.")

    def _free_slot(self) -> None:
        """Hand a slot to the borrower waiting longest, or free it."""
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._free += 1

    def give_back(self, connection: Any, broken: bool = False) -> None:
        """Take a connection back; close it if it is broken or the pool
        is closed."""
        with self._lock:
            keep = not (broken or self._closed)
            if keep:
                self._idle.append(connection)
        if not keep:
            close_quietly(connection)
        self._free_slot()

    def close(self) -> None:
        """Close the idle connections; those lent are closed when they
        come back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            close_quietly(connection)


def close_quietly(connection: Any) -> None:
    """Close a connection, ignoring a failure to do so."""
    try:
        connection.close()
    except Exception:
        pass
