#!/usr/bin/env python3
"""Task 0: a decorator that logs every SQL query before it runs.

``log_queries`` takes the logging concern out of the function it wraps: the
function only talks to the database, the decorator writes the log line.
"""
import functools
import inspect
import sqlite3
from datetime import datetime
from collections.abc import Callable
from typing import Any, TypeVar

from users_db import ends_quietly, require_database

Result = TypeVar("Result")

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def query_argument(func: Callable[..., Any], args: tuple[Any, ...],
                   kwargs: dict[str, Any]) -> str:
    """Return the ``query`` argument of a call to ``func``.

    Binding the call to ``func``'s signature finds the query whether the
    caller passed it by keyword or by position.
    """
    bound = inspect.signature(func).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments["query"]


def log_queries(func: Callable[..., Result]) -> Callable[..., Result]:
    """Print a timestamped line with the SQL query, then call ``func``.

    ``func`` must have a parameter named ``query``. The line looks like
    ``[2026-11-26 12:00:00] Executing SQL query: SELECT * FROM users``.
    """
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Result:
        """Log the query of this call, then run the call."""
        stamp = datetime.now().strftime(TIMESTAMP_FORMAT)
        query = query_argument(func, args, kwargs)
        print(f"[{stamp}] Executing SQL query: {query}")
        return func(*args, **kwargs)
    return wrapper


@log_queries
def fetch_all_users(query: str) -> list[tuple[Any, ...]]:
    """Run ``query`` on ``users.db`` and return all the rows it selects."""
    conn = sqlite3.connect(require_database())
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


if __name__ == "__main__":
    with ends_quietly():
        users = fetch_all_users(query="SELECT * FROM users")
