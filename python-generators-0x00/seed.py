#!/usr/bin/env python3
"""Set up the ``ALX_prodev`` database and load ``user_data.csv`` into it.

Every generator script of this folder connects through this module, so the
connection settings are read in one place:

- ``MYSQL_HOST``, ``MYSQL_PORT``, ``MYSQL_USER``, ``MYSQL_PASSWORD`` (and
  optionally ``MYSQL_UNIX_SOCKET``) name your own server when they are set;
- otherwise the private MariaDB that ``make db-start`` (or ``make demo``)
  starts is used, through the option file it writes (``.mysql/client.cnf``
  at the repository root).

It is also the one place that turns what can go wrong into one sentence
that says what to do (a server that is down, a table not created yet, a
bad CSV), and that makes a script end as a command-line tool does: quietly
with status 0 when the reader of its output goes (``| head``), with no
traceback on Ctrl-C. That holds for the curriculum's own main files too,
which call these functions without catching anything.

Run ``./seed.py`` to create the database and load the CSV on its own.
"""
import atexit
import csv
import os
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TextIO

FOLDER = Path(__file__).resolve().parent


def missing_package(package: str) -> str:
    """Say which Python lacks ``package``, and the command that works.

    A script whose first line is ``#!/usr/bin/python3`` (the curriculum's
    main files) runs the system's Python even when the virtualenv is
    active, so "activate the virtualenv" alone would not help.
    """
    if sys.prefix != sys.base_prefix:
        return (f"{package} is missing from the virtualenv {sys.prefix}: "
                f"run `make demo` from the repository root.")
    script = os.path.basename(sys.argv[0]) or "the script"
    return (f"{sys.executable} has no {package}: run `python3 {script}` "
            f"with the repository's virtualenv active (`source "
            f".venv/bin/activate` at the root), or run `make demo` as root "
            f"once to install it for {sys.executable}.")


try:
    import mysql.connector
except ImportError:
    sys.exit(missing_package("mysql-connector-python"))

DATABASE = "ALX_prodev"
OPTION_FILE = FOLDER.parent / ".mysql" / "client.cnf"
CSV_COLUMNS = ["name", "email", "age"]
START_SERVER = "start it with `make db-start` from the repository root"
User = tuple[str, str, str, int]
Row = dict[str, object]
# Rows are taken off a streaming cursor this many at a time: one call into
# the C extension per batch instead of one per row, still constant memory.
FETCH_SIZE = 1000
# Client error numbers for "nothing answers": on a socket, and over TCP.
SERVER_DOWN = (2002, 2003)
UNKNOWN_DATABASE, NO_SUCH_TABLE = 1049, 1146


class SeedError(SystemExit):
    """A problem the user can fix, described in one sentence.

    Being a ``SystemExit``, it ends a script with its sentence on standard
    error and status 1, without a traceback, also where the curriculum's
    main files call our functions without catching anything; callers can
    still catch it by name.
    """


def shown(path: Path) -> str:
    """Return ``path`` as a user would type it from the current folder."""
    return os.path.relpath(path) if Path(path).is_absolute() else str(path)


def connection_settings() -> dict[str, object]:
    """Return the keyword arguments for ``mysql.connector.connect``.

    ``use_pure=False`` insists on the C extension: the pure-Python protocol
    is 3 to 5 times slower, and a silent fall-back would hide that.
    """
    env = os.environ
    settings: dict[str, object] = {"use_pure": False, "charset": "utf8mb4"}
    if env.get("MYSQL_HOST") or env.get("MYSQL_UNIX_SOCKET"):
        port = env.get("MYSQL_PORT", "3306")
        if not port.isdigit():
            raise SeedError(f"MYSQL_PORT must be a port number, not "
                            f"{port!r}.")
        settings.update(host=env.get("MYSQL_HOST", "127.0.0.1"),
                        port=int(port), user=env.get("MYSQL_USER", "root"),
                        password=env.get("MYSQL_PASSWORD", ""))
        if env.get("MYSQL_UNIX_SOCKET"):
            settings["unix_socket"] = env["MYSQL_UNIX_SOCKET"]
    elif OPTION_FILE.exists():
        settings["option_files"] = str(OPTION_FILE)
    else:
        raise SeedError(f"No MySQL server is configured: {START_SERVER}, "
                        f"or set MYSQL_HOST, MYSQL_PORT, MYSQL_USER and "
                        f"MYSQL_PASSWORD to use your own.")
    return settings


def why(error: mysql.connector.Error,
        settings: dict[str, object] | None = None) -> str:
    """Turn a MySQL error into one sentence that says what to do next.

    ``settings`` are those of a connection that failed; the sentence for a
    server that does not answer depends on which server it was.
    """
    settings = settings or {}
    if error.errno in SERVER_DOWN and "host" not in settings:
        return f"The private MariaDB is not running: {START_SERVER}."
    if error.errno in SERVER_DOWN:
        return (f"No MySQL server answers at {settings['host']}:"
                f"{settings['port']} (set by MYSQL_HOST and MYSQL_PORT): "
                f"start that server, or unset MYSQL_HOST to use the private "
                f"one ({START_SERVER}).")
    if error.errno in (UNKNOWN_DATABASE, NO_SUCH_TABLE):
        return (f"{DATABASE}.user_data does not exist yet: run ./0-main.py "
                f"(or ./seed.py) in {shown(FOLDER)} first.")
    return f"MySQL error: {(error.msg or str(error)).rstrip('.')}."


def open_connection(**extra: object) -> object:
    """Connect with the configured settings; raise ``SeedError`` if we can't.

    ``extra`` goes to ``mysql.connector.connect`` (``database=...``).
    """
    settings = connection_settings()
    try:
        return mysql.connector.connect(**settings, **extra)
    except mysql.connector.Error as error:
        raise SeedError(why(error, settings)) from None


