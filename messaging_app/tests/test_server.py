#!/usr/bin/env python3
"""The server under the API: one write per response, keep-alive, JSON
error pages, the connection cap, timeouts, request ids, the 500 page and
a graceful stop, on live servers over real sockets."""
import http.client
import json
import logging
import socket
import struct
import threading
from pathlib import Path
from typing import Any, cast

import pytest

from messaging_app.client import ApiClient
from messaging_app.request import Request
from messaging_app.response import Response
from messaging_app.router import Route
from messaging_app.routes import ROUTES
from messaging_app.server import ApiServer
from messaging_app.testing import (conversation_between, live_server,
                                   register)
from messaging_app.tests.helpers import (WAIT, exchange, hold, rows,
                                         wait_until)


class CountingSocket:
    """A connection socket that counts the writes made to it."""

    def __init__(self, sock: socket.socket, writes: list[int]) -> None:
        """Wrap ``sock``; append each write's size to ``writes``."""
        self._sock = sock
        self._writes = writes

    def sendall(self, data: bytes, *flags: int) -> None:
        """Count one write, then send it."""
        self._writes.append(len(data))
        self._sock.sendall(data, *flags)

    def send(self, data: bytes, *flags: int) -> int:
        """Count one write, then send it."""
        self._writes.append(len(data))
        return self._sock.send(data, *flags)

    def sendmsg(self, buffers: list[bytes], *args: Any) -> int:
        """Count one (gather) write, then send it."""
        self._writes.append(sum(len(buffer) for buffer in buffers))
        return self._sock.sendmsg(buffers, *args)

    def __getattr__(self, name: str) -> object:
        """Pass everything else to the real socket."""
        return getattr(self._sock, name)


class CountingServer(ApiServer):
    """The API server, with every accepted socket counting its writes."""

    writes: list[int] = []

    def get_request(self) -> tuple[socket.socket, tuple]:
        """Accept a connection and wrap its socket."""
        sock, address = super().get_request()
        # The wrapper stands in for the socket (it passes on all the rest).
        return cast(socket.socket, CountingSocket(sock, self.writes)), address


def status_and_body(answer: bytes) -> tuple[int, dict]:
    """Split a raw response into its status and JSON body."""
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"Content-Type: application/json" in head
    return int(head.split()[1]), json.loads(body)


def test_each_response_leaves_in_exactly_one_write(tmp_path: Path) -> None:
    """Headers and body go out together, whatever the size: a second
    write would wait for the client's delayed ACK (about 40 ms)."""
    CountingServer.writes = []
    with live_server(tmp_path, server_class=CountingServer) as server:
        client = ApiClient(server.base_url)
        alice, bob = register(client), register(client)
        path = conversation_between(alice, bob)
        for _ in range(30):
            alice.client.post(path, {"message_body": "x" * 10_000})
        connection = http.client.HTTPConnection(*server.address,
                                                timeout=WAIT)
        assert alice.client.token is not None
        headers = {"Authorization": "Bearer " + alice.client.token}
        CountingServer.writes.clear()
        sizes = []
        for method, target in (("GET", "/api/health/"),
                               ("GET", "/api/nothing/"),
                               ("PUT", "/api/health/"),
                               ("GET", path + "?page_size=100")):
            connection.request(method, target, headers=headers)
            response = connection.getresponse()
            sizes.append(len(response.read()))
        connection.close()
        assert sizes[-1] > 300_000
        assert len(CountingServer.writes) == 4
        assert [size > body for size, body in zip(
            CountingServer.writes, sizes)] == [True] * 4
        CountingServer.writes.clear()
        exchange(server.address, b"NONSENSE\r\n\r\n")
        assert len(CountingServer.writes) == 1


def test_keep_alive_serves_many_requests_on_one_connection(
        server: ApiServer) -> None:
    """HTTP/1.1 with exact Content-Length: the socket is reused."""
    connection = http.client.HTTPConnection(*server.address,
                                            timeout=WAIT)
    connection.request("GET", "/api/health/")
    first = connection.getresponse()
    body = first.read()
    sock = connection.sock
    assert first.headers["Content-Length"] == str(len(body))
    for _ in range(3):
        connection.request("GET", "/api/health/")
        assert connection.getresponse().read() == body
    assert connection.sock is sock
    connection.close()


