#!/usr/bin/env python3
"""Tests of ``DatabaseConnection`` (0-databaseconnection.py)."""
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tools.scripts import load_script, run_script
from tools.users_db import sample_users


FOLDER = Path(__file__).resolve().parent.parent
task = load_script(FOLDER / "0-databaseconnection.py")


def age_of_user_1(database: Path) -> int:
    """Read user 1's age through a connection of its own."""
    conn = sqlite3.connect(database)
    try:
        return conn.execute("SELECT age FROM users WHERE id = 1").fetchone()[0]
    finally:
        conn.close()


def test_the_connection_is_closed_after_the_block(users_db: Path) -> None:
    """Inside the block the connection works; after it, it is closed."""
    with task.DatabaseConnection() as conn:
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone() == (36,)
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        conn.execute("SELECT 1")


def test_writes_of_a_successful_block_persist(users_db: Path) -> None:
    """Leaving the block normally commits."""
    with task.DatabaseConnection(str(users_db)) as conn:
        conn.execute("UPDATE users SET age = 35 WHERE id = 1")
    assert age_of_user_1(users_db) == 35


def test_an_exception_propagates_and_its_writes_are_rolled_back(
        users_db: Path) -> None:
    """The block's own exception comes out; its write is undone."""
    error = RuntimeError("stop half-way")
    with pytest.raises(RuntimeError) as raised:
        with task.DatabaseConnection() as conn:
            conn.execute("UPDATE users SET age = 35 WHERE id = 1")
            raise error
    assert raised.value is error
    assert age_of_user_1(users_db) == 34
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        conn.execute("SELECT 1")


def test_a_missing_database_is_not_created(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Entering the block without users.db stops with the sentence."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match=r"^users\.db (is in|not found)"):
        with task.DatabaseConnection():
            pass
    assert list(tmp_path.iterdir()) == []


def test_running_the_script_prints_every_user(folder_copy: Any) -> None:
    """./0-databaseconnection.py prints each user on a line of its own."""
    done = run_script(folder_copy(FOLDER) / "0-databaseconnection.py")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [str(row) for row in sample_users()]


def test_the_script_stops_with_one_sentence_without_the_database(
        stops_without_database: Any) -> None:
    """No users.db: nothing on stdout, the sentence on stderr, status 1."""
    assert stops_without_database(FOLDER, "0-databaseconnection.py") == ""
