#!/usr/bin/env python3
"""Tests of ``log_queries`` (0-log_queries.py) on a real ``users.db``."""
import re
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tools.scripts import load_script, run_script


FOLDER = Path(__file__).resolve().parent.parent
log = load_script(FOLDER / "0-log_queries.py")

LOG_LINE = re.compile(r"\[(?P<stamp>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\] "
                      r"Executing SQL query: (?P<query>.*)\n")


def logged_time(line: str, query: str) -> datetime:
    """Check that ``line`` is one log line for ``query``; return its time."""
    match = LOG_LINE.fullmatch(line)
    assert match, f"not a log line: {line!r}"
    assert match["query"] == query
    return datetime.strptime(match["stamp"], "%Y-%m-%d %H:%M:%S")


def now_to_the_second() -> datetime:
    """Return the local time now without its fraction of a second."""
    return datetime.now().replace(microsecond=0)


def test_the_line_is_printed_before_the_query_runs(
        users_db: Path, capsys: pytest.CaptureFixture) -> None:
    """SQLite's trace callback, called as the query starts, sees the line."""
    printed_when_sqlite_ran: list[str] = []

    @log.log_queries
    def first_name(query: str) -> Any:
        """Run ``query`` on a connection that reports each statement."""
        conn = sqlite3.connect(users_db)
        conn.set_trace_callback(lambda _sql: printed_when_sqlite_ran.append(
            capsys.readouterr().out))
        try:
            return conn.execute(query).fetchone()
        finally:
            conn.close()

    before = now_to_the_second()
    query = "SELECT name FROM users WHERE id = 1"
    assert first_name(query=query) == ("Odile Marchetti",)
    assert len(printed_when_sqlite_ran) == 1
    assert before <= logged_time(printed_when_sqlite_ran[0], query) \
        <= datetime.now()


@pytest.mark.parametrize("by_keyword", [True, False])
def test_the_query_is_found_by_keyword_or_by_position(
        users_db: Path, capsys: pytest.CaptureFixture,
        by_keyword: bool) -> None:
    """The sample function logs its query however it is passed."""
    query = "SELECT * FROM users WHERE age > 60"
    rows = (log.fetch_all_users(query=query) if by_keyword
            else log.fetch_all_users(query))
    assert [row[0] for row in rows] == [11, 21, 30]
    logged_time(capsys.readouterr().out, query)


def test_the_wrapper_keeps_the_function_name_and_docstring() -> None:
    """functools.wraps carries the wrapped function's identity over."""
    assert log.fetch_all_users.__name__ == "fetch_all_users"
    assert "all the rows" in log.fetch_all_users.__doc__


def test_running_the_script_prints_one_timestamped_log_line(
        folder_copy: Any) -> None:
    """./0-log_queries.py prints exactly the log line of its sample query."""
    before = now_to_the_second()
    done = run_script(folder_copy(FOLDER) / "0-log_queries.py")
    assert (done.returncode, done.stderr) == (0, "")
    assert before <= logged_time(done.stdout, "SELECT * FROM users") \
        <= datetime.now()
