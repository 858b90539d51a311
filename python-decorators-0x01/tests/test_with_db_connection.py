#!/usr/bin/env python3
"""Tests of ``with_db_connection`` (1-with_db_connection.py)."""
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tools.scripts import load_script, run_script


FOLDER = Path(__file__).resolve().parent.parent
task = load_script(FOLDER / "1-with_db_connection.py")


def assert_closed(conn: sqlite3.Connection) -> None:
    """Prove that ``conn`` is closed: using it fails."""
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        conn.execute("SELECT 1")


def test_the_connection_is_closed_after_success(users_db: Path) -> None:
    """The function gets an open connection, closed once it returns."""
    seen: list[sqlite3.Connection] = []

    @task.with_db_connection
    def count_users(conn: sqlite3.Connection) -> int:
        """Remember the connection and count the users through it."""
        seen.append(conn)
        return conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]

    assert count_users() == 36
    assert_closed(seen[0])


def test_the_connection_is_closed_after_an_exception(users_db: Path) -> None:
    """The function's exception goes through; the connection is closed."""
    seen: list[sqlite3.Connection] = []

    @task.with_db_connection
    def fail(conn: sqlite3.Connection) -> None:
        """Remember the connection, then fail."""
        seen.append(conn)
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        fail()
    assert_closed(seen[0])


def test_get_user_by_id_returns_the_row_or_none(users_db: Path) -> None:
    """The sample function returns user 1's row, and None for no user."""
    assert task.get_user_by_id(user_id=1) == (
        1, "Odile Marchetti", "odile.marchetti@example.com", 34)
    assert task.get_user_by_id(999) is None


def test_a_missing_database_is_not_created(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without users.db the call stops with the sentence, creating nothing."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match=r"^users\.db (is in|not found)"):
        task.get_user_by_id(user_id=1)
    assert list(tmp_path.iterdir()) == []


def test_running_the_script_prints_user_1(folder_copy: Any) -> None:
    """./1-with_db_connection.py prints the row of the user with id 1."""
    done = run_script(folder_copy(FOLDER) / "1-with_db_connection.py")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "(1, 'Odile Marchetti', 'odile.marchetti@example.com', 34)\n")
