#!/usr/bin/env python3
"""Helpers of the API tests that only tests need: waiting for a state,
raw socket exchanges, and SQL on a live server's database.

Clients, people and servers shared with the benchmarks are in
``messaging_app.testing``.
"""
import socket
import threading
import time
from collections.abc import Callable

from messaging_app.request import Request
from messaging_app.response import Response, json_response
from messaging_app.server import ApiServer
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
