#!/usr/bin/env python3
"""Set up the ``ALX_prodev`` database and load ``user_data.csv`` into it.

Every generator script of this folder connects through this module, so the
connection settings are read in one place:

- ``MYSQL_HOST``, ``MYSQL_PORT``, ``MYSQL_USER``, ``MYSQL_PASSWORD`` (and
  optionally ``MYSQL_UNIX_SOCKET``) name your own server when they are set;
- otherwise the private MariaDB that ``make demo`` starts is used, through
  the option file it writes (``.mysql/client.cnf`` at the repository root).

Run ``./seed.py`` to create the database and load the CSV on its own.
"""
import csv
import os
import sys
import uuid
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

try:
    import mysql.connector
except ImportError:
    sys.exit("mysql-connector-python is not installed here: run `make demo` "
             "from the repository root, then `source .venv/bin/activate`.")

DATABASE = "ALX_prodev"
OPTION_FILE = Path(__file__).resolve().parent.parent / ".mysql" / "client.cnf"
CSV_COLUMNS = ["name", "email", "age"]
User = Tuple[str, str, str, int]
# Rows are taken off a streaming cursor this many at a time: one call into
# the C extension per batch instead of one per row, still constant memory.
FETCH_SIZE = 1000


class SeedError(Exception):
    """A problem the user can fix, described in one sentence."""


def connection_settings() -> Dict[str, object]:
    """Return the keyword arguments for ``mysql.connector.connect``.

    ``use_pure=False`` insists on the C extension: the pure-Python protocol
    is 3 to 5 times slower, and a silent fall-back would hide that.
    """
    env = os.environ
    settings = {"use_pure": False, "charset": "utf8mb4"}
    if env.get("MYSQL_HOST") or env.get("MYSQL_UNIX_SOCKET"):
        port = env.get("MYSQL_PORT", "3306")
        if not port.isdigit():
            raise SeedError("MYSQL_PORT must be a port number, not "
                            "{!r}.".format(port))
        settings.update(host=env.get("MYSQL_HOST", "127.0.0.1"),
                        port=int(port), user=env.get("MYSQL_USER", "root"),
                        password=env.get("MYSQL_PASSWORD", ""))
        if env.get("MYSQL_UNIX_SOCKET"):
            settings["unix_socket"] = env["MYSQL_UNIX_SOCKET"]
    elif OPTION_FILE.exists():
        settings["option_files"] = str(OPTION_FILE)
    else:
        raise SeedError("No MySQL server is configured: run `make demo` from "
                        "the repository root, or set MYSQL_HOST, MYSQL_PORT, "
                        "MYSQL_USER and MYSQL_PASSWORD.")
    return settings


def open_connection(**extra: object) -> object:
    """Connect with the configured settings; raise ``SeedError`` if we can't.

    ``extra`` goes to ``mysql.connector.connect`` (``database=...``).
    """
    try:
        return mysql.connector.connect(**connection_settings(), **extra)
    except mysql.connector.Error as error:
        raise SeedError("Could not connect to the MySQL server: {}.".format(
            (error.msg or str(error)).rstrip(".")))


def _connect_or_say_why(**extra: object) -> Optional[object]:
    """Connect, or print the one-sentence reason and return None."""
    try:
        return open_connection(**extra)
    except SeedError as error:
        print(error, file=sys.stderr)
        return None


def connect_db() -> Optional[object]:
    """Connect to the server without selecting a database (None on error)."""
    return _connect_or_say_why()


def connect_to_prodev() -> Optional[object]:
    """Connect to the ``ALX_prodev`` database (None on error)."""
    return _connect_or_say_why(database=DATABASE)


def close_early(connection: object) -> None:
    """Close a connection, cancelling a result that was not read to the end.

    Closing normally would first read, and throw away, every row the server
    still has to send: for a consumer that stopped after 6 rows of a million
    that is the whole table. ``KILL QUERY`` from a short second connection
    tells the server to stop sending, so closing costs about a millisecond.
    """
    if connection.unread_result:
        with open_connection() as killer, killer.cursor() as cursor:
            cursor.execute("KILL QUERY %s", (connection.connection_id,))
    connection.close()


@contextmanager
def streaming_query(query: str, params: Sequence[object] = (),
                    dictionary: bool = False) -> Iterator[object]:
    """Run ``query`` on ``ALX_prodev`` and give an unbuffered cursor on it.

    Rows stay on the server until the cursor fetches them, so memory does
    not grow with the table; whenever the ``with`` block ends (the rows are
    all read, the consumer stopped early, or an error), the query is
    cancelled if need be and the connection closed.
    """
    connection = open_connection(database=DATABASE)
    try:
        cursor = connection.cursor(dictionary=dictionary)
        cursor.execute(query, params)
        yield cursor
    finally:
        close_early(connection)


