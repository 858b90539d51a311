#!/usr/bin/env python3
"""The curriculum's middleware: request log, rate limit, open hours and
role gate, through the API and, for the clock-bound parts, directly.
"""
import time
from datetime import datetime
from pathlib import Path

import pytest

from messaging_app.client import ApiClient
from messaging_app.errors import Forbidden
from messaging_app.middleware import check_open_hours
from messaging_app.storage import open_storage
from messaging_app.storage.ratelimits import RateLimits
from messaging_app.testing import (conversation_between, fast_settings,
                                   in_process_api, live_server, rate_limits,
                                   register)
from messaging_app.tests.helpers import exchange


def test_the_request_log_has_one_line_per_request_and_no_secrets(
        tmp_path: Path) -> None:
    """Time, user id or Anonymous, method, path, status, duration; never
    the Authorization header, a token or a password."""
    with live_server(tmp_path) as server:
        alice = register(ApiClient(server.base_url))
        exchange(server.address,
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
    assert alice.client.token is not None
    for secret in (alice.password, alice.client.token, alice.refresh,
                   "Bearer", "Authorization"):
        assert secret not in text


def test_sending_over_the_limit_is_429_with_retry_after(
        tmp_path: Path) -> None:
    """Two messages per minute: the third is refused and not stored;
    both sending endpoints share the count; reading is not limited."""
    settings = fast_settings(tmp_path, rate_limits=rate_limits(
        messages=(2, 60)))
    with in_process_api(settings) as api:
        alice, bob = register(api.client()), register(api.client())
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
        assert api.rows("SELECT COUNT(*) FROM messages") == [(2,)]


def test_the_window_slides(tmp_path: Path) -> None:
    """At most 2 hits in any 60 seconds, counted in buckets of 6 s: the
    refused client waits until the bucket of its first hit leaves the
    window; a refused hit does not count; other keys are apart."""
    storage = open_storage(f"sqlite:///{tmp_path}/limits.sqlite3")
    now = [1000.0]
    limits = RateLimits(storage.engine, clock=lambda: now[0])
    try:
        assert limits.hit("10.0.0.1", 2, 60) is None
        now[0] = 1030.0
        assert limits.hit("10.0.0.1", 2, 60) is None
        # The first hit's bucket, [996, 1002), leaves the window at 1056.
        assert limits.hit("10.0.0.1", 2, 60) == pytest.approx(26.0)
        assert limits.hit("10.0.0.2", 2, 60) is None
        now[0] = 1055.9
        assert limits.hit("10.0.0.1", 2, 60) == pytest.approx(0.1)
        now[0] = 1056.0
        assert limits.hit("10.0.0.1", 2, 60) is None
        assert limits.hit("10.0.0.1", 2, 60) is not None
    finally:
        storage.close()


def test_a_limit_is_shared_by_every_process(tmp_path: Path) -> None:
    """Two storages on one database (as two server processes have) count
    the same hits; expired buckets are swept."""
    url = f"sqlite:///{tmp_path}/limits.sqlite3"
    first, second = open_storage(url), open_storage(url)
    try:
        assert first.rate_limits.hit("client", 2, 60) is None
        assert second.rate_limits.hit("client", 2, 60) is None
        assert first.rate_limits.hit("client", 2, 60) is not None
        assert second.rate_limits.hit("client", 2, 60) is not None
        first.rate_limits.sweep(time.time() + 120)
        assert second.rate_limits.hit("client", 2, 60) is None
    finally:
        first.close()
        second.close()


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
    with in_process_api(fast_settings(tmp_path, open_hours=closed)) as api:
        alice = register(api.client())
        reply = alice.client.get("/api/conversations/")
        assert reply.status == 403
        start, end = closed
        assert reply.body == {"detail": f"The chat is open from "
                              f"{start:02d}:00 to {end:02d}:00 only."}
        assert alice.client.get("/api/health/").status == 200


def test_inside_the_open_hours_the_chat_answers(tmp_path: Path) -> None:
    """A window around the current hour lets requests through."""
    hour = datetime.now().hour
    around = ((hour - 1) % 24, (hour + 2) % 24)
    with in_process_api(fast_settings(tmp_path, open_hours=around)) as api:
        alice = register(api.client())
        assert alice.client.get("/api/conversations/").status == 200


def test_the_role_gate_lets_only_the_listed_roles_in(
        tmp_path: Path) -> None:
    """With the gate set to admin, a guest gets 403 and an admin 200."""
    settings = fast_settings(tmp_path, allowed_roles=("admin",))
    with in_process_api(settings) as api:
        guest, admin = register(api.client()), register(api.client())
        api.execute("UPDATE users SET role = 'admin' WHERE user_id = ?",
                    admin.user_id)
        reply = guest.client.get("/api/users/me/")
        assert (reply.status, reply.body) == (403, {
            "detail": "Your role may not use this API."})
        assert admin.client.get("/api/users/me/").status == 200
