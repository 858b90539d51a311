"""The SQLite engine: an embedded file, the default.

Every connection runs in WAL mode (readers never wait for the writer),
with foreign keys on, a busy timeout and ``synchronous=NORMAL`` (a crash
of the process loses nothing; a power cut may undo the last commits).
Writers take the write lock when they begin (``BEGIN IMMEDIATE``), so they
queue instead of failing half-way. The schema version is SQLite's own
``PRAGMA user_version``.

Within one process, writes go through one connection, handed to one
thread at a time by a pool of one: writers then queue on that pool rather
than in SQLite's busy handler, which sleeps and polls. Reads get one
connection of their own, beside the writer's: every sqlite3 call lets go
of Python's global lock, and threads reading side by side pass it back
and forth at each call, which costs more than they gain. Other processes
on the same file (several workers) meet at the file's lock, in the busy
handler.

A thread of the engine copies the WAL back into the database file every
``CHECKPOINT_SECONDS``, beside the requests. By default SQLite does it in
the commit that takes the WAL past 1,000 pages, and that commit, with
every writer queued behind it, then waits for the copy and its fsyncs,
which makes the slowest requests under load many times slower. The
thread's passes never block a writer (PASSIVE); a commit still
checkpoints once the WAL reaches ``WAL_LIMIT_PAGES``, should the thread
fall behind.
"""
import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from messaging_app.files import create_owner_only, make_folder
from messaging_app.storage.engine import (SORT_KEY_DIGITS, Dialect, Engine,
                                          Transaction)
from messaging_app.storage.errors import (Busy, StorageError,
                                          UniqueViolation, Unavailable)
from messaging_app.storage.pool import Pool

BUSY_TIMEOUT_SECONDS = 5.0
READERS = 1
CHECKPOINT_SECONDS = 0.2
WAL_LIMIT_PAGES = 10_000

logger = logging.getLogger("messaging_app")


class SQLiteDialect(Dialect):
    """SQLite's column types, upsert and index syntax."""

    name = "sqlite"
    builds_json = True
    types = {
        "id": "TEXT",
        "name": "TEXT",
        "text": "TEXT",
        "time": "TEXT",
        "serial": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "nocase": "COLLATE NOCASE",
        "table": "",
        "table_without_rowid": "WITHOUT ROWID",
    }

    def increment(self, table: str, columns: Sequence[str], counter: str,
                  conflict: Sequence[str]) -> str:
        """Return INSERT ... ON CONFLICT DO UPDATE adding 1."""
        names = ", ".join((*columns, counter))
        marks = ", ".join("?" for _ in columns)
        return (f"INSERT INTO {table} ({names}) VALUES ({marks}, 1) "
                f"ON CONFLICT ({', '.join(conflict)}) "
                f"DO UPDATE SET {counter} = {counter} + 1")

    def drop_index(self, name: str, table: str) -> str:
        """Return DROP INDEX IF EXISTS (SQLite names indexes globally)."""
        return f"DROP INDEX IF EXISTS {name}"

    def json_object(self, members: Sequence[tuple[str, str]]) -> str:
        """Return json_object('name', expression, ...)."""
        return "json_object(" + ", ".join(
            f"'{name}', {expression}" for name, expression in members) + ")"

    def json_array(self, item: str, order: str) -> str:
        """Return json_group_array, which takes the rows in the order the
        subquery gives them (SQLite before 3.44 has no ORDER BY inside an
        aggregate)."""
        return f"json_group_array({item})"

    def json_boolean(self, condition: str) -> str:
        """Return json('true') or json('false'): text that json() marks as
        JSON, so json_object embeds it as a literal."""
        return f"json(CASE WHEN {condition} THEN 'true' ELSE 'false' END)"

    def path_start(self, number: str, length: int) -> str:
        """Return printf's zero-padded digits (SQLite's text has no
        length)."""
        return f"printf('%0{SORT_KEY_DIGITS}d', {number})"

    def path_step(self, path: str, number: str) -> str:
        """Return path || zero-padded digits."""
        return f"{path} || printf('%0{SORT_KEY_DIGITS}d', {number})"


