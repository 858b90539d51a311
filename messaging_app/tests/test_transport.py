#!/usr/bin/env python3
"""The transport under clients that lie, dawdle or leave, on live servers:
strict framing, deadlines for a whole head and a whole body, a bounded
linger, a send timeout that measures progress, ``100 Continue`` only when
the body is read, links from the configured base URL, the standard
headers, a request log that cannot stop a response, and a stop that
refuses new connections at once."""
import logging
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from messaging_app.client import ApiClient
from messaging_app.request import Request
from messaging_app.response import Response, json_response
from messaging_app.router import Route
from messaging_app.routes import ROUTES
from messaging_app.server import ApiServer
from messaging_app.settings import Settings, SettingsError, load_settings
from messaging_app.testing import live_server, register
from messaging_app.tests.helpers import (WAIT, hold, read_until_closed,
                                         wait_until)
from messaging_app.tests.rawhttp import (connect, exchange_all, next_answer,
                                         read_answer)

REGISTRATION = (b'{"username": "%s", "email": "%s@example.com", '
                b'"password": "long-enough-pw", "first_name": "F", '
                b'"last_name": "L"}')
BIG = json_response({"data": "x" * 200_000})


def big(services: object, request: Request) -> Response:
    """A public view answering a 200 KB body, to fill socket buffers."""
    return BIG


class NarrowServer(ApiServer):
    """The API server with small send buffers, so that a response waits
    for the client to read it."""

    def get_request(self) -> tuple[socket.socket, tuple]:
        """Accept a connection and shrink its send buffer."""
        sock, address = super().get_request()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
        return sock, address


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """A server whose heads and bodies are due within half a second, while
    a read may wait a second."""
    with live_server(tmp_path_factory.mktemp("quick"), socket_timeout=1,
                     header_timeout=0.5, body_timeout=0.5) as server:
        yield server


@pytest.fixture(scope="module")
def narrow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """A server with a large page at ``/api/big/``, small send buffers and
    half a second of patience for a client that reads nothing."""
    routes = ROUTES + [Route("GET", "/api/big/", big, public=True)]
    with live_server(tmp_path_factory.mktemp("narrow"), routes,
                     NarrowServer, socket_timeout=0.5) as server:
        yield server


def log_lines(server: ApiServer) -> list[str]:
    """Return the lines of the server's request log written so far."""
    path = server.app.services.settings.request_log
    return path.read_text().splitlines()


def registration(name: str, extra: bytes = b"") -> bytes:
    """Return a whole registration request for user ``name``."""
    body = REGISTRATION % (name.encode(), name.encode())
    return (b"POST /api/users/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\n" + extra
            + b"Content-Length: %d\r\n\r\n" % len(body) + body)


POST_HEAD = (b"POST /api/users/ HTTP/1.1\r\nHost: x\r\n"
             b"Content-Type: application/json\r\n")


