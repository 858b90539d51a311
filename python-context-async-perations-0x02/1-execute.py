#!/usr/bin/env python3
"""Task 1: a reusable context manager that runs one query.

``with ExecuteQuery(query, params) as rows:`` opens the database, runs the
query with its parameters bound by SQLite (never pasted into the SQL text)
and gives the block the fetched rows; leaving the block closes everything.
"""
import contextlib
from types import TracebackType
from collections.abc import Sequence
from typing import Any, Literal

from users_db import DATABASE, ends_quietly

DatabaseConnection = __import__("0-databaseconnection").DatabaseConnection


class ExecuteQuery:
    """Run a query with parameters and hand its rows to a ``with`` block."""

    def __init__(self, query: str, params: Sequence[Any] = (),
                 db_name: str = DATABASE) -> None:
        """Remember the query, its parameters and the database file."""
        self.query = query
        self.params = tuple(params)
        self.db_name = db_name
        self.resources = contextlib.ExitStack()

    def __enter__(self) -> list[tuple[Any, ...]]:
        """Open the connection, run the query and return all its rows."""
        with contextlib.ExitStack() as opened:
            conn = opened.enter_context(DatabaseConnection(self.db_name))
            cursor = opened.enter_context(contextlib.closing(conn.cursor()))
            rows = cursor.execute(self.query, self.params).fetchall()
            # Only now that nothing can fail any more does __exit__ take
            # over the clean-up; before, leaving this block does it.
            self.resources = opened.pop_all()
        return rows

    def __exit__(self, exc_type: type[BaseException] | None,
                 exc: BaseException | None,
                 traceback: TracebackType | None) -> Literal[False]:
        """Close the cursor and the connection; never swallow an error."""
        self.resources.__exit__(exc_type, exc, traceback)
        return False


if __name__ == "__main__":
    with ends_quietly():
        with ExecuteQuery("SELECT * FROM users WHERE age > ?", (25,)) as rows:
            for row in rows:
                print(row)
