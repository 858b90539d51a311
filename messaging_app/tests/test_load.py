#!/usr/bin/env python3
"""Bounded load tests on loopback: clients from one address that never
finish their heads leave room for another address, and clients that
never read a large page do not make the server's memory balloon."""
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from messaging_app.client import ApiClient
from messaging_app.testing import (LiveServer, Person,
                                   conversation_between, live_server,
                                   register)
from messaging_app.tests.helpers import WAIT, read_until_closed
from messaging_app.tests.rawhttp import connect

SLOW_CLIENTS = 16
PER_ADDRESS = 4
NON_READERS = 6
# A page of 100 messages of 10,000 emoji, four bytes each in UTF-8.
PAGE_MESSAGES = 100
MESSAGE = "\N{GRINNING FACE}" * 10_000
# Memory a non-reading client may cost: the page it waits for, and the
# transient copy the page was built from (freed, but kept by the
# allocator's per-thread arena); plus some slack for the threads.
PAGES_PER_CLIENT = 2
SLACK_BYTES = 12 << 20


def test_slow_heads_from_one_address_leave_room_for_another(
        tmp_path: Path) -> None:
    """Sixteen connections from 127.0.0.1 that never finish their heads,
    as many as the global cap: four are held, the others are told 429 at
    once, and a client from 127.0.0.2 is still served."""
    with live_server(tmp_path, max_connections=SLOW_CLIENTS,
                     max_connections_per_address=PER_ADDRESS,
                     header_timeout=WAIT, socket_timeout=WAIT) as server:
        address = server.server_address[:2]
        slow = [connect(address) for _ in range(SLOW_CLIENTS)]
        for sock in slow:
            sock.sendall(b"GET /api/health/ HTTP/1.1\r\nHost: x\r\nX-")
        refused = [read_until_closed(sock) for sock in slow[PER_ADDRESS:]]
        assert all(answer.startswith(b"HTTP/1.1 429 ")
                   and b"Retry-After: 1\r\n" in answer
                   and answer.endswith(b'{"detail":"Too many connections '
                                       b'from your address; close one and '
                                       b'try again."}')
                   for answer in refused)
        assert server.open_connections() == PER_ADDRESS
        with connect(address, source="127.0.0.2") as other:
            other.sendall(b"GET /api/health/ HTTP/1.1\r\nHost: x\r\n"
                          b"Connection: close\r\n\r\n")
            assert read_until_closed(other).startswith(b"HTTP/1.1 200 ")
        for sock in slow:
            sock.close()


def vm_rss(server: LiveServer) -> int:
    """Return the resident memory of the server process, in bytes."""
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


@pytest.fixture
def page_server(tmp_path: Path) -> Iterator[tuple[LiveServer, Person, str]]:
    """A server process with a conversation of 100 long messages; yields
    it, the reader and the path of a page holding all of them."""
    live = LiveServer(tmp_path / "pages.sqlite3", {
        "MESSAGING_RATE_LIMIT": "1000000/60",
        "MESSAGING_MAX_CONNECTIONS_PER_ADDRESS": "64"})
    try:
        client = ApiClient(live.url)
        writer, reader = register(client), register(client)
        path = conversation_between(writer, reader)
        for _ in range(PAGE_MESSAGES):
            assert writer.client.post(path, {
                "message_body": MESSAGE}).status == 201
        yield live, reader, f"{path}?page_size={PAGE_MESSAGES}"
    finally:
        live.stop()


def test_clients_that_never_read_a_large_page_hold_one_copy_each(
        page_server: tuple[LiveServer, Person, str]) -> None:
    """Six clients ask for a 4 MB page and read nothing: the server holds
    each page once (the send makes no copy) until they go, so its memory
    grows by at most two pages per client (the page and what it was
    built from) and some slack; copying the page for the send made it
    three."""
    live, reader, path = page_server
    client = ApiClient(live.url, reader.client.token, timeout=WAIT)
    page_bytes = len(client.get(path).raw)
    assert page_bytes > 4_000_000
    before = vm_rss(live)
    request = (f"GET {path} HTTP/1.1\r\nHost: x\r\n"
               f"Authorization: Bearer {reader.client.token}\r\n\r\n"
               ).encode()
    stalled = [connect(live.address, receive_buffer=4096)
               for _ in range(NON_READERS)]
    try:
        for sock in stalled:
            sock.sendall(request)
        for sock in stalled:
            # The first byte: the page is built and its send has begun.
            assert sock.recv(1, socket.MSG_PEEK) == b"H"
        grown = vm_rss(live) - before
    finally:
        for sock in stalled:
            sock.close()
    assert grown < NON_READERS * PAGES_PER_CLIENT * page_bytes + SLACK_BYTES
