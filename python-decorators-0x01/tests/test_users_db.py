#!/usr/bin/env python3
"""Tests of the sample database (tools/users_db.py, copied as users_db.py).

Also checks that every script of this folder stops with one sentence when
the database has not been created.
"""
import filecmp
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tools.scripts import ROOT, run_script
from tools.users_db import create_users_db, require_database


FOLDER = Path(__file__).resolve().parent.parent
SCRIPTS = sorted(path.name for path in FOLDER.glob("[0-9]-*.py"))


def rows_of(database: Path) -> list[Any]:
    """Return every row of ``users``, in id order."""
    conn = sqlite3.connect(database)
    try:
        return conn.execute("SELECT * FROM users ORDER BY id").fetchall()
    finally:
        conn.close()


def test_the_sample_has_what_the_tasks_query(tmp_path: Path) -> None:
    """A few dozen users, id 1 first, ages around 25 and 40, unique emails."""
    rows = rows_of(create_users_db(tmp_path / "users.db"))
    assert len(rows) == 36
    assert rows[0] == (1, "Odile Marchetti", "odile.marchetti@example.com",
                       34)
    ages = [row[3] for row in rows]
    assert min(ages) < 25 < max(ages) and min(ages) < 40 < max(ages)
    assert {25, 40} <= set(ages)
    assert len({row[2] for row in rows}) == len(rows)


@pytest.mark.parametrize("values", [
    (1, "Copy", "copy@example.org", 30),
    (None, "Copy", "odile.marchetti@example.com", 30),
    (None, None, "nameless@example.org", 30),
    (None, "Half", "half@example.org", 30.5),
    (None, "Minus", "minus@example.org", -1),
])
def test_the_schema_rejects_bad_rows(tmp_path: Path, values: Any) -> None:
    """Duplicate ids or emails, missing names, odd ages are refused."""
    conn = sqlite3.connect(create_users_db(tmp_path / "users.db"))
    try:
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO users VALUES (?, ?, ?, ?)", values)
    finally:
        conn.close()


def test_creating_again_restores_the_same_rows(tmp_path: Path) -> None:
    """A second run undoes changes and leaves no temporary file."""
    database = create_users_db(tmp_path / "users.db")
    first = rows_of(database)
    conn = sqlite3.connect(database)
    with conn:
        conn.execute("DELETE FROM users WHERE id > 1")
        conn.execute("UPDATE users SET age = 99")
    conn.close()
    create_users_db(database)
    assert rows_of(database) == first
    assert [path.name for path in tmp_path.iterdir()] == ["users.db"]


def test_require_database_names_the_way_to_create_it(
        tmp_path: Path) -> None:
    """An existing file passes; a missing one stops with the sentence."""
    database = str(create_users_db(tmp_path / "users.db"))
    assert require_database(database) == database
    missing = str(tmp_path / "other.db")
    with pytest.raises(SystemExit) as raised:
        require_database(missing)
    assert str(raised.value) == (
        f"{missing} not found: create it with ./users_db.py here (or `make "
        f"users-db` from the repository root).")
    assert not Path(missing).exists()


def test_the_command_writes_each_folder(tmp_path: Path) -> None:
    """python -m tools.users_db A B writes the database and the module.

    A second run only restores the databases: the copies are up to date.
    """
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    command = [sys.executable, "-m", "tools.users_db", str(tmp_path / "a"),
               str(tmp_path / "b")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    shown = {name: os.path.relpath(tmp_path / name, ROOT)
             for name in ("a", "b")}
    assert done.stdout == "".join(
        f"users_db.py: brought {shown[name]}/users_db.py up to date\n"
        f"users.db: wrote {shown[name]}/users.db (36 users)\n"
        for name in ("a", "b"))
    assert len(rows_of(tmp_path / "b" / "users.db")) == 36
    copy = tmp_path / "a" / "users_db.py"
    assert filecmp.cmp(ROOT / "tools" / "users_db.py", copy, shallow=False)
    assert os.access(copy, os.X_OK)
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert again.stdout == "".join(
        f"users.db: wrote {shown[name]}/users.db (36 users)\n"
        for name in ("a", "b"))


def test_the_command_refuses_a_missing_folder(tmp_path: Path) -> None:
    """A folder that does not exist gets one sentence, not a traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "tools.users_db", str(tmp_path / "nope")],
        cwd=ROOT, capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (f"{tmp_path / 'nope'} is not a folder: name an "
                           f"existing folder.\n")


def test_the_folder_copy_creates_the_database_beside_it(
        folder_copy: Any) -> None:
    """./users_db.py in a copy of the folder writes users.db there."""
    copy = folder_copy(FOLDER, with_database=False)
    done = run_script(copy / "users_db.py")
    assert (done.returncode, done.stdout) == (
        0, "users.db: wrote users.db (36 users)\n")
    assert len(rows_of(copy / "users.db")) == 36


def test_the_scripts_are_the_five_tasks() -> None:
    """The missing-database check below covers every task script."""
    assert SCRIPTS == ["0-log_queries.py", "1-with_db_connection.py",
                       "2-transactional.py", "3-retry_on_failure.py",
                       "4-cache_query.py"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_script_stops_with_one_sentence_without_the_database(
        stops_without_database: Any, script: str) -> None:
    """No users.db: one sentence on stderr, status 1, nothing created.

    Only 0-log_queries.py prints something first: its decorator logs the
    query before the function tries to open the database.
    """
    printed = stops_without_database(FOLDER, script)
    if script == "0-log_queries.py":
        assert printed.endswith("] Executing SQL query: SELECT * FROM users\n")
        assert printed.count("\n") == 1
    else:
        assert printed == ""
