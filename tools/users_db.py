#!/usr/bin/env python3
"""The sample SQLite database ``users.db`` of the SQLite task folders.

This is the one home of the database that ``python-decorators-0x01`` and
``python-context-async-perations-0x02`` query: its schema, its sample rows,
the code that writes it and the check that stops a script, with one clear
sentence, when the database has not been created yet. Each of those folders
holds a link ``users_db.py`` to this file, so that its scripts can
``import users_db`` when they run from their own folder.

Command line (writes ``FOLDER/users.db`` for each folder named)::

    python -m tools.users_db FOLDER [FOLDER...]
"""
import argparse
import os
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

DATABASE = "users.db"

HOW_TO_CREATE = ("{} not found: run `make users-db` from the repository root "
                 "to create it.")

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

User = Tuple[int, str, str, int]


class MissingDatabase(SystemExit):
    """The sample database does not exist where a script looked for it.

    Being a ``SystemExit``, it ends a script with its one-sentence message on
    standard error and exit status 1, without a traceback, while tests and
    callers can still catch it by name.
    """


def email_of(name: str) -> str:
    """Return the made-up e-mail address of a sample person."""
    return "{}@example.com".format(name.lower().replace(" ", "."))


def sample_users() -> List[User]:
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


def require_database(path: str = DATABASE) -> str:
    """Return ``path`` if the database file exists there.

    Otherwise raise ``MissingDatabase``, whose message says how to create
    it: connecting would silently create an empty database and the first
    query would fail with "no such table" instead.
    """
    if not os.path.isfile(path):
        raise MissingDatabase(HOW_TO_CREATE.format(path))
    return path


@contextmanager
def output_may_be_cut() -> Iterator[None]:
    """Run a script's sample calls so that a reader who stops early, as
    ``./0-log_queries.py | head -n 1`` does, ends the script quietly with
    status 0, as a command-line tool ends, not with a BrokenPipeError
    traceback.
    """
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        # The interpreter flushes standard output once more at exit, which
        # would fail the same way: it goes to /dev/null from here on.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Write ``FOLDER/users.db`` for each folder on the command line."""
    parser = argparse.ArgumentParser(
        description="Write the sample users.db into each FOLDER.")
    parser.add_argument("folders", nargs="+", metavar="FOLDER")
    for folder in parser.parse_args(argv).folders:
        if not os.path.isdir(folder):
            sys.exit("{} is not a folder: name an existing folder.".format(
                folder))
        path = create_users_db(Path(folder) / DATABASE)
        print("wrote {} ({} users)".format(path, len(SAMPLE_PEOPLE)))


if __name__ == "__main__":
    main()
