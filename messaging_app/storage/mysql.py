"""The MariaDB/MySQL engine, for more than one process or machine.

Selected by a URL: ``mysql://user:password@host:port/database`` (or
``mariadb://``; ``?socket=/path`` connects through a Unix socket instead).
The database is created on first use, in ``utf8mb4`` with a binary
collation: uniqueness and ordering are decided by the application's own
keys (see users.py), exactly as on SQLite. Each process keeps a small pool
of connections; InnoDB's row locks let writers of different conversations
commit side by side.
"""
import re
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import mysql.connector
from mysql.connector import errorcode

from messaging_app.storage.engine import (SORT_KEY_DIGITS, Dialect, Engine,
                                          Transaction)
from messaging_app.storage.errors import (Busy, StorageError,
                                          UniqueViolation, Unavailable)
from messaging_app.storage.pool import Pool, close_quietly

POOL_SIZE = 16
WAIT_SECONDS = 5
SAFE_NAME = re.compile(r"[A-Za-z0-9_]{1,64}\Z")
MIGRATION_LOCK = "messaging_app.migrate"
# Every connection: strict SQL, lock waits as long as SQLite's, and READ
# COMMITTED: under REPEATABLE READ, a post's UPDATE of a range of
# participants also locks the gaps beside it, and concurrent posts into
# neighbouring conversations deadlocked (a 503 in some runs of eight
# posters). Each statement still sees one committed state.
SESSION = ("SET SESSION sql_mode = 'TRADITIONAL', "
           f"innodb_lock_wait_timeout = {WAIT_SECONDS}",
           "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
# Errors after which the connection cannot be trusted again.
CONNECTION_LOST = {errorcode.CR_SERVER_GONE_ERROR, errorcode.CR_SERVER_LOST,
                   errorcode.CR_CONNECTION_ERROR,
                   errorcode.CR_CONN_HOST_ERROR,
                   errorcode.CR_SERVER_LOST_EXTENDED}
BUSY = {errorcode.ER_LOCK_WAIT_TIMEOUT, errorcode.ER_LOCK_DEADLOCK,
        errorcode.ER_CON_COUNT_ERROR, errorcode.ER_TOO_MANY_USER_CONNECTIONS}
# The server's read_only (for a user who is no admin), a read-only
# transaction or session, a read-only InnoDB.
READ_ONLY = {errorcode.ER_OPTION_PREVENTS_STATEMENT,
             errorcode.ER_CANT_LOCK, errorcode.ER_READ_ONLY_MODE,
             errorcode.ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION}
# A user without the rights a statement needs (writing, say).
NO_RIGHTS = {errorcode.ER_TABLEACCESS_DENIED_ERROR,
             errorcode.ER_COLUMNACCESS_DENIED_ERROR}
FULL = {errorcode.ER_RECORD_FILE_FULL, errorcode.OBSOLETE_ER_DISK_FULL}


class MySQLDialect(Dialect):
    """MariaDB's column types, upsert and index syntax, and ``%s``
    placeholders."""

    name = "mysql"
    types = {
        "id": "CHAR(36) CHARACTER SET ascii COLLATE ascii_bin",
        "name": "VARCHAR(255)",
        "text": "TEXT",
        "time": "CHAR(27) CHARACTER SET ascii COLLATE ascii_bin",
        "serial": "BIGINT PRIMARY KEY AUTO_INCREMENT",
        "nocase": "",
        "table": "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
                 "COLLATE=utf8mb4_bin",
        "table_without_rowid": "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
                               "COLLATE=utf8mb4_bin",
    }

    def rewrite(self, sql: str) -> str:
        """Use the driver's ``%s`` placeholders (no statement holds a
        literal ``%`` or ``?``)."""
        return sql.replace("?", "%s")

    def increment(self, table: str, columns: Sequence[str], counter: str,
                  conflict: Sequence[str]) -> str:
        """Return INSERT ... ON DUPLICATE KEY UPDATE adding 1 (MariaDB
        finds the clashing unique key itself)."""
        names = ", ".join((*columns, counter))
        marks = ", ".join("?" for _ in columns)
        return (f"INSERT INTO {table} ({names}) VALUES ({marks}, 1) "
                f"ON DUPLICATE KEY UPDATE {counter} = {counter} + 1")

    def drop_index(self, name: str, table: str) -> str:
        """Return DROP INDEX ... ON table (MariaDB names indexes per
        table)."""
        return f"DROP INDEX IF EXISTS {name} ON {table}"

    def path_start(self, number: str, length: int) -> str:
        """Return LPAD's digits cast to CHAR(length): MariaDB sizes the
        columns of a recursive query by its first rows."""
        return (f"CAST(LPAD({number}, {SORT_KEY_DIGITS}, '0') "
                f"AS CHAR({length}))")

    def path_step(self, path: str, number: str) -> str:
        """Return CONCAT(path, digits) (|| means OR in MariaDB)."""
        return f"CONCAT({path}, LPAD({number}, {SORT_KEY_DIGITS}, '0'))"


def parse_url(url: str) -> dict[str, Any]:
    """Read the connection options out of a ``mysql://`` URL."""
    parts = urlsplit(url)
    database = unquote(parts.path.lstrip("/"))
    if not SAFE_NAME.match(database):
        raise StorageError(
            f"The database URL must end in a database name of letters, "
            f"digits and _ (mysql://user:password@host:port/name), not "
            f"{database!r}.")
    options: dict[str, Any] = {
        "host": parts.hostname or "127.0.0.1", "port": parts.port or 3306,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""), "database": database}
    socket = parse_qs(parts.query).get("socket")
    if socket:
        options["unix_socket"] = socket[-1]
    return options


