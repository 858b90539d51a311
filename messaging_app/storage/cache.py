"""A cache of pages that is never stale, across any number of processes.

Each process keeps the pages it built in memory, each with the version
number its rows had in the database when it was read. Every write that
changes such a page adds 1 to that version in the same transaction as the
write (``conversations.version`` for a conversation's messages,
``users.list_version`` for a user's list of conversations). A reader reads
the version first, one indexed row, and serves the page it keeps only when
the version is still the same; otherwise it builds the page again. A write
through any process is thus seen by the next read through every process.

A page is built after its version is read, so it is never older than the
version it is kept under: at worst newer, and then replaced at the next
read.
"""
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Any

from messaging_app.storage.engine import Engine, Transaction, placeholders

# What one process keeps at most, in characters of JSON (or an estimate).
DEFAULT_BUDGET = 32 << 20


class VersionedCache:
    """Values kept under a key with the version they were built at; the
    least recently used go first once the budget is spent."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        """Keep values of ``budget`` total size at most."""
        self._budget = budget
        self._used = 0
        self._entries: OrderedDict[Hashable, tuple[int, Any, int]] = \
            OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: int) -> Any:
        """Return the value kept under ``key`` at ``version``, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is None or found[0] != version:
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: Hashable, version: int, value: Any,
            size: int) -> None:
        """Keep ``value`` (of about ``size`` characters) under ``key`` at
        ``version``, dropping the least recently used to make room."""
        if size > self._budget:
            return
        with self._lock:
            old = self._entries.get(key)
            if old is not None and old[0] > version:
                return  # a newer page came first: keep it
            if old is not None:
                del self._entries[key]
                self._used -= old[2]
            self._entries[key] = (version, value, size)
            self._used += size
            while self._used > self._budget:
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._used -= dropped


def conversation_version(engine: Engine, conversation_id: str) -> int | None:
    """Return the version of a conversation's messages, or None when
    there is no such conversation."""
    rows = engine.query(
        "SELECT version FROM conversations WHERE conversation_id = ?",
        (conversation_id,))
    return int(rows[0][0]) if rows else None


def list_version(engine: Engine, user_id: str) -> int | None:
    """Return the version of a user's list of conversations, or None when
    there is no such user."""
    rows = engine.query("SELECT list_version FROM users WHERE user_id = ?",
                        (user_id,))
    return int(rows[0][0]) if rows else None


def touch_list(transaction: Transaction, user_id: str) -> None:
    """Make a user's kept list of conversations stale."""
    transaction.execute(
        "UPDATE users SET list_version = list_version + 1 "
        "WHERE user_id = ?", (user_id,))


def touch_lists(transaction: Transaction, user_ids: Sequence[str]) -> None:
    """Make the kept lists of these users stale (their unread counts, or
    one of their conversations, changed). The ids are named, not found by
    a subquery, so that MariaDB locks their rows alone, in one order."""
    if user_ids:
        ordered = sorted(set(user_ids))
        transaction.execute(
            f"UPDATE users SET list_version = list_version + 1 "
            f"WHERE user_id IN ({placeholders(ordered)})",
            ordered)
