#!/usr/bin/env python3
"""The sample SQLite database ``users.db`` of the SQLite task folders.

This is the one home of the database that ``python-decorators-0x01`` and
``python-context-async-perations-0x02`` query: its schema, its sample rows,
the code that writes it, the check that stops a script with one clear
sentence when the database is missing (or is in another folder), and the
way every script there ends: quietly on a closed pipe or Ctrl-C.

It is written once, in ``tools/users_db.py``. ``make users-db`` copies it,
as a plain file, into each of those folders, so that a folder copied or
submitted on its own still runs: edit it in ``tools/``, and a test fails
while a copy differs.

Command line: ``./users_db.py`` writes ``users.db`` next to itself;
``python -m tools.users_db FOLDER...`` writes ``FOLDER/users.db`` and
brings ``FOLDER/users_db.py`` up to date, for each folder named. Running it
again restores the sample rows (the scripts change them).
"""
import argparse
import filecmp
import os
import shutil
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

DATABASE = "users.db"
HERE = Path(__file__).resolve().parent

HOW_TO_CREATE = ("{} not found: create it with ./users_db.py here (or `make "
                 "users-db` from the repository root).")

SCHEMA = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    age INTEGER NOT NULL CHECK (typeof(age) = 'integer' AND age >= 0)
)
"""

# Made-up people. Ages sit on both sides of 25 and of 40, and on 25 and 40
# themselves, so that "age > 25" and "age > 40" have edges to get wrong.
SAMPLE_PEOPLE = (
    ("Odile Marchetti", 34), ("Bram Okafor", 22), ("Sunniva Hale", 47),
    ("Tavish Rourke", 25), ("Ines Valcourt", 40), ("Keanu Abernathy", 19),
    ("Lioba Strand", 58), ("Caspian Mwangi", 31), ("Petra Villanueva", 41),
    ("Ansel Drummond", 27), ("Yara Kowalczyk", 63), ("Emeric Sato", 24),
    ("Delphine Oyelaran", 38), ("Ruairi Castellano", 45),
    ("Mireille Tanaka", 29), ("Osric Lindqvist", 52), ("Zuzana Achebe", 21),
    ("Teodor Blackwood", 36), ("Hesper Nakamura", 44),
    ("Jovan Ferreira", 26), ("Calla Brennan", 70), ("Idris Halvorsen", 33),
    ("Marisol Quennell", 18), ("Fenwick Adeyemi", 49),
    ("Saoirse Lindgren", 39), ("Dario Whitcombe", 55),
    ("Anouk Ferrante", 23), ("Leander Obi", 42), ("Thisbe Carrow", 30),
    ("Nikolai Rasmussen", 61), ("Ottilie Mbeki", 35),
    ("Gideon Ashdown", 20), ("Rosalind Ikeda", 46), ("Lucan Petrov", 28),
    ("Wilhelmina Soto", 37), ("Bastien Ogunleye", 51),
)

User = tuple[int, str, str, int]


class MissingDatabase(SystemExit):
    """The sample database does not exist where a script looked for it.

    Being a ``SystemExit``, it ends a script with its one-sentence message on
    standard error and exit status 1, without a traceback, while tests and
    callers can still catch it by name.
    """


def shown(path: Path) -> str:
    """Return ``path`` as a user would type it from the current folder."""
    return os.path.relpath(path)


def email_of(name: str) -> str:
    """Return the made-up e-mail address of a sample person."""
    return f"{name.lower().replace(' ', '.')}@example.com"


def sample_users() -> list[User]:
    """Return the sample rows, ``(id, name, email, age)``, ids from 1."""
    return [(user_id, name, email_of(name), age)
            for user_id, (name, age) in enumerate(SAMPLE_PEOPLE, start=1)]


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the ``users`` table in an empty database."""
    conn.execute(SCHEMA)