@pytest.mark.parametrize("request_bytes, status", [
    (POST_HEAD + b"Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}", 400),
    (POST_HEAD + b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}", 400),
    (POST_HEAD + b"Content-Length: \xb2\r\n\r\n{}", 400),
    (POST_HEAD + b"Content-Length: +2\r\n\r\n{}", 400),
    (POST_HEAD + b"Content-Length: " + b"1" * 5000 + b"\r\n\r\n", 413),
    (b"GET /api/health/ HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n", 400),
    (b"GET /api/health/ HTTP/1.1\r\n\r\n", 400),
    (b"GET /api/health/ HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400),
    (b"GET /api/health/ HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n", 400),
    (b"GET /api/health/ HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n", 400),
    (b"GET /api/health/ HTTP/1.1\r\nHost: x\r\nX-A: b\rc\r\n\r\n", 400),
    (b"G\x1b[31mET /api/health/ HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET  /api/health/ HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET http://[::1/api/health/ HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET /api/health/ HTTP/1.1\r\nHost: x\r\n"
     + b"".join(b"X-Pad-%d: %s\r\n" % (n, b"a" * 8000) for n in range(9))
     + b"\r\n", 431),
])
def test_lenient_framing_is_refused_with_json(
        server: ApiServer, request_bytes: bytes, status: int) -> None:
    """Two Content-Lengths (the first would win here, the last behind
    some proxy), a length that is not ASCII digits or too long to read,
    folded or malformed header lines, no Host or two, a method with
    terminal escapes, a target the URL parser refuses, headers past the
    size limit: each is refused with the usual JSON body, then a close."""
    answers = exchange_all(server.address, request_bytes)
    assert [answer.status for answer in answers] == [status]
    assert set(answers[0].json()) == {"detail"}
    assert answers[0].headers["connection"] == "close"
    assert answers[0].headers["x-content-type-options"] == "nosniff"


def test_pipelined_requests_are_answered_in_order(server: ApiServer) -> None:
    """Two requests in one write, and empty lines before the first: both
    answered on the one connection."""
    answers = exchange_all(server.address, (
        b"\r\nGET /api/health/ HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /api/nothing/ HTTP/1.1\r\nHost: x\r\n\r\n"))
    assert [answer.status for answer in answers] == [200, 404]


def test_responses_carry_nosniff_and_no_store(server: ApiServer) -> None:
    """Every answer of the API says nosniff and no-store, the token
    responses above all."""
    person = register(ApiClient(server.base_url))
    anonymous = ApiClient(server.base_url)
    for reply in (
            anonymous.post("/api/token/", {"username": person.user["username"],
                                           "password": person.password}),
            anonymous.post("/api/token/refresh/", {"refresh": person.refresh}),
            anonymous.get("/api/health/"), anonymous.get("/api/nothing/")):
        assert reply.headers["Cache-Control"] == "no-store"
        assert reply.headers["X-Content-Type-Options"] == "nosniff"


def test_100_continue_only_when_the_body_will_be_read(
        server: ApiServer) -> None:
    """A request the server refuses before its body (401, 413) gets its
    final answer at once and no 100; a registration gets 100 Continue,
    then its body is read and it answers 201."""
    address = server.address
    expect = b"Expect: 100-continue\r\n"
    refused = [
        b"POST /api/conversations/ HTTP/1.1\r\nHost: x\r\n" + expect
        + b"Content-Type: application/json\r\nContent-Length: 10\r\n\r\n",
        POST_HEAD + expect + b"Content-Length: 5000000\r\n\r\n"]
    for head, status in zip(refused, (401, 413)):
        with connect(address) as sock, sock.makefile("rb") as stream:
            sock.sendall(head)
            assert next_answer(stream).status == status
    body = REGISTRATION % (b"expecting", b"expecting")
    with connect(address) as sock, sock.makefile("rb") as stream:
        sock.sendall(POST_HEAD + expect
                     + b"Content-Length: %d\r\n\r\n" % len(body))
        assert next_answer(stream).status == 100
        sock.sendall(body)
        assert next_answer(stream).status == 201


def test_page_links_come_from_the_base_url_not_the_host_header(
        tmp_path: Path) -> None:
    """``next`` and ``previous`` start with MESSAGING_BASE_URL, whatever
    Host the client sends."""
    public = "https://chat.example.com/prefix/"
    with live_server(tmp_path, base_url=public) as server:
        assert server.base_url == public
        host, port = server.address
        local = f"http://{host}:{port}"
        owner, guest = register(ApiClient(local)), register(ApiClient(local))
        for _ in range(2):
            owner.client.post("/api/conversations/",
                              {"participants": [guest.user_id]})
        reply = owner.client.get("/api/conversations/?page_size=1", headers={
            "Host": "evil.example.net"})
        assert reply.body["next"] == (
            public + "api/conversations/?page_size=1&page=2")


def trickle(sock: socket.socket, pieces: Iterator[bytes],
            every: float = 0.05, seconds: float = 3) -> tuple[bytes, float]:
    """Send a piece every ``every`` seconds until the server answers or
    closes (at most ``seconds``); return what it sent and how long it
    took to send anything or close."""
    started = time.monotonic()
    sock.setblocking(False)
    try:
        while time.monotonic() - started < seconds:
            try:
                sock.send(next(pieces))
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(every)
            try:
                sock.recv(1, socket.MSG_PEEK)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                pass
            break
    finally:
        sock.setblocking(True)
        sock.settimeout(WAIT)
    elapsed = time.monotonic() - started
    return read_until_closed(sock), elapsed


def seconds_until_refused(sock: socket.socket, piece: bytes,
                          every: float = 0.05, seconds: float = 3) -> float:
    """Send ``piece`` every ``every`` seconds until the server has closed
    the connection for good (a send fails), at most ``seconds``; return
    how long that took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            sock.send(piece)
        except (BrokenPipeError, ConnectionResetError):
            break
        time.sleep(every)
    return time.monotonic() - started


def repeat(piece: bytes) -> Iterator[bytes]:
    """Yield ``piece`` for ever."""
    while True:
        yield piece


def test_a_head_is_due_as_a_whole(quick: ApiServer) -> None:
    """A header line every 50 ms never leaves the connection silent for
    its socket timeout (1 s), yet the head is cut at its deadline (0.5 s)
    without an answer."""
    with connect(quick.address) as sock:
        sock.sendall(b"GET /api/health/ HTTP/1.1\r\nHost: x\r\n")
        answer, elapsed = trickle(sock, repeat(b"X-Slow: 1\r\n"))
    assert answer == b""
    assert elapsed < 2


def test_a_body_is_due_as_a_whole(quick: ApiServer) -> None:
    """A byte of body every 50 ms: 408 once the body deadline (0.5 s) has
    passed, long before the 200 bytes are in."""
    with connect(quick.address) as sock:
        sock.sendall(POST_HEAD + b"Content-Length: 200\r\n\r\n")
        answer, elapsed = trickle(sock, repeat(b" "))
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert elapsed < 2


def test_the_linger_after_a_refused_body_is_bounded_in_all(
        quick: ApiServer) -> None:
    """After a 413, the server reads what keeps coming for its linger
    time in all, however steadily the client sends."""
    limits = quick.limits
    quick.limits = replace(limits, linger_seconds=0.3)
    try:
        with connect(quick.address) as sock:
            sock.sendall(POST_HEAD + b"Content-Length: 5000000\r\n\r\n")
            with sock.makefile("rb") as stream:
                assert next_answer(stream).status == 413
            elapsed = seconds_until_refused(sock, b" " * 100)
    finally:
        quick.limits = limits
    assert elapsed < 2


def test_a_slow_but_steady_reader_gets_the_whole_response(
        narrow: ApiServer) -> None:
    """200 KB read 4 KB at a time every 20 ms, a second or more in all,
    twice the socket timeout: the send goes on while the client makes
    progress."""
    with connect(narrow.address, receive_buffer=4096) as sock:
        sock.sendall(b"GET /api/big/ HTTP/1.1\r\nHost: x\r\n"
                     b"Connection: close\r\n\r\n")
        chunks = []
        started = time.monotonic()
        while chunk := sock.recv(4096):
            chunks.append(chunk)
            time.sleep(0.02)
        elapsed = time.monotonic() - started
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert len(body) == len(BIG.body)
    assert elapsed > narrow.limits.socket_timeout


def test_a_client_that_stops_reading_is_cut_off_and_logged_so(
        narrow: ApiServer) -> None:
    """The send stops after the socket timeout without progress, the
    thread is freed, and the log line says ``cut-off``: not a plain 200.
    """
    with connect(narrow.address, receive_buffer=4096) as sock:
        sock.sendall(b"GET /api/big/ HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_until(lambda: narrow.open_connections() == 0)
    wait_until(lambda: any(line.endswith(" cut-off")
                           for line in log_lines(narrow)))
    line = next(line for line in log_lines(narrow)
                if line.endswith(" cut-off"))
    assert line.split()[2:5] == ["GET", "/api/big/", "200"]


def reset(sock: socket.socket) -> None:
    """Close ``sock`` with a reset instead of a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))
    sock.close()