@pytest.mark.parametrize("request_bytes, status", [
    (b"NONSENSE\r\n\r\n", 400),
    (b"GET /api/health/ HTTP/9.9\r\n\r\n", 505),
    (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
    (b"GET /api/health/ HTTP/1.1\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
     431),
    (b"GET /api/health/ HTTP/1.1\r\n" + b"X-A: b\r\n" * 101 + b"\r\n", 431),
    (b"BREW /api/health/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     405),
])
def test_protocol_errors_get_json_not_html(
        server: ApiServer, request_bytes: bytes, status: int) -> None:
    """Errors raised by http.server itself are JSON too."""
    answer = exchange(server.address, request_bytes)
    code, body = status_and_body(answer)
    assert code == status
    assert set(body) == {"detail"}
    assert b"<html" not in answer.lower()


def test_head_answers_like_get_without_a_body(server: ApiServer) -> None:
    """HEAD goes wherever GET does: the same status and headers (the
    Content-Length of the GET body), no body, and the connection stays
    usable; a 405 lists HEAD beside GET."""
    connection = http.client.HTTPConnection(*server.address,
                                            timeout=WAIT)
    connection.request("GET", "/api/health/")
    got = connection.getresponse()
    body = got.read()
    connection.request("HEAD", "/api/health/")
    head = connection.getresponse()
    assert (head.status, head.read()) == (200, b"")
    assert head.headers["Content-Length"] == str(len(body))
    assert head.headers["Content-Type"] == got.headers["Content-Type"]
    connection.request("HEAD", "/api/users/me/")
    refused = connection.getresponse()
    assert (refused.status, refused.read()) == (401, b"")
    connection.request("PUT", "/api/health/")
    not_allowed = connection.getresponse()
    not_allowed.read()
    assert not_allowed.headers["Allow"] == "GET, HEAD"
    connection.close()


@pytest.mark.parametrize("head, status", [
    (b"POST /api/users/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
     b"Content-Type: application/json\r\n\r\n", 411),
    (b"POST /api/users/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
     b"Content-Type: application/json\r\n\r\n5\r\n{\"a\":\r\n0\r\n\r\n", 411),
    (b"POST /api/users/ HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n"
     b"Content-Type: application/json\r\n\r\n", 400),
])
def test_a_body_without_a_usable_length_is_refused(
        server: ApiServer, head: bytes, status: int) -> None:
    """No Content-Length (or chunked) is 411, an unreadable one 400; a
    body that was not read closes the connection, so its bytes are never
    taken for a request."""
    code, body = status_and_body(exchange(server.address, head))
    assert code == status
    assert set(body) == {"detail"}


def test_an_understated_content_length_cannot_pass_a_large_body(
        server: ApiServer) -> None:
    """A 2 MiB body declared as 10 bytes: only 10 bytes are read as the
    body (malformed JSON, 400); the rest is no request either (414), and
    the connection ends. Nothing is stored."""
    body = json.dumps({"username": "understated", "email": "u@example.com",
                       "password": "long-enough", "first_name": "x" * (
                           2 << 20), "last_name": "M"}).encode()
    answer = exchange(server.address, (
        b"POST /api/users/ HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: 10\r\n\r\n"
        + body))
    first, second = answer.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"400 ")
    assert first.endswith(b'{"detail":"The body is not valid JSON."}')
    assert second.startswith(b"414 ")
    assert rows(server, "SELECT COUNT(*) FROM users WHERE username = ?",
                "understated") == [(0,)]


def test_a_stalled_body_times_out_with_408(tmp_path: Path) -> None:
    """A body that stops arriving frees its thread after the socket
    timeout; a request line that never ends is simply dropped."""
    with live_server(tmp_path, socket_timeout=0.3) as server:
        address = server.address
        answer = exchange(address, (
            b"POST /api/users/ HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            b'{"user'))
        assert status_and_body(answer) == (408, {
            "detail": "The request body did not arrive in time."})
        assert exchange(address, b"GET /api/hea") == b""
        # The client sees the close before the thread has signed off.
        wait_until(lambda: server.open_connections() == 0)


def test_past_the_connection_cap_the_answer_is_503(tmp_path: Path) -> None:
    """With two connections open, a third is refused with a JSON 503;
    once one closes, requests are served again."""
    with live_server(tmp_path, max_connections=2) as server:
        address = server.address
        held = [socket.create_connection(address, timeout=WAIT)
                for _ in range(2)]
        wait_until(lambda: server.open_connections() == 2)
        answer = exchange(address, b"GET /api/health/ HTTP/1.1\r\n\r\n")
        assert status_and_body(answer) == (503, {
            "detail": "The server is busy; try again shortly."})
        assert b"Retry-After: 1" in answer
        held.pop().close()
        wait_until(lambda: server.open_connections() == 1)
        answer = exchange(address, b"GET /api/health/ HTTP/1.1\r\n"
                          b"Host: x\r\nConnection: close\r\n\r\n")
        assert status_and_body(answer)[0] == 200
        held.pop().close()


def test_a_client_that_resets_its_connection_leaves_no_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A client hanging up mid-request is not a server error: nothing is
    printed, and the server goes on answering."""
    with live_server(tmp_path) as server:
        address = server.address
        sock = socket.create_connection(address, timeout=WAIT)
        sock.sendall(b"GET /api/health/ HTTP/1.1\r\nHo")
        wait_until(lambda: server.open_connections() == 1)
        # Linger on, timeout 0: closing sends a reset instead of a FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        sock.close()
        wait_until(lambda: server.open_connections() == 0)
        answer = exchange(address, b"GET /api/health/ HTTP/1.1\r\n"
                          b"Host: x\r\nConnection: close\r\n\r\n")
        assert status_and_body(answer)[0] == 200
    assert capsys.readouterr().err == ""


def test_an_error_escaping_a_handler_goes_to_the_server_log(
        server: ApiServer, caplog: pytest.LogCaptureFixture) -> None:
    """Anything but a client hanging up is logged with its traceback."""
    broken = RuntimeError("the handler broke")
    with caplog.at_level(logging.ERROR, logger="messaging_app"):
        for error in (ConnectionResetError(), BrokenPipeError(), broken):
            try:
                raise error
            except Exception:
                with socket.socket() as unused:
                    server.handle_error(unused, ("127.0.0.1", 50000))
    assert [record.exc_info[1] if record.exc_info else None
            for record in caplog.records] == [broken]
    assert "127.0.0.1" in caplog.records[0].getMessage()


def test_every_response_carries_a_request_id_of_the_server(
        server: ApiServer) -> None:
    """Every response has an id the server made, a new one each time: a
    client's own X-Request-ID is never echoed."""
    connection = http.client.HTTPConnection(*server.address,
                                            timeout=WAIT)
    seen = set()
    for sent in ("trace-42", "other-" + "x" * 100, None):
        headers = {"X-Request-ID": sent} if sent else {}
        connection.request("GET", "/api/nothing/", headers=headers)
        response = connection.getresponse()
        response.read()
        request_id = response.headers["X-Request-ID"]
        assert request_id != sent
        assert len(request_id) >= 8
        seen.add(request_id)
    assert len(seen) == 3
    connection.close()


def fail(services: object, request: Request) -> Response:
    """A view with a bug, to see what a client and the log get."""
    raise RuntimeError("secret internal detail")


def test_an_unexpected_error_is_a_bare_500_with_its_traceback_logged(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The client gets only a request id; the log gets the traceback."""
    routes = ROUTES + [Route("GET", "/api/boom/", fail, public=True)]
    with live_server(tmp_path, routes) as server:
        connection = http.client.HTTPConnection(
            *server.address, timeout=WAIT)
        with caplog.at_level(logging.ERROR, logger="messaging_app"):
            connection.request("GET", "/api/boom/")
            response = connection.getresponse()
            body = response.read()
        request_id = response.headers["X-Request-ID"]
        assert response.status == 500
        assert json.loads(body) == {"detail": "Internal server error"}
        assert b"secret" not in body
        record = next(r for r in caplog.records if request_id in
                      r.getMessage())
        assert "secret internal detail" in caplog.text
        assert record.exc_info is not None
        connection.request("GET", "/api/health/")
        assert connection.getresponse().status == 200
        connection.close()


def test_stopping_lets_requests_in_flight_finish(tmp_path: Path) -> None:
    """A graceful stop closes idle keep-alive connections at once, lets
    the running request answer, then returns."""
    entered, release = threading.Event(), threading.Event()
    routes = ROUTES + [Route("GET", "/api/slow/", hold(entered, release),
                             public=True)]
    answers = []
    with live_server(tmp_path, routes) as server:
        address = server.address
        idle = http.client.HTTPConnection(*address, timeout=WAIT)
        idle.request("GET", "/api/health/")
        idle.getresponse().read()
        busy = http.client.HTTPConnection(*address, timeout=WAIT)

        def ask() -> None:
            """Send the slow request and keep its answer."""
            busy.request("GET", "/api/slow/")
            response = busy.getresponse()
            answers.append((response.status, response.read(),
                            response.headers["Connection"]))
        asking = threading.Thread(target=ask)
        asking.start()
        assert entered.wait(WAIT)
        stopping = threading.Thread(target=server.stop)
        stopping.start()
        assert idle.sock.recv(1) == b""
        assert stopping.is_alive()
        release.set()
        asking.join(WAIT)
        stopping.join(WAIT)
        assert not stopping.is_alive()
    assert answers == [(200, b'{"done":true}', "close")]
