#!/usr/bin/env python3
"""Tests of ``cache_query`` (4-cache_query.py) on a real ``users.db``.

SQLite's trace callback lists every statement that reaches the database,
so the tests count queries instead of guessing.
"""
import sqlite3
from pathlib import Path
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from tools.scripts import load_script, run_script


FOLDER = Path(__file__).resolve().parent.parent
task = load_script(FOLDER / "4-cache_query.py")


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Start and end every test with an empty cache."""
    task.query_cache.clear()
    yield
    task.query_cache.clear()


class TracedConnection(sqlite3.Connection):
    """A connection that records, in ``statements``, each one it runs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Open the connection and start recording."""
        super().__init__(*args, **kwargs)
        self.statements: list[str] = []
        self.set_trace_callback(self.statements.append)


@pytest.fixture
def traced(users_db: Path) -> Iterator[TracedConnection]:
    """Open a recording connection to the sample database."""
    conn = sqlite3.connect(users_db, factory=TracedConnection)
    yield conn
    conn.close()


@task.cache_query
def select(conn: sqlite3.Connection, query: str,
           params: Sequence[Any] = ()) -> list[Any]:
    """Run ``query`` with ``params`` and return its rows."""
    return conn.execute(query, params).fetchall()


def test_the_second_identical_call_does_not_reach_the_database(
        traced: TracedConnection) -> None:
    """Two identical calls, one query; both get the same rows."""
    query = "SELECT name FROM users WHERE id = 2"
    first = select(traced, query)
    assert select(traced, query) == first == [("Bram Okafor",)]
    assert traced.statements == [query]


def test_keyword_and_position_share_one_entry(
        traced: TracedConnection) -> None:
    """The same query passed by position, then by keyword, runs once."""
    query = "SELECT COUNT(*) FROM users"
    select(traced, query)
    select(traced, query=query)
    select(conn=traced, query=query, params=[])
    assert traced.statements == [query]


def test_different_queries_and_parameters_are_cached_apart(
        traced: TracedConnection) -> None:
    """Each distinct query or parameter list runs once and keeps its rows."""
    older = "SELECT COUNT(*) FROM users WHERE age > ?"
    assert select(traced, older, (40,)) == [(14,)]
    assert select(traced, older, [25]) == [(28,)]
    assert select(traced, older, [40]) == [(14,)]
    assert select(traced, "SELECT COUNT(*) FROM users") == [(36,)]
    assert traced.statements == [
        "SELECT COUNT(*) FROM users WHERE age > 40",
        "SELECT COUNT(*) FROM users WHERE age > 25",
        "SELECT COUNT(*) FROM users"]


def test_two_cached_functions_do_not_share_entries(
        traced: TracedConnection) -> None:
    """Another function with the same query gets its own result."""
    @task.cache_query
    def count(conn: sqlite3.Connection, query: str) -> int:
        """Return how many rows ``query`` selects."""
        return len(conn.execute(query).fetchall())

    query = "SELECT * FROM users WHERE age > 60"
    assert len(select(traced, query)) == 3
    assert count(traced, query) == 3
    assert traced.statements == [query, query]


def test_the_sample_stack_answers_the_second_call_from_the_cache(
        users_db: Path) -> None:
    """After the rows are gone from the table, the cached rows still come.
    """
    query = "SELECT * FROM users"
    users = task.fetch_users_with_cache(query=query)
    conn = sqlite3.connect(users_db)
    with conn:
        conn.execute("DELETE FROM users")
    conn.close()
    assert len(users) == 36
    assert task.fetch_users_with_cache(query=query) is users


def test_running_the_script_shows_the_cache_at_work(
        folder_copy: Any) -> None:
    """./4-cache_query.py says its second call came from the cache."""
    done = run_script(folder_copy(FOLDER) / "4-cache_query.py")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "36 users; second call answered from the cache: True\n")
