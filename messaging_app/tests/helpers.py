#!/usr/bin/env python3
"""Helpers of the API tests that only tests need: waiting for a state,
raw socket exchanges, and SQL on a live server's database.

Clients, people and servers shared with the benchmarks are in
``messaging_app.testing``.
"""
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from messaging_app.request import Request
from messaging_app.response import Response, json_response
from messaging_app.server import ApiServer
from messaging_app.storage.engine import Engine
from messaging_app.storage.pool import close_quietly
from messaging_app.testing import Person

# Seconds before a test that waits for the server gives up.
WAIT = 10


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` until it holds; fail after WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the expected state was never reached")
        time.sleep(0.01)


def rows(server: ApiServer, sql: str, *params: object) -> list[tuple]:
    """Query a live server's database (``?`` placeholders)."""
    engine = server.app.services.storage.engine
    with engine.transaction() as transaction:
        return transaction.rows(sql, params)


def exchange(address: tuple[str, int], data: bytes) -> bytes:
    """Send raw bytes and read until the server closes the connection.

    A server that answers before reading everything may reset the
    connection; what it answered until then is returned.
    """
    with socket.create_connection(address, timeout=WAIT) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return read_until_closed(sock)


def read_until_closed(sock: socket.socket) -> bytes:
    """Return what the server sends until it closes (or resets) the
    connection."""
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def hold(entered: threading.Event, release: threading.Event
         ) -> Callable[[object, Request], Response]:
    """Return a view that waits for ``release`` once it has started."""
    def slow(services: object, request: Request) -> Response:
        """Signal that the request is in flight, then wait."""
        entered.set()
        release.wait(WAIT)
        return json_response({"done": True})
    return slow


def send(person: Person, path: str, body: str, **fields: object) -> dict:
    """Post a message (with more ``fields``, such as ``parent_message``)
    to a conversation's messages ``path`` and return it, asserting the
    201."""
    reply = person.client.post(path, {"message_body": body, **fields})
    assert reply.status == 201, reply.body
    return dict(reply.body)


# Each engine's own switch that makes one connection refuse writes, the
# way a read-only database does: SQLite's query_only, a read-only
# transaction mode on MariaDB.
READ_ONLY_SESSION = {"sqlite": "PRAGMA query_only = ON",
                     "mysql": "SET SESSION TRANSACTION READ ONLY"}


def run_on(connection: Any, statements: Sequence[str]) -> None:
    """Run ``statements`` on a driver's connection."""
    cursor = connection.cursor()
    for statement in statements:
        cursor.execute(statement)
    cursor.close()


@contextmanager
def every_connection_runs(engine: Engine,
                          statements: Sequence[str]) -> Iterator[None]:
    """For the block, run ``statements`` on every connection of
    ``engine``: those idle in its pools now, and each one it opens (the
    pools replace a connection that failed with a new one). Afterwards
    the idle connections are closed, so the next requests open fresh
    ones."""
    pools = list({id(pool): pool for pool in (engine.read_pool,
                                              engine.write_pool)}.values())
    originals = [pool._connect for pool in pools]

    def prepared(connect: Callable[[], Any]) -> Callable[[], Any]:
        """Return ``connect`` followed by the statements."""
        def opened() -> Any:
            """Open a connection and run the statements on it."""
            connection = connect()
            run_on(connection, statements)
            return connection
        return opened

    for pool, connect in zip(pools, originals):
        for connection in pool._idle:
            run_on(connection, statements)
        pool._connect = prepared(connect)
    try:
        yield
    finally:
        for pool, connect in zip(pools, originals):
            pool._connect = connect
            idle, pool._idle = pool._idle, []
            for connection in idle:
                close_quietly(connection)


def read_only(engine: Engine) -> Any:
    """Return a context in which ``engine``'s database refuses writes."""
    return every_connection_runs(
        engine, [READ_ONLY_SESSION[engine.dialect.name]])
