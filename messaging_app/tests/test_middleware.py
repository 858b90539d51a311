#!/usr/bin/env python3
"""The curriculum's middleware: request log, rate limit, open hours and
role gate, through live servers and, for the clock-bound parts, directly.
"""
from datetime import datetime
from pathlib import Path

import pytest

from messaging_app.errors import Forbidden, TooManyRequests
from messaging_app.middleware import RateLimiter, check_open_hours
from messaging_app.settings import RateLimit
from messaging_app.tests.helpers import (conversation_between, exchange,
                                         live_server, register, rows)


def test_the_request_log_has_one_line_per_request_and_no_secrets(
        tmp_path: Path) -> None:
    """Time, user id or Anonymous, method, path, status, duration; never
    the Authorization header, a token or a password."""
    with live_server(tmp_path) as server:
        alice = register(server.base_url)
        exchange(server.server_address[:2],
                 b"GET /api/nothing\x01forged HTTP/1.1\r\n"
                 b"Host: x\r\nConnection: close\r\n\r\n")
        alice.client.get("/api/users/me/?page=1")
    lines = (tmp_path / "requests.log").read_text().splitlines()
    assert [line.split()[1:5] for line in lines] == [
        ["user=Anonymous", "POST", "/api/users/", "201"],
        ["user=Anonymous", "POST", "/api/token/", "200"],
        ["user=Anonymous", "GET", "/api/nothing%01forged", "404"],
        ["user=" + alice.user_id, "GET", "/api/users/me/", "200"]]
    assert all(line.endswith("ms") for line in lines)
    text = (tmp_path / "requests.log").read_text()
    for secret in (alice.password, alice.client.token, alice.refresh,
                   "Bearer", "Authorization"):
        assert secret not in text


def test_sending_over_the_limit_is_429_with_retry_after(
        tmp_path: Path) -> None:
    """Two messages per minute: the third is refused and not stored;
    both sending endpoints share the count; reading is not limited."""
    with live_server(tmp_path, rate_limit=RateLimit(2, 60)) as server:
        alice, bob = register(server.base_url), register(server.base_url)
        path = conversation_between(alice, bob)
        assert alice.client.post(path, {"message_body": "1"}).status == 201
        assert alice.client.post("/api/messages/", {
            "conversation": path.split("/")[3],
            "message_body": "2"}).status == 201
        reply = bob.client.post(path, {"message_body": "3"})
        assert reply.status == 429
        assert 1 <= int(reply.headers["Retry-After"]) <= 60
        assert reply.body["detail"].startswith("Too many messages;")
        assert alice.client.get(path).body["count"] == 2
        assert rows(server, "SELECT COUNT(*) FROM messages") == [(2,)]


def test_the_window_slides() -> None:
    """A hit leaves the window ``window_seconds`` after it was made."""
    now = [1000.0]
    limiter = RateLimiter(RateLimit(2, 60), clock=lambda: now[0])
    limiter.hit("10.0.0.1")
    now[0] += 30
    limiter.hit("10.0.0.1")
    with pytest.raises(TooManyRequests) as refused:
        limiter.hit("10.0.0.1")
    assert refused.value.headers() == [("Retry-After", "30")]
    limiter.hit("10.0.0.2")
    now[0] += 30.5
    limiter.hit("10.0.0.1")


@pytest.mark.parametrize("hours, hour, is_open", [
    ((6, 21), 6, True), ((6, 21), 20, True), ((6, 21), 21, False),
    ((6, 21), 3, False), ((21, 6), 23, True), ((21, 6), 5, True),
    ((21, 6), 12, False), (None, 3, True)])
def test_open_hours(hours: tuple, hour: int, is_open: bool) -> None:
    """Open from the first hour until (not including) the second; a
    window may run through midnight; None is always open."""
    moment = datetime(2024, 5, 1, hour, 30)
    if is_open:
        check_open_hours(hours, moment)
    else:
        with pytest.raises(Forbidden):
            check_open_hours(hours, moment)


def test_outside_the_open_hours_the_chat_is_403(tmp_path: Path) -> None:
    """The chat is closed, logging in and the health check are not."""
    hour = datetime.now().hour
    closed = ((hour + 2) % 24, (hour + 3) % 24)
    with live_server(tmp_path, open_hours=closed) as server:
        alice = register(server.base_url)
        reply = alice.client.get("/api/conversations/")
        assert reply.status == 403
        assert reply.body == {"detail": "The chat is open from "
                              "{:02d}:00 to {:02d}:00 only.".format(*closed)}
        assert alice.client.get("/api/health/").status == 200


def test_inside_the_open_hours_the_chat_answers(tmp_path: Path) -> None:
    """A window around the current hour lets requests through."""
    hour = datetime.now().hour
    around = ((hour - 1) % 24, (hour + 2) % 24)
    with live_server(tmp_path, open_hours=around) as server:
        alice = register(server.base_url)
        assert alice.client.get("/api/conversations/").status == 200


def test_the_role_gate_lets_only_the_listed_roles_in(
        tmp_path: Path) -> None:
    """With the gate set to admin, a guest gets 403 and an admin 200."""
    with live_server(tmp_path, allowed_roles=("admin",)) as server:
        guest, admin = register(server.base_url), register(server.base_url)
        with server.app.services.storage.transaction(write=True) as sql:
            sql.execute("UPDATE users SET role = 'admin' WHERE user_id = ?",
                        (admin.user_id,))
        reply = guest.client.get("/api/users/me/")
        assert (reply.status, reply.body) == (403, {
            "detail": "Your role may not use this API."})
        assert admin.client.get("/api/users/me/").status == 200
