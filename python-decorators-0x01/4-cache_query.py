#!/usr/bin/env python3
"""Task 4: a decorator that caches query results.

``cache_query`` remembers the rows of each query (with its parameters) in
the module's ``query_cache``, so an identical second call is answered from
memory without touching the database.
"""
import functools
import inspect
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from users_db import ends_quietly

with_db_connection = __import__("1-with_db_connection").with_db_connection

Result = TypeVar("Result")

query_cache: dict[tuple[Any, ...], Any] = {}


def cache_key(func: Callable[..., Any], args: tuple[Any, ...],
              kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Name a call by its function, its query and the arguments after it.

    ``args`` and ``kwargs`` are the call's arguments without the connection
    (a new connection gives the same rows). Binding them to ``func``'s
    signature gives one key however they were passed; lists of parameters
    become tuples so that the key can index a dict. The function is part of
    the key because two cached functions may do different things with the
    rows of one query.
    """
    parameters = list(inspect.signature(func).parameters.values())[1:]
    bound = inspect.Signature(parameters).bind(*args, **kwargs)
    bound.apply_defaults()
    return (func,) + tuple(
        tuple(value) if isinstance(value, list) else value
        for value in bound.arguments.values())


def cache_query(func: Callable[..., Result]) -> Callable[..., Result]:
    """Return the cached rows of ``func(conn, query, ...)`` when it has any.

    The first call with a given query and parameters runs ``func`` and
    stores its result in ``query_cache``; later identical calls return the
    stored result. Nothing expires: this suits data that does not change
    while the program runs.
    """
    @functools.wraps(func)
    def wrapper(conn: sqlite3.Connection, *args: Any,
                **kwargs: Any) -> Result:
        """Answer from ``query_cache``, filling it on the first call."""
        key = cache_key(func, args, kwargs)
        if key not in query_cache:
            query_cache[key] = func(conn, *args, **kwargs)
        return query_cache[key]
    return wrapper


@with_db_connection
@cache_query
def fetch_users_with_cache(conn: sqlite3.Connection,
                           query: str) -> list[tuple[Any, ...]]:
    """Return the rows of ``query``, from the cache after the first call."""
    cursor = conn.cursor()
    cursor.execute(query)
    return cursor.fetchall()


if __name__ == "__main__":
    with ends_quietly():
        users = fetch_users_with_cache(query="SELECT * FROM users")
        users_again = fetch_users_with_cache(query="SELECT * FROM users")
        print(f"{len(users_again)} users; second call answered from the "
              f"cache: {users_again is users}")
