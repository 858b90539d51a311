#!/usr/bin/env python3
"""Tests of ``retry_on_failure`` (3-retry_on_failure.py).

The failures are real: another connection holds an exclusive lock on
``users.db``, so reading fails with "database is locked". The pauses are
counted by an injected ``sleep`` instead of being waited for; the one that
releases the lock is the pause after the failures the test wants.
"""
import sqlite3
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tools.scripts import load_script, run_script
from tools.users_db import sample_users


FOLDER = Path(__file__).resolve().parent.parent
task = load_script(FOLDER / "3-retry_on_failure.py")


@pytest.fixture
def lock(users_db: Path) -> Iterator[sqlite3.Connection]:
    """Hold an exclusive lock on the database until the test releases it."""
    holder = sqlite3.connect(users_db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield holder
    holder.close()


class Attempts:
    """A function counting its calls, which reads users.db without waiting.

    ``errors`` keeps every exception a call raised, in order.
    """

    def __init__(self, database: Path) -> None:
        """Remember the database file to read."""
        self.database = database
        self.errors: list[BaseException] = []

    def __call__(self) -> int:
        """Count the users; fail at once when the database is locked."""
        conn = sqlite3.connect(self.database, timeout=0)
        try:
            return conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]
        except BaseException as error:
            self.errors.append(error)
            raise
        finally:
            conn.close()

    @property
    def count(self) -> int:
        """Return how many calls there were (each one that failed, + 1)."""
        return len(self.errors) + 1


def pauses_releasing(lock: sqlite3.Connection, after: int,
                     pauses: list[float]) -> Callable[[float], None]:
    """Return a ``sleep`` that records its delay and, at pause ``after``,
    releases the lock."""
    def sleep(seconds: float) -> None:
        """Record the pause instead of waiting."""
        pauses.append(seconds)
        if len(pauses) == after:
            lock.execute("COMMIT")
    return sleep


def test_two_failures_then_success_make_three_calls(
        users_db: Path, lock: sqlite3.Connection) -> None:
    """Locked twice, then released: three calls and two pauses of delay."""
    pauses: list[float] = []
    attempts = Attempts(users_db)
    count_users = task.retry_on_failure(
        retries=3, delay=1, sleep=pauses_releasing(lock, 2, pauses))(
            attempts)
    assert count_users() == 36
    assert attempts.count == 3
    assert pauses == [1, 1]


def test_a_lasting_failure_makes_retries_plus_one_calls(
        users_db: Path, lock: sqlite3.Connection) -> None:
    """Still locked after every retry: 4 calls, 3 pauses, the last error."""
    pauses: list[float] = []
    attempts = Attempts(users_db)
    count_users = task.retry_on_failure(
        retries=3, delay=2, sleep=pauses.append)(attempts)
    with pytest.raises(sqlite3.OperationalError, match="locked") as raised:
        count_users()
    assert len(attempts.errors) == 4
    assert raised.value is attempts.errors[-1]
    assert pauses == [2, 2, 2]


def test_other_errors_are_not_retried() -> None:
    """A ValueError goes straight through after one call, with no pause."""
    pauses: list[float] = []
    calls: list[int] = []

    @task.retry_on_failure(retries=3, delay=1, sleep=pauses.append)
    def reject() -> None:
        """Fail as bad input does."""
        calls.append(1)
        raise ValueError("not a user id")

    with pytest.raises(ValueError, match="not a user id"):
        reject()
    assert (calls, pauses) == ([1], [])


def test_the_sample_stack_returns_every_user(users_db: Path) -> None:
    """with_db_connection above retry_on_failure works as written."""
    assert task.fetch_users_with_retry() == sample_users()


def test_running_the_script_prints_every_user(folder_copy: Any) -> None:
    """./3-retry_on_failure.py prints the list of all the users."""
    done = run_script(folder_copy(FOLDER) / "3-retry_on_failure.py")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == str(sample_users()) + "\n"