def insert_users(conn: sqlite3.Connection, users: Iterable[User]) -> None:
    """Insert ``(id, name, email, age)`` rows into ``users``."""
    conn.executemany(
        "INSERT INTO users (id, name, email, age) VALUES (?, ?, ?, ?)", users)


def create_users_db(path: Path) -> Path:
    """Write the sample database to ``path`` and return ``path``.

    The file is built next to its destination and then renamed over it, so
    that running this again gives the same rows (changes made by the
    scripts are undone) and a reader never sees a half-written database.
    """
    path = Path(path)
    building = path.with_name(path.name + ".building")
    building.unlink(missing_ok=True)
    try:
        write_users(building, sample_users())
        os.replace(building, path)
    finally:
        building.unlink(missing_ok=True)
    return path


def write_users(path: Path, users: Iterable[User]) -> None:
    """Create a new database file at ``path`` holding ``users``.

    The sample uses it, and so does the benchmark for its large table.
    """
    conn = sqlite3.connect(path)
    try:
        with conn:
            create_schema(conn)
            insert_users(conn, users)
    finally:
        conn.close()


def missing(path: str) -> str:
    """Say, in one sentence, where ``path`` is or how to create it.

    The scripts open ``users.db`` in the current folder. Run from another
    folder (the repository root, say), the database they look for is the
    one beside them: the sentence says to go there, not to create a
    database that exists already.
    """
    if os.path.isabs(path) or Path.cwd() == HERE:
        return HOW_TO_CREATE.format(path)
    folder = shown(HERE)
    if (HERE / path).is_file():
        return (f"{path} is in {folder}, not in the current folder: run the "
                f"script from there (cd {folder}).")
    return (f"{path} not found: cd {folder}, create it there with "
            f"./users_db.py, and run the script from there.")


def require_database(path: str = DATABASE) -> str:
    """Return ``path`` if the database file exists there.

    Otherwise raise ``MissingDatabase``, whose message says where to run
    from or how to create it: connecting would silently create an empty
    database and the first query would fail with "no such table" instead.
    """
    if not os.path.isfile(path):
        raise MissingDatabase(missing(path))
    return path


@contextmanager
def ends_quietly() -> Iterator[None]:
    """Run a script's sample calls so that it ends as a command-line tool.

    A reader that stops early (``./0-log_queries.py | head -n 1``) closes
    the pipe: a normal end, status 0, not a BrokenPipeError traceback.
    Ctrl-C is the user's own wish: status 130, as a shell reports it, and
    no traceback either.
    """
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        # The interpreter flushes standard output once more at exit, which
        # would fail the same way: it goes to /dev/null from here on.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except KeyboardInterrupt:
        sys.exit(130)


def copy_into(folder: Path) -> bool:
    """Put this file into ``folder`` unless the same is there; True if so.

    The copy is executable, as every script of a task folder must be.
    """
    target = folder / Path(__file__).name
    if target.exists() and filecmp.cmp(__file__, target, shallow=False):
        return False
    shutil.copyfile(__file__, target)
    target.chmod(0o755)
    return True


def main(argv: Sequence[str] | None = None) -> None:
    """Write ``users.db`` (and this file) into each folder named."""
    parser = argparse.ArgumentParser(
        description="Write the sample users.db into each FOLDER (by default "
                    "the folder of this file).")
    parser.add_argument("folders", nargs="*", metavar="FOLDER",
                        default=[str(HERE)])
    for name in parser.parse_args(argv).folders:
        folder = Path(name)
        if not folder.is_dir():
            sys.exit(f"{name} is not a folder: name an existing folder.")
        if copy_into(folder):
            print(f"users_db.py: brought {shown(folder / 'users_db.py')} "
                  f"up to date")
        path = create_users_db(folder / DATABASE)
        print(f"users.db: wrote {shown(path)} ({len(SAMPLE_PEOPLE)} users)")


if __name__ == "__main__":
    with ends_quietly():
        main()