def _connect_or_say_why(**extra: object) -> object | None:
    """Connect, or print the one-sentence reason and return None."""
    try:
        return open_connection(**extra)
    except SeedError as error:
        print(error, file=sys.stderr)
        return None


def connect_db() -> object | None:
    """Connect to the server without selecting a database (None on error)."""
    return _connect_or_say_why()


def connect_to_prodev() -> object | None:
    """Connect to the ``ALX_prodev`` database (None on error)."""
    return _connect_or_say_why(database=DATABASE)


@contextmanager
def explained() -> Iterator[None]:
    """Turn a MySQL error raised in the block into a ``SeedError``."""
    try:
        yield
    except mysql.connector.Error as error:
        raise SeedError(why(error)) from None


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
        with explained():
            cursor.execute(query, params)
        yield cursor
    finally:
        close_early(connection)


def fetch_page(query: str, params: Sequence[object]) -> list[Row]:
    """Run one page query on its own connection and return its rows."""
    with open_connection(database=DATABASE) as connection, \
            connection.cursor(dictionary=True) as cursor, explained():
        cursor.execute(query, params)
        return cursor.fetchall()


def create_database(connection: object) -> None:
    """Create the ``ALX_prodev`` database if it does not exist yet."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")


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


def _parse_row(path: str, line: int, row: dict[str, str]) -> User:
    """Check one CSV row and turn it into a ``(user_id, ...)`` tuple."""
    if None in row or None in row.values() or "" in row.values():
        raise SeedError(f"{path}, line {line}: expected the 3 fields name, "
                        f"email, age.")
    age = row["age"].strip()
    if not age.isdigit():
        raise SeedError(f"{path}, line {line}: age {age!r} is not a whole "
                        f"number.")
    email = row["email"].strip()
    return (user_id_for(email), row["name"].strip(), email, int(age))


def check_folder(path: str) -> None:
    """Say where to run from when a relative ``path`` is in our folder.

    The curriculum's ``0-main.py`` names ``'user_data.csv'`` as it is, so
    it only finds the file when run from this folder.
    """
    if (not os.path.isabs(path) and not os.path.exists(path)
            and (FOLDER / path).exists()):
        folder = shown(FOLDER)
        raise SeedError(f"{path} is in {folder}, not in the current folder: "
                        f"run the script from there (cd {folder}).")


def read_users(path: str) -> list[User]:
    """Read and check every row of the CSV before anything is written."""
    check_folder(path)
    try:
        with open(path, newline="", encoding="utf-8") as source:
            reader = csv.DictReader(source)
            if reader.fieldnames is None:
                raise SeedError(f"{path} is empty.")
            if reader.fieldnames != CSV_COLUMNS:
                raise SeedError(f"{path}, line 1: the header must be "
                                f"{','.join(CSV_COLUMNS)}.")
            return [_parse_row(path, reader.line_num, row) for row in reader]
    except OSError as error:
        raise SeedError(f"Cannot read {path}: {error.strerror}.") from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise SeedError(f"{path}: not a readable CSV file ({error}).") \
            from None


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


def _end_as_a_tool(kind: type[BaseException], error: BaseException,
                   traceback: TracebackType | None) -> None:
    """Report an uncaught exception the way a command-line tool would.

    Ctrl-C needs no report: the interpreter then ends itself by SIGINT,
    which a shell reports as status 130. A MySQL error gets its sentence
    (status 1). Anything else is a bug, and its traceback is shown.
    """
    if issubclass(kind, KeyboardInterrupt):
        return
    if issubclass(kind, mysql.connector.Error):
        print(why(error), file=sys.stderr)
        return
    sys.__excepthook__(kind, error, traceback)


def _discard_output() -> None:
    """Send the rest of standard output to /dev/null: its reader has gone.

    The interpreter flushes standard output once more at exit; into the
    closed pipe that would fail again, and print a second error.
    """
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.__stdout__.fileno())


class _Output:
    """Standard output that ends the program, status 0, when its reader goes.

    A closed pipe (``./3-main.py | head -n 7``) is a normal end for a
    command-line tool: the program stops there (its streams cancel their
    queries on the way out), with no error and no traceback.
    """

    def __init__(self, stream: TextIO) -> None:
        """Wrap the real standard output."""
        self._stream = stream

    def write(self, text: str) -> int:
        """Write ``text``; if nobody reads any more, end the program."""
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            _discard_output()
            raise SystemExit(0) from None

    def flush(self) -> None:
        """Flush; if nobody reads any more, end the program."""
        try:
            self._stream.flush()
        except BrokenPipeError:
            _discard_output()
            raise SystemExit(0) from None

    def __getattr__(self, name: str) -> object:
        """Everything else is the real standard output's."""
        return getattr(self._stream, name)


def _flush_at_exit() -> None:
    """Write what is left of the output before the interpreter's last flush.

    That flush must not fail (a closed pipe there means status 120): what
    the reader no longer wants goes to /dev/null.
    """
    try:
        sys.__stdout__.flush()
    except BrokenPipeError:
        _discard_output()
    except ValueError:
        pass  # The script closed standard output itself: nothing to write.


if Path(sys.argv[0]).resolve().parent == FOLDER:
    # The program is one of this folder's scripts: ours, or the
    # curriculum's own main files, which catch nothing. Either way it ends
    # as a command-line tool does, whatever way it ends.
    sys.excepthook = _end_as_a_tool
    sys.stdout = _Output(sys.stdout)
    atexit.register(_flush_at_exit)


if __name__ == "__main__":
    seed(str(FOLDER / "user_data.csv"))
