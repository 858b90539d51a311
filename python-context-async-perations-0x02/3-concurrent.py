#!/usr/bin/env python3
"""Task 2 (file 3): two queries at the same time with asyncio and aiosqlite.

Each ``aiosqlite`` connection runs its queries in a thread of its own, so
``asyncio.gather`` can have both queries in flight at once while the event
loop stays free.
"""
import asyncio
import sys
from collections.abc import Sequence
from typing import Any

try:
    import aiosqlite
except ImportError:
    sys.exit(f"{sys.executable} has no aiosqlite: run `make demo` at the "
             f"repository root, then run this script with its virtualenv "
             f"active (`source .venv/bin/activate` there).")

from users_db import ends_quietly, require_database

Rows = list[tuple[Any, ...]]


async def fetch_rows(query: str, params: Sequence[Any] = ()) -> Rows:
    """Run ``query`` on ``users.db`` with a connection of its own."""
    async with aiosqlite.connect(require_database()) as db:
        async with db.execute(query, params) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]


async def async_fetch_users() -> Rows:
    """Return every user."""
    return await fetch_rows("SELECT * FROM users")


async def async_fetch_older_users() -> Rows:
    """Return the users older than 40."""
    return await fetch_rows("SELECT * FROM users WHERE age > ?", (40,))


def print_rows(title: str, rows: Rows) -> None:
    """Print a title line, then one row per line."""
    print(title)
    for row in rows:
        print(row)


async def fetch_concurrently() -> tuple[Rows, Rows]:
    """Run both queries at the same time, print and return their rows."""
    users, older_users = await asyncio.gather(
        async_fetch_users(), async_fetch_older_users())
    print_rows("All users:", users)
    print_rows("Users older than 40:", older_users)
    return users, older_users


if __name__ == "__main__":
    with ends_quietly():
        # Checked once more before the event loop starts: the missing-database
        # exit raised inside a task would end the loop with a logged traceback.
        require_database()
        asyncio.run(fetch_concurrently())
