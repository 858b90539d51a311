#!/usr/bin/env python3
"""Helpers of the API tests: live servers in this process and users.

A server runs on 127.0.0.1 and a free port, on a SQLite file in a
temporary folder, with a low password cost (the one setting tests change
for speed). Tests talk to it over real HTTP with ``ApiClient``.
"""
import itertools
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator, List, Tuple

from messaging_app.client import ApiClient
from messaging_app.request import Request
from messaging_app.response import Response, json_response
from messaging_app.server import ApiServer, running_server
from messaging_app.settings import RateLimit, Settings

TEST_PASSWORD_COST = 1000
NAMES = itertools.count(1)
# Seconds before a test that waits for the server gives up.
WAIT = 10


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` until it holds; fail after WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the expected state was never reached")
        time.sleep(0.01)


def fast_settings(folder: Path, **changes: object) -> Settings:
    """Return fast test settings for a server with its files in
    ``folder``."""
    base = Settings(db_path=folder / "messaging.sqlite3", port=0,
                    log_file=folder / "requests.log",
                    password_cost=TEST_PASSWORD_COST,
                    rate_limit=RateLimit(10_000, 60))
    return replace(base, **changes)


@contextmanager
def live_server(folder: Path, routes: List = None,
                server_class: type = ApiServer,
                **changes: object) -> Iterator[ApiServer]:
    """Run a server with test settings for the ``with`` block."""
    with running_server(fast_settings(folder, **changes), routes,
                        server_class) as server:
        yield server


@dataclass
class Person:
    """A registered, logged-in user: their client, record and tokens."""

    client: ApiClient
    user: dict
    password: str
    refresh: str

    @property
    def user_id(self) -> str:
        """Return the user's id."""
        return self.user["user_id"]


def register(base_url: str, role_prefix: str = "user") -> Person:
    """Register a new user with a unique name and log them in."""
    name = "{}{}".format(role_prefix, next(NAMES))
    password = name + "-secret-pw"
    anonymous = ApiClient(base_url)
    reply = anonymous.post("/api/users/", {
        "username": name, "email": name + "@example.com",
        "password": password, "first_name": name.title(),
        "last_name": "Tester", "phone_number": "+254700000000"})
    assert reply.status == 201, reply.body
    tokens = anonymous.post("/api/token/", {
        "username": name, "password": password}).body
    return Person(ApiClient(base_url, tokens["access"]), reply.body,
                  password, tokens["refresh"])


def rows(server: ApiServer, sql: str, *params: object) -> List[tuple]:
    """Query the server's database file directly, as a reader would."""
    connection = sqlite3.connect(str(server.app.services.settings.db_path))
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def conversation_between(owner: Person, *others: Person) -> str:
    """Open a conversation from ``owner`` with ``others``; return its
    messages path."""
    reply = owner.client.post("/api/conversations/", {
        "participants": [other.user_id for other in others]})
    assert reply.status == 201, reply.body
    return "/api/conversations/{}/messages/".format(
        reply.body["conversation_id"])


def exchange(address: Tuple[str, int], data: bytes) -> bytes:
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
