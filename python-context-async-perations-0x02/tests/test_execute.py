#!/usr/bin/env python3
"""Tests of ``ExecuteQuery`` (1-execute.py) on a real ``users.db``."""
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tools.scripts import load_script, run_script
from tools.users_db import sample_users


FOLDER = Path(__file__).resolve().parent.parent
task = load_script(FOLDER / "1-execute.py")

OVER_25 = "SELECT * FROM users WHERE age > ?"


def open_handles(database: Path) -> int:
    """Count this process's open file descriptors on ``database``."""
    target = os.path.realpath(database)
    return sum(os.path.realpath("/proc/self/fd/" + fd) == target
               for fd in os.listdir("/proc/self/fd"))


def test_it_returns_exactly_the_users_over_the_threshold(
        users_db: Path) -> None:
    """28 of the 36 users are older than 25; 25 itself is not over it."""
    with task.ExecuteQuery(OVER_25, (25,)) as rows:
        assert len(rows) == 28
        assert rows == [user for user in sample_users() if user[3] > 25]
        assert 4 not in [row[0] for row in rows]


@pytest.mark.parametrize("hostile", ["25 OR 1=1", "'; DROP TABLE users; --"])
def test_hostile_input_is_only_a_value(users_db: Path, hostile: str) -> None:
    """Text compared with ages matches no one and changes nothing."""
    with task.ExecuteQuery(OVER_25, (hostile,)) as rows:
        assert rows == []
    with task.ExecuteQuery("SELECT COUNT(*) FROM users") as rows:
        assert rows == [(36,)]


def test_the_connection_is_open_in_the_block_and_closed_after(
        users_db: Path) -> None:
    """The database file is held open by the block, and only by it."""
    assert open_handles(users_db) == 0
    with task.ExecuteQuery(OVER_25, [40]) as rows:
        assert len(rows) == 14
        assert open_handles(users_db) == 1
    assert open_handles(users_db) == 0


def test_a_failing_query_raises_and_leaves_nothing_open(
        users_db: Path) -> None:
    """An error in __enter__ still closes the connection it opened."""
    with pytest.raises(sqlite3.OperationalError, match="no such column"):
        with task.ExecuteQuery("SELECT salary FROM users"):
            pass
    assert open_handles(users_db) == 0


def test_a_write_is_committed_when_the_block_succeeds(users_db: Path) -> None:
    """ExecuteQuery runs on DatabaseConnection, so a block is a transaction.
    """
    with task.ExecuteQuery("UPDATE users SET age = ? WHERE id = ?", (26, 4)):
        pass
    with task.ExecuteQuery(OVER_25, (25,)) as rows:
        assert len(rows) == 29


def test_running_the_script_prints_the_users_over_25(
        folder_copy: Any) -> None:
    """./1-execute.py prints the users older than 25, one per line."""
    done = run_script(folder_copy(FOLDER) / "1-execute.py")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        str(user) for user in sample_users() if user[3] > 25]
    assert len(done.stdout.splitlines()) == 28


def test_the_script_stops_with_one_sentence_without_the_database(
        stops_without_database: Any) -> None:
    """No users.db: nothing on stdout, the sentence on stderr, status 1."""
    assert stops_without_database(FOLDER, "1-execute.py") == ""
