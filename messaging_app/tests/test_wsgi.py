#!/usr/bin/env python3
"""The WSGI entry point answers as the http.server path does: the same
statuses, headers, body limit and JSON errors, under the standard
library's wsgiref server and under gunicorn with two worker processes."""
import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

from messaging_app.app import build_application
from messaging_app.client import ApiClient, Reply
from messaging_app.testing import (TEST_PASSWORD_COST, GunicornServer,
                                   conversation_between, fast_settings,
                                   live_server, register)
from messaging_app.wsgi import WSGIApplication

# Headers whose value must be the same on both paths.
COMPARED = ("Content-Type", "WWW-Authenticate", "Allow", "Retry-After")
ACCOUNT = {"username": "wanda", "email": "wanda@example.com",
           "password": "long-enough-pw", "first_name": "Wanda",
           "last_name": "Whiskey"}


class QuietHandler(WSGIRequestHandler):
    """wsgiref's handler without its access log on stderr."""

    def log_message(self, format: str, *args: object) -> None:
        """Say nothing."""


@contextmanager
def wsgiref_server(folder: Path) -> Iterator[str]:
    """Serve the WSGI application with wsgiref; yield its URL."""
    settings = fast_settings(folder, max_body_bytes=1024)
    wsgi = WSGIApplication(lambda: build_application(settings))
    server = make_server("127.0.0.1", 0, wsgi, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        wsgi.close()


def scenario(client: ApiClient) -> list[Reply]:
    """Send the same requests, errors first, and return the replies."""
    replies = [
        client.get("/api/health/"),
        client.get("/api/nowhere/"),
        client.delete("/api/users/"),
        client.request("POST", "/api/users/", raw=b"{not json",
                       headers={"Content-Type": "application/json"}),
        client.request("POST", "/api/users/", raw=b"a=b", headers={
            "Content-Type": "application/x-www-form-urlencoded"}),
        client.request("POST", "/api/users/", raw=b"x" * 2048,
                       headers={"Content-Type": "application/json"}),
        client.post("/api/users/", ACCOUNT),
        client.post("/api/users/", ACCOUNT),
        client.post("/api/token/", {"username": "wanda",
                                    "password": "wrong-password"}),
        client.get("/api/conversations/"),
    ]
    tokens = client.post("/api/token/", {
        "username": "wanda", "password": ACCOUNT["password"]})
    replies.append(tokens)
    own = client.with_token(tokens.body["access"])
    replies += [own.get("/api/users/me/"),
                own.get("/api/conversations/?page=0"),
                own.get("/api/conversations/")]
    return replies


def shape(reply: Reply) -> tuple:
    """Return what must agree between the two paths: the status, the
    compared headers, and the body (its keys when it carries ids)."""
    body = reply.body
    if reply.status in (200, 201) and isinstance(body, dict):
        body = sorted(body)
    return (reply.status, [reply.headers.get(name) for name in COMPARED],
            body)


def test_wsgi_answers_as_the_http_server_does(tmp_path: Path) -> None:
    """Every reply of the scenario has the same status, headers and
    (error) body on both paths."""
    with live_server(tmp_path / "http", max_body_bytes=1024) as server:
        expected = [shape(reply)
                    for reply in scenario(ApiClient(server.base_url))]
    with wsgiref_server(tmp_path / "wsgi") as url:
        got = [shape(reply) for reply in scenario(ApiClient(url))]
    assert got == expected
    assert [status for status, _, _ in got] == [
        200, 404, 405, 400, 415, 413, 201, 400, 401, 401, 200, 200, 400,
        200]


def test_two_gunicorn_workers_share_one_database(tmp_path: Path) -> None:
    """Posts answered by either worker process are all stored and listed
    in order by both; the rate-limited API stays consistent."""
    gunicorn = GunicornServer(2, {
        "MESSAGING_DB": str(tmp_path / "chat.sqlite3"),
        "MESSAGING_PASSWORD_COST": str(TEST_PASSWORD_COST),
        "MESSAGING_LOG_FILE": str(tmp_path / "requests.log")})
    try:
        assert len(gunicorn.pids()) == 3
        client = ApiClient(gunicorn.url)
        alice, bob = register(client), register(client)
        path = conversation_between(alice, bob)
        sent = [alice.client.post(path, {"message_body": f"m{n}"})
                for n in range(20)]
        assert {reply.status for reply in sent} == {201}
        page = bob.client.get(path + "?page_size=100").body
        assert [m["message_body"] for m in page["results"]] == [
            f"m{n}" for n in range(20)]
        assert page["count"] == 20
    finally:
        gunicorn.stop()


def test_an_unreachable_database_is_a_json_503_then_served(
        tmp_path: Path, closed_port: int) -> None:
    """While the Application cannot be built (its MariaDB refuses every
    connection), each request gets a JSON 503 saying so, not the WSGI
    server's HTML 500; once the database answers, the next request is
    served."""
    urls = iter([f"mysql://user:pw@127.0.0.1:{closed_port}/chat", ""])
    wsgi = WSGIApplication(lambda: build_application(
        fast_settings(tmp_path, database_url=next(urls))))
    answers: list[tuple[str, dict]] = []

    def call() -> bytes:
        """Send GET /api/health/ through the WSGI callable."""
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/health/",
                   "wsgi.input": io.BytesIO(), "REMOTE_ADDR": "127.0.0.1"}
        body = b"".join(wsgi(environ, lambda status, headers: answers.append(
            (status, dict(headers)))))
        return body

    try:
        refused = json.loads(call())
        assert answers[0][0] == "503 Service Unavailable"
        assert answers[0][1]["Content-Type"] == "application/json"
        assert refused["detail"].startswith("Cannot reach the MySQL database")
        assert json.loads(call()) == {"status": "ok", "database": "ok"}
        assert answers[1][0] == "200 OK"
    finally:
        wsgi.close()
