#!/usr/bin/env python3
"""Task 1: a decorator that opens and closes the database connection.

``with_db_connection`` hands a fresh connection to ``users.db`` to the
function it wraps and closes it afterwards, also when the function raises,
so that no business function ever opens or forgets to close one.
"""
import functools
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from users_db import ends_quietly, require_database

Result = TypeVar("Result")


def with_db_connection(func: Callable[..., Result]) -> Callable[..., Result]:
    """Call ``func(conn, *args, **kwargs)`` with a new connection.

    The connection goes to ``users.db`` in the current folder and is closed
    once ``func`` returns or raises.
    """
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Result:
        """Open a connection, pass it first to the call, always close it."""
        conn = sqlite3.connect(require_database())
        try:
            return func(conn, *args, **kwargs)
        finally:
            conn.close()
    return wrapper


@with_db_connection
def get_user_by_id(conn: sqlite3.Connection,
                   user_id: int) -> tuple[Any, ...] | None:
    """Return the user whose id is ``user_id``, or None if there is none."""
    cursor = conn.cursor()
    cursor.execute("SELECT * FROM users WHERE id = ?", (user_id,))
    return cursor.fetchone()


if __name__ == "__main__":
    with ends_quietly():
        user = get_user_by_id(user_id=1)
        print(user)