def test_a_client_that_resets_mid_body_is_logged_as_gone(
        server: ApiServer, caplog: pytest.LogCaptureFixture) -> None:
    """No 500 and no traceback: the request log says 499 and ``gone``."""
    before = len(log_lines(server))
    with caplog.at_level(logging.ERROR, logger="messaging_app"):
        sock = connect(server.address)
        sock.sendall(POST_HEAD + b"Content-Length: 1000\r\n\r\n{\"user")
        wait_until(lambda: server.requests_in_flight() == 1)
        reset(sock)
        wait_until(lambda: len(log_lines(server)) > before)
    line = log_lines(server)[before]
    assert line.split()[2:5] == ["POST", "/api/users/", "499"]
    assert line.endswith(" gone")
    assert caplog.records == []


def test_a_stop_refuses_new_connections_at_once(tmp_path: Path) -> None:
    """While a request in flight keeps the server draining, a new
    connection is refused straight away instead of hanging."""
    entered, release = threading.Event(), threading.Event()
    routes = ROUTES + [Route("GET", "/api/slow/", hold(entered, release),
                             public=True)]
    with live_server(tmp_path, routes) as server:
        address = server.address
        busy = connect(address)
        busy.sendall(b"GET /api/slow/ HTTP/1.1\r\nHost: x\r\n\r\n")
        assert entered.wait(WAIT)
        stopping = threading.Thread(target=server.stop)
        stopping.start()
        wait_until(lambda: server.socket.fileno() == -1)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(address, timeout=WAIT)
        assert stopping.is_alive()
        release.set()
        with busy, busy.makefile("rb") as stream:
            answer = read_answer(stream)
        stopping.join(WAIT)
    assert answer is not None
    assert (answer.status, answer.headers["connection"]) == (200, "close")


