#!/usr/bin/env python3
"""Tests of ``transactional`` (2-transactional.py) on a real ``users.db``."""
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tools.scripts import load_script, run_script


FOLDER = Path(__file__).resolve().parent.parent
task = load_script(FOLDER / "2-transactional.py")


def email_of(database: Path, user_id: int) -> str:
    """Read a user's e-mail address through a connection of its own."""
    conn = sqlite3.connect(database)
    try:
        return conn.execute("SELECT email FROM users WHERE id = ?",
                            (user_id,)).fetchone()[0]
    finally:
        conn.close()


@task.with_db_connection
@task.transactional
def give_user_1_the_email_of(conn: sqlite3.Connection,
                             other_ids: tuple[int, int]) -> None:
    """Change user 1's e-mail, then copy one user's e-mail to another.

    The second change breaks the UNIQUE constraint when both ids are real
    users, so the whole call must leave the table as it was.
    """
    conn.execute("UPDATE users SET email = ? WHERE id = 1",
                 ("changed@example.org",))
    conn.execute("UPDATE users SET email = "
                 "(SELECT email FROM users WHERE id = ?) WHERE id = ?",
                 other_ids)


def test_a_successful_update_persists(users_db: Path) -> None:
    """The sample update is committed: another connection reads it."""
    task.update_user_email(user_id=1,
                           new_email="Crawford_Cartwright@hotmail.com")
    assert email_of(users_db, 1) == "Crawford_Cartwright@hotmail.com"


def test_a_failing_update_leaves_the_rows_unchanged(users_db: Path) -> None:
    """The database's own error is re-raised; the first change is undone."""
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        give_user_1_the_email_of((3, 2))
    assert email_of(users_db, 1) == "odile.marchetti@example.com"
    assert email_of(users_db, 2) == "bram.okafor@example.com"


def test_any_exception_rolls_back_and_is_re_raised_unchanged(
        users_db: Path) -> None:
    """A Python error after a write undoes the write; it is the same error."""
    error = ValueError("no such rule")

    @task.with_db_connection
    @task.transactional
    def change_then_fail(conn: sqlite3.Connection) -> None:
        """Write, then raise ``error``."""
        conn.execute("UPDATE users SET age = age + 1")
        raise error

    with pytest.raises(ValueError) as raised:
        change_then_fail()
    assert raised.value is error
    assert task.get_user_by_id(user_id=1)[3] == 34


def test_the_return_value_passes_through(users_db: Path) -> None:
    """What the function returns is what the caller gets, after commit."""
    @task.with_db_connection
    @task.transactional
    def add_user(conn: sqlite3.Connection) -> int | None:
        """Insert one user and return its id."""
        return conn.execute(
            "INSERT INTO users (name, email, age) VALUES (?, ?, ?)",
            ("New Person", "new.person@example.org", 30)).lastrowid

    assert add_user() == 37
    assert email_of(users_db, 37) == "new.person@example.org"


def test_running_the_script_updates_user_1(folder_copy: Any) -> None:
    """./2-transactional.py saves the new e-mail and prints the row."""
    copy = folder_copy(FOLDER)
    done = run_script(copy / "2-transactional.py")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == ("(1, 'Odile Marchetti', "
                           "'Crawford_Cartwright@hotmail.com', 34)\n")
    assert email_of(copy / "users.db", 1) == "Crawford_Cartwright@hotmail.com"