class SQLiteEngine(Engine):
    """A SQLite database file."""

    dialect = SQLiteDialect()
    driver_error = sqlite3.Error

    def __init__(self, path: Path | str) -> None:
        """Use the file at ``path``, creating its folder if needed."""
        self.path = Path(path)
        wait = BUSY_TIMEOUT_SECONDS
        super().__init__(Pool(self.connect, READERS, wait),
                         Pool(self.connect, 1, wait))
        self._stopping = threading.Event()
        self._checkpointer = threading.Thread(
            target=self._checkpoint_often, name="wal-checkpoint",
            daemon=True)
        self._checkpointer.start()

    @property
    def description(self) -> str:
        """Name the file."""
        return f"the SQLite database {self.path}"

    def connect(self) -> sqlite3.Connection:
        """Open a connection in WAL mode with foreign keys and a busy
        timeout, creating the file owner-only if needed; the caller
        issues BEGIN and COMMIT itself."""
        try:
            make_folder(self.path.parent)
            # Owner-only from the start: SQLite then gives its -wal and
            # -shm files the same mode.
            create_owner_only(self.path)
        except OSError as error:
            raise Unavailable(
                f"Cannot create {self.description}: "
                f"{error.strerror}.") from None
        connection = sqlite3.connect(
            str(self.path), timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=None, check_same_thread=False)
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute(
                f"PRAGMA wal_autocheckpoint = {WAL_LIMIT_PAGES}")
        except sqlite3.Error as error:
            connection.close()
            raise self.translate(error) or Unavailable(
                f"Cannot use {self.description}: {error}.") from None
        return connection

    def begin(self, connection: sqlite3.Connection,
              write: bool) -> sqlite3.Cursor:
        """BEGIN IMMEDIATE for writes (the write lock at once), BEGIN for
        reads (a snapshot from the first read on)."""
        cursor = connection.cursor()
        cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        return cursor

    def run_alone(self, connection: sqlite3.Connection, sql: str,
                  params: tuple) -> list[tuple]:
        """Run one statement in SQLite's own implicit transaction."""
        return connection.execute(sql, params).fetchall()

    def _checkpoint_often(self) -> None:
        """Checkpoint the WAL, on a connection of its own, until closed; a
        failure is logged once, until a checkpoint succeeds again."""
        connection: sqlite3.Connection | None = None
        failing = False
        while not self._stopping.wait(CHECKPOINT_SECONDS):
            try:
                connection = connection or self.connect()
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except (sqlite3.Error, StorageError) as error:
                if not failing:
                    logger.warning("WAL checkpoint failed: %s", error)
                failing = True
            else:
                failing = False
        if connection is not None:
            connection.close()

    def close(self) -> None:
        """Stop the checkpoint thread, then close the connections."""
        self._stopping.set()
        self._checkpointer.join()
        super().close()

    def translate(self, error: Exception) -> StorageError | None:
        """Map SQLite's errors to storage errors by their message, which
        every Python version has (``sqlite_errorname`` came in 3.11)."""
        text = str(error).lower()
        if isinstance(error, sqlite3.IntegrityError) and "unique" in text:
            return UniqueViolation(str(error))
        if "locked" in text or "busy" in text:
            return Busy("The database is busy; try again shortly.")
        if "readonly" in text or "read-only" in text:
            return Unavailable("The database is read-only, so nothing can "
                               "be saved; its operator must fix it.")
        if "disk is full" in text:
            return Unavailable("The database's disk is full, so nothing "
                               "can be saved; its operator must free "
                               "space.")
        if "unable to open" in text or "disk i/o" in text:
            return Unavailable(f"Cannot open {self.description}: {error}.")
        return None

    def schema_version(self, transaction: Transaction) -> int:
        """Read ``PRAGMA user_version``."""
        return int(transaction.value("PRAGMA user_version"))

    def set_schema_version(self, transaction: Transaction,
                           version: int) -> None:
        """Write ``PRAGMA user_version`` (it takes no placeholder; the
        value is our own whole number)."""
        transaction.execute(f"PRAGMA user_version = {int(version)}")

    @contextmanager
    def migrating(self) -> Iterator[Transaction]:
        """One write transaction: SQLite's DDL is transactional and the
        write lock keeps other processes out."""
        with self.transaction(write=True) as transaction:
            yield transaction
