#!/usr/bin/env python3
"""Task 0: a class-based context manager for a database connection.

``with DatabaseConnection() as conn:`` opens a connection to ``users.db``;
leaving the block commits what the block wrote if it succeeded, rolls it
back if it raised, and closes the connection in both cases.
"""
import sqlite3
from types import TracebackType
from typing import Literal

from users_db import DATABASE, ends_quietly, require_database


class DatabaseConnection:
    """A SQLite connection whose block is one transaction."""

    def __init__(self, db_name: str = DATABASE) -> None:
        """Remember which database file the ``with`` block will open."""
        self.db_name = db_name
        self.connection: sqlite3.Connection | None = None

    def __enter__(self) -> sqlite3.Connection:
        """Open the connection and give it to the ``with`` block."""
        self.connection = sqlite3.connect(require_database(self.db_name))
        return self.connection

    def __exit__(self, exc_type: type[BaseException] | None,
                 exc: BaseException | None,
                 traceback: TracebackType | None) -> Literal[False]:
        """Commit or roll back, close, and let any exception go on.

        Returning False tells Python not to swallow the block's exception.
        """
        assert self.connection is not None  # __enter__ opened it
        try:
            if exc_type is None:
                self.connection.commit()
            else:
                self.connection.rollback()
        finally:
            self.connection.close()
        return False


if __name__ == "__main__":
    with ends_quietly():
        with DatabaseConnection() as conn:
            rows = conn.execute("SELECT * FROM users").fetchall()
        for row in rows:
            print(row)
