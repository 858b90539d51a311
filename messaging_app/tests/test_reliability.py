#!/usr/bin/env python3
"""The API facing slow or broken clients.

Each test runs a real server process on loopback: clients that stall, lie
about their body, idle or send an oversized header neither block other
clients nor hold a thread for ever. (Concurrency and crashes, on two
processes and both engines, are in test_scale_out.py.) Every loop is
bounded and every wait has a generous limit that only prevents a hang.
"""
import socket
import time
from collections.abc import Callable, Iterator

import pytest

from messaging_app.client import ApiClient
from messaging_app.testing import LiveServer
from messaging_app.tests.helpers import read_until_closed

SOCKET_TIMEOUT = 1
HANG_GUARD = 60


@pytest.fixture(scope="module")
def impatient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        LiveServer]:
    """Run a server that drops a silent connection after one second; its
    per-address cap is raised, since every test client comes from
    127.0.0.1 and these tests are about time limits."""
    folder = tmp_path_factory.mktemp("impatient")
    live = LiveServer(folder / "chat.sqlite3",
                      {"MESSAGING_SOCKET_TIMEOUT": str(SOCKET_TIMEOUT),
                       "MESSAGING_MAX_CONNECTIONS_PER_ADDRESS": "512"})
    yield live
    live.stop()


def wait_until(condition: Callable[[], bool]) -> bool:
    """Poll ``condition`` until it holds or the hang guard runs out."""
    deadline = time.monotonic() + HANG_GUARD
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def connect(server: LiveServer) -> socket.socket:
    """Open a raw TCP connection to the server."""
    return socket.create_connection(server.address, timeout=HANG_GUARD)


def status_of(raw: bytes) -> int:
    """Return the status code of a raw HTTP response."""
    return int(raw.split(b" ", 2)[1])


def healthy(server: LiveServer) -> bool:
    """Ask for the health check on a fresh connection; True on a 200."""
    client = ApiClient(server.url, timeout=HANG_GUARD)
    return client.get("/api/health/").status == 200


def threads_settle(server: LiveServer) -> bool:
    """Wait until the server is back to its idle number of threads."""
    return wait_until(lambda: server.thread_count() <= server.idle_threads)


def test_half_sent_request_is_dropped_and_others_served(
        impatient: LiveServer) -> None:
    """A request line and half the headers, then silence."""
    with connect(impatient) as stalled:
        stalled.sendall(b"GET /api/health/ HTTP/1.1\r\nHost: x\r\n")
        assert healthy(impatient)
        assert read_until_closed(stalled) == b""
    assert threads_settle(impatient)


def test_short_body_gets_408_and_others_served(
        impatient: LiveServer) -> None:
    """A body shorter than its Content-Length ends in 408 and a close."""
    with connect(impatient) as stalled:
        stalled.sendall(b"POST /api/users/ HTTP/1.1\r\nHost: x\r\n"
                        b"Content-Type: application/json\r\n"
                        b"Content-Length: 1000\r\n\r\n{\"user")
        assert healthy(impatient)
        answer = read_until_closed(stalled)
    assert status_of(answer) == 408
    assert answer.endswith(b'"detail":"The request body did not arrive '
                           b'in time."}')
    assert threads_settle(impatient)


def test_300_idle_connections_do_not_block_others(
        impatient: LiveServer) -> None:
    """300 silent connections: others served, all 300 closed, threads back.
    """
    idle = [connect(impatient) for _ in range(300)]
    try:
        assert healthy(impatient)
        assert [read_until_closed(c) for c in idle] == [b""] * 300
    finally:
        for connection in idle:
            connection.close()
    assert threads_settle(impatient)
    assert healthy(impatient)


def test_100_kb_header_gets_431(impatient: LiveServer) -> None:
    """A 100 KB header line is refused with a JSON 431, not a crash."""
    with connect(impatient) as huge:
        huge.sendall(b"GET /api/health/ HTTP/1.1\r\nHost: x\r\nX-Big: " +
                     b"a" * 100_000 + b"\r\n\r\n")
        answer = read_until_closed(huge)
    assert status_of(answer) == 431
    assert answer.split(b"\r\n\r\n", 1)[1].startswith(b'{"detail":')
    assert healthy(impatient)
    assert threads_settle(impatient)
