#!/usr/bin/env python3
"""Tests of the asynchronous queries (3-concurrent.py).

The proof that ``asyncio.gather`` has both queries in flight at once uses no
clock: each query, in its connection's thread, waits at a barrier for the
other one to start. Run together they meet and go on; run one after the
other, the first would wait forever, so the barrier gives up and the test
shows that too.
"""
import asyncio
import sqlite3
import threading
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from tools.scripts import load_script, run_script
from tools.users_db import sample_users


FOLDER = Path(__file__).resolve().parent.parent
task = load_script(FOLDER / "3-concurrent.py")

OLDER_THAN_40 = [3, 7, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 33, 36]


def meeting_connection(barrier: threading.Barrier) -> type:
    """Return a connection class whose queries wait at ``barrier``."""
    class MeetingConnection(sqlite3.Connection):
        """A connection that starts a query only once another has started.
        """

        def execute(self, sql: str, *parameters: Any) -> Any:
            """Wait for the other query at the barrier, then run this one."""
            barrier.wait()
            return super().execute(sql, *parameters)
    return MeetingConnection


def meet_at(monkeypatch: pytest.MonkeyPatch,
            barrier: threading.Barrier) -> None:
    """Make every aiosqlite connection of the test a meeting connection."""
    monkeypatch.setattr(aiosqlite, "connect", partial(
        aiosqlite.connect, factory=meeting_connection(barrier)))


def test_all_users(users_db: Path) -> None:
    """async_fetch_users returns every user."""
    assert asyncio.run(task.async_fetch_users()) == sample_users()


def test_users_older_than_40(users_db: Path) -> None:
    """async_fetch_older_users returns the 14 users over 40, not 40."""
    older = asyncio.run(task.async_fetch_older_users())
    assert [row[0] for row in older] == OLDER_THAN_40
    assert 5 not in [row[0] for row in older]


def test_gather_has_both_queries_in_flight_at_once(
        users_db: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture) -> None:
    """Each query waits for the other to start, and both finish."""
    barrier = threading.Barrier(2, timeout=30)
    meet_at(monkeypatch, barrier)
    users, older = asyncio.run(task.fetch_concurrently())
    assert users == sample_users()
    assert [row[0] for row in older] == OLDER_THAN_40
    assert not barrier.broken
    assert capsys.readouterr().out.startswith("All users:\n(1, ")


def test_one_after_the_other_the_queries_never_meet(
        users_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same barrier breaks when the queries run in turn.

    This shows the test above can fail: only overlapping queries pass it.
    """
    meet_at(monkeypatch, threading.Barrier(2, timeout=0.2))

    async def in_turn() -> list[Any]:
        """Await one query, then the other."""
        return [await task.async_fetch_users(),
                await task.async_fetch_older_users()]

    with pytest.raises(threading.BrokenBarrierError):
        asyncio.run(in_turn())


def test_running_the_script_prints_both_results(folder_copy: Any) -> None:
    """./3-concurrent.py prints all users, then those older than 40."""
    done = run_script(folder_copy(FOLDER) / "3-concurrent.py")
    assert (done.returncode, done.stderr) == (0, "")
    users = [str(user) for user in sample_users()]
    older = [str(user) for user in sample_users()
             if user[0] in OLDER_THAN_40]
    assert done.stdout.splitlines() == (
        ["All users:"] + users + ["Users older than 40:"] + older)


def test_the_script_stops_with_one_sentence_without_the_database(
        stops_without_database: Any) -> None:
    """No users.db: nothing on stdout, the sentence on stderr, status 1."""
    assert stops_without_database(FOLDER, "3-concurrent.py") == ""