def test_a_log_that_cannot_be_written_never_stops_a_response(
        tmp_path: Path) -> None:
    """With the request log on a full disk (``/dev/full``) every request
    is answered, and the server still stops cleanly."""
    with live_server(tmp_path, log_file=Path("/dev/full")) as server:
        client = ApiClient(server.base_url)
        statuses = {client.get("/api/health/").status for _ in range(300)}
    assert statuses == {200}


def test_a_silent_connection_is_closed_at_its_head_deadline(
        quick: ApiServer) -> None:
    """A connection that sends nothing is closed without an answer when
    its first head is due; a client that ends its side mid-head is told
    400."""
    with connect(quick.address) as sock:
        started = time.monotonic()
        assert read_until_closed(sock) == b""
        assert time.monotonic() - started < 2
    answers = exchange_all(quick.address,
                           b"GET /api/health/ HTTP/1.1\r\nHost: x\r\n")
    assert [answer.status for answer in answers] == [400]
    assert answers[0].json() == {
        "detail": "The request head ended before its empty line."}
    wait_until(lambda: quick.open_connections() == 0)


def test_the_transport_settings_are_read_and_checked() -> None:
    """The new variables reach the settings, with their defaults, and a
    base URL that is not an http(s) URL is refused with one sentence."""
    assert (Settings().max_connections_per_address, Settings().header_timeout,
            Settings().body_timeout, Settings().base_url) == (32, 10, 30, "")
    settings = load_settings({
        "MESSAGING_MAX_CONNECTIONS_PER_ADDRESS": "8",
        "MESSAGING_HEADER_TIMEOUT": "2.5", "MESSAGING_BODY_TIMEOUT": "4",
        "MESSAGING_BASE_URL": "https://chat.example.com/api-root"})
    assert (settings.max_connections_per_address, settings.header_timeout,
            settings.body_timeout, settings.base_url) == (
        8, 2.5, 4, "https://chat.example.com/api-root/")
    with pytest.raises(SettingsError) as refused:
        load_settings({"MESSAGING_BASE_URL": "chat.example.com"})
    assert str(refused.value) == (
        "MESSAGING_BASE_URL must be an http or https URL such as "
        "https://chat.example.com/, not 'chat.example.com'.")
