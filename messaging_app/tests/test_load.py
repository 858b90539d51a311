#!/usr/bin/env python3
"""Bounded load tests on loopback: clients from one address that never
finish their heads leave room for another address, clients that never
read a large page do not make the server's memory balloon, and a flood
of logins does not slow a real one down."""
import http.client
import itertools
import json
import socket
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from messaging_app.client import ApiClient
from messaging_app.settings import RATE_LIMITS
from messaging_app.testing import (LiveServer, Person,
                                   conversation_between, live_server,
                                   register)
from messaging_app.tests.helpers import WAIT, read_until_closed, wait_until
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
        address = server.address
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


# A sixth of the production cost: a login's hash still dwarfs the rest of
# its request, and the test stays short.
FLOOD_PASSWORD_COST = 100_000
# Logins a second once the flood has spent its addresses' limit: several
# times what hashing at this cost on two cores can take (at the full cost,
# seven a second filled both cores), yet no volumetric flood, which is a
# reverse proxy's to stop.
FLOOD_RATE = 200
FLOOD_CONNECTIONS = 4
LOGIN_SAMPLES = 5


class LoginFlood:
    """Connections that send logins with wrong passwords for unknown
    names from the given addresses: back to back until each address has
    been refused, then FLOOD_RATE a second in all, while switched on."""

    def __init__(self, address: tuple[str, int],
                 sources: list[str]) -> None:
        """Start FLOOD_CONNECTIONS connections spread over ``sources``,
        switched on."""
        self.address = address
        self.sources = set(sources)
        self.on = threading.Event()
        self.on.set()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.in_flight = 0
        self.refused: set[str] = set()
        self.statuses: Counter[int] = Counter()
        self.threads = [
            threading.Thread(target=self.send, args=(
                sources[number % len(sources)], number))
            for number in range(FLOOD_CONNECTIONS)]
        for thread in self.threads:
            thread.start()

    def send(self, source: str, number: int) -> None:
        """Send logins from ``source`` while the flood is on."""
        connection = http.client.HTTPConnection(
            *self.address, timeout=WAIT, source_address=(source, 0))
        interval = FLOOD_CONNECTIONS / FLOOD_RATE
        for attempt in itertools.count():
            self.on.wait()
            if self.stopping.is_set() or (
                    self.refused == self.sources
                    and self.stopping.wait(interval)):
                break
            with self.lock:
                self.in_flight += 1
            body = json.dumps({"username": f"nobody{number}x{attempt}",
                               "password": "wrong-password"})
            connection.request("POST", "/api/token/", body, {
                "Content-Type": "application/json"})
            answer = connection.getresponse()
            answer.read()
            with self.lock:
                self.in_flight -= 1
                self.statuses[answer.status] += 1
                if answer.status == 429:
                    self.refused.add(source)
        connection.close()

    def pause(self) -> None:
        """Switch the flood off and wait for its requests in flight."""
        self.on.clear()
        wait_until(lambda: self.in_flight == 0)

    def stop(self) -> None:
        """End every connection of the flood."""
        self.stopping.set()
        self.on.set()
        for thread in self.threads:
            thread.join()


def login_seconds(connection: http.client.HTTPConnection,
                  person: Person) -> float:
    """Log ``person`` in over ``connection``; return how long it took."""
    body = json.dumps({"username": person.user["username"],
                       "password": person.password})
    started = time.perf_counter()
    connection.request("POST", "/api/token/", body,
                       {"Content-Type": "application/json"})
    answer = connection.getresponse()
    answer.read()
    assert answer.status == 200
    return time.perf_counter() - started


def test_a_login_flood_leaves_a_real_login_its_speed(tmp_path: Path) -> None:
    """Logins for unknown names over four connections, from one address
    and then from four: a burst until every address is refused, then 200
    a second. The burst hashes at most the addresses' login limit (the
    default) and has the rest shed; then the flood is refused before any
    hashing, and a real login from another address takes at most twice
    as long as without the flood. Logins with and without the flood
    alternate, so that whatever else the machine runs weighs on both;
    each figure is a median of five."""
    login = RATE_LIMITS["login"]
    live = LiveServer(tmp_path / "flood.sqlite3", {
        "MESSAGING_PASSWORD_COST": str(FLOOD_PASSWORD_COST),
        "MESSAGING_RATE_LIMIT_LOGIN":
            f"{login.limit}/{login.window_seconds:g}"})
    try:
        for sources, real_source in (
                (["127.0.0.2"], "127.0.0.10"),
                (["127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"],
                 "127.0.0.11")):
            person = register(ApiClient(live.url, timeout=WAIT))
            real = http.client.HTTPConnection(
                *live.address, timeout=WAIT,
                source_address=(real_source, 0))
            flood = LoginFlood(live.address, sources)
            try:
                wait_until(lambda: flood.refused == set(sources))
                idle, flooded = [], []
                for _ in range(LOGIN_SAMPLES):
                    flood.pause()
                    idle.append(login_seconds(real, person))
                    flood.on.set()
                    flooded.append(login_seconds(real, person))
            finally:
                flood.stop()
                real.close()
            assert statistics.median(flooded) <= 2 * statistics.median(
                idle), (sources, idle, flooded, flood.statuses)
            # Hashed (401) at most as often as the addresses' limits allow;
            # the rest of the burst was shed (503), the flood refused (429).
            assert flood.statuses[401] <= login.limit * len(sources)
            assert flood.statuses[429] > 0
    finally:
        live.stop()
