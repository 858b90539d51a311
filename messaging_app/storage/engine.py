"""Connections and transactions, the same for every database engine.

An engine (``sqlite.py``, ``mysql.py``) says how to connect, how to begin
a transaction, how its SQL differs (its ``Dialect``) and which of its
driver's errors mean busy, unavailable or a duplicate. This module lends
pooled connections one transaction at a time and turns the driver's errors
into the exceptions of ``errors.py``, so that nothing above storage ever
sees a driver.

Statements are written once, with ``?`` placeholders; the dialect rewrites
them for its driver.
"""
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from messaging_app.storage.errors import Busy, StorageError, Unavailable
from messaging_app.storage.pool import Pool

Params = Sequence[Any]
# Digits of a whole number written as text that sorts as the number does
# (a BIGINT has at most 19).
SORT_KEY_DIGITS = 20


def placeholders(values: Sequence[object]) -> str:
    """Return ``?, ?, ?`` with one placeholder per value."""
    return ", ".join("?" for _ in values)


class Dialect:
    """The parts of SQL that differ between engines, gathered per engine.

    ``types`` fills the column types and table options of the schema's
    statements (see schema.py).
    """

    name = ""
    types: Mapping[str, str] = {}
    # Whether pages of messages are built as JSON by the database (see
    # storage/pages.py) rather than laid out from rows.
    builds_json = False

    def __init__(self) -> None:
        """Start with no statement rewritten yet."""
        self._rewritten: dict[str, str] = {}

    def statement(self, sql: str) -> str:
        """Return ``sql`` in the driver's placeholder style (cached)."""
        found = self._rewritten.get(sql)
        if found is None:
            found = self._rewritten[sql] = self.rewrite(sql)
        return found

    def rewrite(self, sql: str) -> str:
        """Rewrite ``?`` placeholders for the driver; ``?`` by default."""
        return sql

    def increment(self, table: str, columns: Sequence[str], counter: str,
                  conflict: Sequence[str]) -> str:
        """Return an upsert that inserts a row of ``columns`` with
        ``counter`` at 1, or adds 1 to ``counter`` of the row that has the
        same ``conflict`` columns (a unique key)."""
        raise NotImplementedError

    def drop_index(self, name: str, table: str) -> str:
        """Return the statement that drops index ``name`` of ``table``."""
        raise NotImplementedError

    def json_object(self, members: Sequence[tuple[str, str]]) -> str:
        """Return an expression building a JSON object of these (name,
        SQL expression) members; the names are our own constants."""
        raise NotImplementedError

    def json_array(self, item: str, order: str) -> str:
        """Return an aggregate building a JSON array of ``item`` over the
        rows of a subquery ordered by ``order`` (``[]`` for none)."""
        raise NotImplementedError

    def json_boolean(self, condition: str) -> str:
        """Return an expression that the JSON functions write as true or
        false: the engines' own booleans are the numbers 1 and 0."""
        raise NotImplementedError

    def path_start(self, number: str, length: int) -> str:
        """Return the sort path of a recursive query's first row: the
        whole number ``number`` as SORT_KEY_DIGITS digits, in a column
        room for ``length`` characters."""
        raise NotImplementedError

    def path_step(self, path: str, number: str) -> str:
        """Return ``path`` followed by ``number`` as SORT_KEY_DIGITS
        digits: paths then sort depth first."""
        raise NotImplementedError


