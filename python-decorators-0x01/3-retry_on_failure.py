#!/usr/bin/env python3
"""Task 3: a decorator factory that retries calls that failed for a while.

``retry_on_failure(retries, delay)`` builds a decorator. A call that fails
with a transient database error, such as "database is locked" while another
connection writes, is tried again after a pause; any other error is a bug or
bad input and goes straight to the caller.
"""
import functools
import sqlite3
import time
from collections.abc import Callable
from typing import Any, TypeVar

from users_db import ends_quietly

with_db_connection = __import__("1-with_db_connection").with_db_connection

Result = TypeVar("Result")
Decorator = Callable[[Callable[..., Result]], Callable[..., Result]]


def retry_on_failure(retries: int = 3, delay: float = 2,
                     sleep: Callable[[float], Any] = time.sleep
                     ) -> Decorator:
    """Return a decorator that retries on ``sqlite3.OperationalError``.

    The decorated function is called at most ``retries + 1`` times: once,
    then once more after each failure while retries are left, with
    ``sleep(delay)`` (seconds) before each new attempt. When the last
    attempt fails too, its error is raised unchanged. Any other exception
    is raised at once, after a single call. ``sleep`` is there so that
    tests can count the pauses instead of waiting.
    """
    def decorator(func: Callable[..., Result]) -> Callable[..., Result]:
        """Wrap ``func`` in the retry loop."""
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Result:
            """Call ``func``, retrying transient database failures."""
            for _ in range(retries):
                try:
                    return func(*args, **kwargs)
                except sqlite3.OperationalError:
                    sleep(delay)
            return func(*args, **kwargs)
        return wrapper
    return decorator


@with_db_connection
@retry_on_failure(retries=3, delay=1)
def fetch_users_with_retry(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """Return every user, retrying while the database is busy."""
    cursor = conn.cursor()
    cursor.execute("SELECT * FROM users")
    return cursor.fetchall()


if __name__ == "__main__":
    with ends_quietly():
        users = fetch_users_with_retry()
        print(users)
