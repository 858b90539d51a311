#!/usr/bin/env python3
"""Task 2: a decorator that makes a function one database transaction.

``transactional`` commits when the function it wraps returns and rolls back
when it raises, so a change is either saved whole or not at all. Stacked
under ``with_db_connection``, it receives the connection that decorator
opens.
"""
import functools
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from users_db import ends_quietly

with_db_connection = __import__("1-with_db_connection").with_db_connection
get_user_by_id = __import__("1-with_db_connection").get_user_by_id

Result = TypeVar("Result")


def transactional(func: Callable[..., Result]) -> Callable[..., Result]:
    """Run ``func(conn, ...)`` as one transaction on ``conn``.

    Commits if ``func`` returns; if it raises anything, rolls back and
    raises the same exception again.
    """
    @functools.wraps(func)
    def wrapper(conn: sqlite3.Connection, *args: Any,
                **kwargs: Any) -> Result:
        """Call ``func``, then commit, or roll back and re-raise."""
        try:
            result = func(conn, *args, **kwargs)
        except BaseException:
            # BaseException, not Exception: a change half made when Ctrl-C
            # arrives must not be committed either.
            conn.rollback()
            raise
        conn.commit()
        return result
    return wrapper


@with_db_connection
@transactional
def update_user_email(conn: sqlite3.Connection, user_id: int,
                      new_email: str) -> None:
    """Set the e-mail address of the user whose id is ``user_id``."""
    cursor = conn.cursor()
    cursor.execute("UPDATE users SET email = ? WHERE id = ?",
                   (new_email, user_id))


if __name__ == "__main__":
    with ends_quietly():
        update_user_email(user_id=1,
                          new_email='Crawford_Cartwright@hotmail.com')
        # A new connection reads the row back: the change was committed.
        print(get_user_by_id(user_id=1))