def create_database(connection: object) -> None:
    """Create the ``ALX_prodev`` database if it does not exist yet."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE DATABASE IF NOT EXISTS {}".format(DATABASE))


def create_table(connection: object) -> None:
    """Create the ``user_data`` table if it does not exist yet.

    ``age`` is an unsigned integer rather than the curriculum's DECIMAL: a
    DECIMAL column comes back as ``Decimal('67')``, while the curriculum's
    sample output, and every age in the data, is a plain whole number.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS user_data ("
            " user_id CHAR(36) NOT NULL PRIMARY KEY,"
            " name VARCHAR(255) NOT NULL,"
            " email VARCHAR(255) NOT NULL,"
            " age INT UNSIGNED NOT NULL)")
    print("Table user_data created successfully")


def user_id_for(email: str) -> str:
    """Return the user's id: a UUID derived from the email (uuid5).

    The same email gives the same id on every machine, so sample output is
    the same for everybody and seeding twice cannot duplicate a user.
    """
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "mailto:" + email))


def _parse_row(path: str, line: int, row: Dict[str, str]) -> User:
    """Check one CSV row and turn it into a ``(user_id, ...)`` tuple."""
    if None in row or None in row.values() or "" in row.values():
        raise SeedError("{}, line {}: expected the 3 fields name, email, "
                        "age.".format(path, line))
    age = row["age"].strip()
    if not age.isdigit():
        raise SeedError("{}, line {}: age {!r} is not a whole number.".format(
            path, line, age))
    email = row["email"].strip()
    return (user_id_for(email), row["name"].strip(), email, int(age))


def read_users(path: str) -> List[User]:
    """Read and check every row of the CSV before anything is written."""
    try:
        with open(path, newline="", encoding="utf-8") as source:
            reader = csv.DictReader(source)
            if reader.fieldnames is None:
                raise SeedError("{} is empty.".format(path))
            if reader.fieldnames != CSV_COLUMNS:
                raise SeedError("{}, line 1: the header must be {}.".format(
                    path, ",".join(CSV_COLUMNS)))
            return [_parse_row(path, reader.line_num, row) for row in reader]
    except OSError as error:
        raise SeedError("Cannot read {}: {}.".format(path, error.strerror))
    except (csv.Error, UnicodeDecodeError) as error:
        raise SeedError("{}: not a readable CSV file ({}).".format(
            path, error))


def insert_data(connection: object, data: str) -> None:
    """Insert the users of the CSV file ``data`` that are not there yet.

    The whole file is checked first and written in one transaction: a bad
    row raises ``SeedError`` naming the file and line, and nothing changes.
    """
    users = read_users(data)
    with connection.cursor() as cursor:
        # Re-seeding finds every id already there: the row is left as it is.
        cursor.executemany(
            "INSERT INTO user_data (user_id, name, email, age)"
            " VALUES (%s, %s, %s, %s)"
            " ON DUPLICATE KEY UPDATE user_id = user_id", users)
    connection.commit()


def seed(csv_path: str) -> None:
    """Create the database and the table, then load ``csv_path``."""
    with open_connection() as connection:
        create_database(connection)
    with open_connection(database=DATABASE) as connection:
        create_table(connection)
        insert_data(connection, csv_path)


def batches(cursor: object, size: int = FETCH_SIZE) -> Iterator[list]:
    """Iterate over ``cursor`` in lists of up to ``size`` rows."""
    return iter(partial(cursor.fetchmany, size), [])


def run_main(work: Callable[[], object]) -> None:
    """Run a script's ``work`` and exit the way a command-line tool should.

    A problem the user can fix (no server, a bad CSV) ends with its one
    sentence and status 1. A reader that stops early (``| head -n 5``)
    closes the pipe: that is a normal end, so standard output is pointed at
    /dev/null (the interpreter's last flush would fail again otherwise) and
    the script ends quietly with status 0.
    """
    try:
        work()
        sys.stdout.flush()
    except (SeedError, mysql.connector.Error) as error:
        print(getattr(error, "msg", None) or error, file=sys.stderr)
        sys.exit(1)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)


if __name__ == "__main__":
    run_main(lambda: seed(str(Path(__file__).resolve().parent
                              / "user_data.csv")))