class MySQLEngine(Engine):
    """A MariaDB (or MySQL) database reached over TCP or a socket."""

    dialect = MySQLDialect()
    driver_error = mysql.connector.Error

    def __init__(self, url: str) -> None:
        """Connect as the URL says, with a pool of POOL_SIZE per
        process."""
        self.options = parse_url(url)
        # The driver's connection.cursor() asks the server whether the
        # connection is alive, a round trip each time: each connection
        # makes one buffered cursor when it opens and runs every statement
        # on it (the cursor refers to its connection weakly).
        self.cursors: weakref.WeakKeyDictionary[Any, Any] = (
            weakref.WeakKeyDictionary())
        pool = Pool(self.connect, POOL_SIZE, WAIT_SECONDS)
        super().__init__(pool, pool)

    @property
    def description(self) -> str:
        """Name the server and database, without the password."""
        where = self.options.get("unix_socket") or (
            f"{self.options['host']}:{self.options['port']}")
        return f"the MySQL database {self.options['database']} at {where}"

    def connect(self, database: bool = True) -> Any:
        """Open a connection in utf8mb4 with strict SQL and a lock wait as
        long as SQLite's busy timeout."""
        options = dict(self.options)
        if not database:
            options.pop("database")
        try:
            connection = mysql.connector.connect(
                **options, autocommit=True, charset="utf8mb4",
                collation="utf8mb4_bin", connection_timeout=WAIT_SECONDS)
            cursor = connection.cursor(buffered=True)
            for statement in SESSION:
                cursor.execute(statement)
            self.cursors[connection] = cursor
        except mysql.connector.Error as error:
            raise self.translate(error) or Unavailable(
                f"Cannot use {self.description}: {error.msg}.") from None
        return connection

    def begin(self, connection: Any, write: bool) -> Any:
        """Start a transaction (READ ONLY for reads)."""
        return self.start_turn(connection, "START TRANSACTION" if write
                               else "START TRANSACTION READ ONLY")

    def run_alone(self, connection: Any, sql: str,
                  params: tuple) -> list[tuple]:
        """Run one statement in autocommit mode (its own transaction)."""
        return list(self.start_turn(connection, sql, params).fetchall())

    def start_turn(self, connection: Any, sql: str,
                   params: tuple = ()) -> Any:
        """Run the first statement of a connection's turn on its cursor,
        and return the cursor.

        A connection that the server dropped while it sat in the pool
        fails here, before anything has happened: it is reconnected and
        the statement sent again.
        """
        cursor = self.cursors[connection]
        try:
            cursor.execute(sql, params)
        except mysql.connector.Error as error:
            if error.errno not in CONNECTION_LOST and \
                    connection.is_connected():
                raise
            try:
                connection.reconnect()
            except mysql.connector.Error:
                raise Unavailable(f"Cannot reach {self.description}.") \
                    from None
            for statement in SESSION:
                cursor.execute(statement)
            cursor.execute(sql, params)
        return cursor

    def translate(self, error: Exception) -> StorageError | None:
        """Map MariaDB's error numbers to storage errors."""
        number = getattr(error, "errno", None)
        if number == errorcode.ER_DUP_ENTRY:
            return UniqueViolation(str(error))
        if number in BUSY:
            return Busy("The database is busy; try again shortly.")
        if number in READ_ONLY:
            return Unavailable("The database is read-only, so nothing can "
                               "be saved; its operator must fix it.")
        if number in FULL:
            return Unavailable("The database's disk is full, so nothing "
                               "can be saved; its operator must free "
                               "space.")
        if number in CONNECTION_LOST or number == errorcode.CR_UNKNOWN_HOST:
            return Unavailable(f"Cannot reach {self.description}.")
        if number in (errorcode.ER_ACCESS_DENIED_ERROR,
                      errorcode.ER_DBACCESS_DENIED_ERROR):
            return Unavailable(f"{self.description} refused the user and "
                               "password of the database URL.")
        if number in NO_RIGHTS:
            return Unavailable(f"The user of the database URL lacks "
                               f"rights on {self.description} that the "
                               f"server needs; its operator must grant "
                               f"them.")
        return None

    def schema_version(self, transaction: Transaction) -> int:
        """Read the version from the ``schema_version`` table."""
        transaction.execute("CREATE TABLE IF NOT EXISTS schema_version "
                            "(version INTEGER NOT NULL) ENGINE=InnoDB")
        return int(transaction.value(
            "SELECT COALESCE(MAX(version), 0) FROM schema_version"))

    def set_schema_version(self, transaction: Transaction,
                           version: int) -> None:
        """Replace the version in the ``schema_version`` table."""
        transaction.execute("DELETE FROM schema_version")
        transaction.execute(
            "INSERT INTO schema_version (version) VALUES (?)", (version,))

    @contextmanager
    def migrating(self) -> Iterator[Transaction]:
        """Create the database if needed, then hold a server-wide named
        lock while migrating: MariaDB commits each DDL statement at once,
        so a transaction alone would not keep two processes apart."""
        self.create_database()
        with self.transaction(write=True) as transaction:
            got = transaction.value("SELECT GET_LOCK(?, ?)",
                                    (MIGRATION_LOCK, WAIT_SECONDS * 12))
            if got != 1:
                raise Busy("Another process is migrating the database; "
                           "try again shortly.")
            try:
                yield transaction
            finally:
                transaction.value("SELECT RELEASE_LOCK(?)",
                                  (MIGRATION_LOCK,))

    def create_database(self) -> None:
        """Create the URL's database when it does not exist yet."""
        connection = self.connect(database=False)
        try:
            self.cursors[connection].execute(
                f"CREATE DATABASE IF NOT EXISTS "
                f"`{self.options['database']}` CHARACTER SET utf8mb4 "
                f"COLLATE utf8mb4_bin")
        except mysql.connector.Error as error:
            raise self.translate(error) or Unavailable(
                f"Cannot create {self.description}: {error.msg}.") from None
        finally:
            close_quietly(connection)