class Transaction:
    """One transaction on a lent connection: run statements, read rows.

    Committed when its ``with`` block ends normally, rolled back when it
    raises or after ``discard()``.
    """

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        """Run statements on ``cursor``, rewritten by ``dialect``."""
        self._cursor = cursor
        self.dialect = dialect
        self.discarded = False

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return how many rows it changed."""
        self._cursor.execute(self.dialect.statement(sql), tuple(params))
        return int(self._cursor.rowcount)

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        """Run one statement once for each of ``rows``."""
        self._cursor.executemany(self.dialect.statement(sql),
                                 [tuple(row) for row in rows])

    def rows(self, sql: str, params: Params = ()) -> list[tuple]:
        """Run a query and return all its rows."""
        self._cursor.execute(self.dialect.statement(sql), tuple(params))
        return list(self._cursor.fetchall())

    def row(self, sql: str, params: Params = ()) -> tuple | None:
        """Run a query and return its first row, or None."""
        found = self.rows(sql, params)
        return found[0] if found else None

    def value(self, sql: str, params: Params = ()) -> Any:
        """Run a query and return the first column of its first row."""
        found = self.row(sql, params)
        return found[0] if found else None

    def discard(self) -> None:
        """Roll the transaction back at the end of its block instead of
        committing it."""
        self.discarded = True


class Engine:
    """A database: its dialect, its pools and its driver's errors.

    Subclasses give ``connect``, ``begin``, ``translate``, the schema
    version and the migration lock; ``transaction`` is the one way the
    storage modules reach the database.
    """

    dialect: Dialect
    # The base class of every exception the driver raises.
    driver_error: type[Exception] = Exception

    def __init__(self, read_pool: Pool, write_pool: Pool) -> None:
        """Lend reading and writing connections from these pools (which
        may be one pool)."""
        self.read_pool = read_pool
        self.write_pool = write_pool

    @property
    def description(self) -> str:
        """Name the database for messages, without any password."""
        raise NotImplementedError

    def connect(self) -> Any:
        """Open a new connection with the settings every query expects."""
        raise NotImplementedError

    def begin(self, connection: Any, write: bool) -> Any:
        """Start a transaction on ``connection``; return its cursor."""
        raise NotImplementedError

    def translate(self, error: Exception) -> StorageError | None:
        """Return the storage error that a driver error means, or None
        when it means nothing expected (it is then raised as it is)."""
        raise NotImplementedError

    def schema_version(self, transaction: Transaction) -> int:
        """Return the schema version the database is at."""
        raise NotImplementedError

    def set_schema_version(self, transaction: Transaction,
                           version: int) -> None:
        """Record that the database is at schema ``version``."""
        raise NotImplementedError

    @contextmanager
    def migrating(self) -> Iterator[Transaction]:
        """Yield a transaction that no other process migrates beside."""
        raise NotImplementedError
        yield  # pragma: no cover

    def run_alone(self, connection: Any, sql: str,
                  params: tuple) -> list[tuple]:
        """Run one statement outside any explicit transaction (the
        engine's autocommit) and return its rows."""
        raise NotImplementedError

    @contextmanager
    def lent(self, write: bool) -> Iterator[Any]:
        """Lend a pooled connection for the block. A driver error leaves
        as the storage error it means; a connection that cannot be
        trusted afterwards is closed instead of going back to the pool."""
        pool = self.write_pool if write else self.read_pool
        connection = pool.borrow()
        broken = False
        try:
            yield connection
        except BaseException as error:
            broken = not rolled_back(connection)
            if isinstance(error, self.driver_error):
                meaning = self.translate(error)
                if meaning is not None:
                    broken = broken or (isinstance(meaning, Unavailable)
                                        and not isinstance(meaning, Busy))
                    raise meaning from error
            raise
        finally:
            pool.give_back(connection, broken)

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[Transaction]:
        """Run the block in one transaction on a pooled connection.

        A writing transaction takes its write locks from the start where
        the engine can (SQLite's BEGIN IMMEDIATE), so it waits for its
        turn instead of failing half-way.
        """
        with self.lent(write) as connection:
            transaction = Transaction(self.begin(connection, write),
                                      self.dialect)
            yield transaction
            if transaction.discarded:
                connection.rollback()
            else:
                connection.commit()

    def query(self, sql: str, params: Params = ()) -> list[tuple]:
        """Run one read-only statement on its own and return its rows.

        A single statement sees one consistent state by itself, so it
        needs no BEGIN and COMMIT around it (two statements, or two round
        trips to a server, fewer).
        """
        with self.lent(write=False) as connection:
            return self.run_alone(connection, self.dialect.statement(sql),
                                  tuple(params))

    def close(self) -> None:
        """Close every idle connection of the engine."""
        self.read_pool.close()
        if self.write_pool is not self.read_pool:
            self.write_pool.close()


def rolled_back(connection: Any) -> bool:
    """Roll back whatever is open on ``connection``; False when even that
    failed, so the connection should not be used again."""
    try:
        connection.rollback()
    except Exception:
        return False
    return True
