#!/usr/bin/env python3
"""Giving tokens up: logout, logout everywhere, password change and the
rotation of refresh tokens, on both storage engines and across two
processes' worth of API on one database."""
import threading
import time
import uuid
from collections.abc import Callable

from messaging_app.client import Client, Reply
from messaging_app.storage.revocations import Revocations
from messaging_app.testing import InProcessApi, Person, in_process_api

BLACKLISTED = {"detail": "Token is blacklisted."}
INVALID = {"detail": "Given token not valid for any token type"}
WRONG_OLD = {"old_password": [
    "Your old password was entered incorrectly. Please enter it again."]}


def log_in(anonymous: Client, person: Person,
           password: str | None = None) -> Reply:
    """Log ``person`` in again, as from another device."""
    return anonymous.post("/api/token/", {
        "username": person.user["username"],
        "password": password or person.password})


def test_logout_gives_up_one_refresh_token(
        anonymous: Client, make_person: Callable[[], Person]) -> None:
    """200 with ``{}``; the refresh token no longer buys tokens nor logs
    out again, under either route; the person's other sessions go on."""
    person = make_person()
    other_device = log_in(anonymous, person).body
    for path in ("/api/token/logout/", "/api/token/blacklist/"):
        token = log_in(anonymous, person).body["refresh"]
        reply = anonymous.post(path, {"refresh": token})
        assert (reply.status, reply.body) == (200, {})
        for again in ("/api/token/refresh/", path):
            reply = anonymous.post(again, {"refresh": token})
            assert (reply.status, reply.body) == (401, BLACKLISTED)
    assert anonymous.post("/api/token/refresh/", {
        "refresh": other_device["refresh"]}).status == 200


def test_logout_everywhere_voids_every_token_of_the_account(
        anonymous: Client, make_person: Callable[[], Person]) -> None:
    """Access and refresh tokens of every device stop working at once;
    another person's do not; logging in again works."""
    person, bystander = make_person(), make_person()
    laptop, phone = log_in(anonymous, person).body, log_in(
        anonymous, person).body
    reply = anonymous.post("/api/token/logout/", {
        "refresh": laptop["refresh"], "everywhere": True})
    assert (reply.status, reply.body) == (200, {})
    for access in (laptop["access"], phone["access"], person.client.token):
        reply = anonymous.with_token(access).get("/api/users/me/")
        assert (reply.status, reply.body) == (401, INVALID)
    for refresh in (laptop["refresh"], phone["refresh"]):
        reply = anonymous.post("/api/token/refresh/", {"refresh": refresh})
        assert (reply.status, reply.body) == (401, BLACKLISTED)
    assert bystander.client.get("/api/users/me/").status == 200
    fresh = log_in(anonymous, person).body
    assert anonymous.with_token(fresh["access"]).get(
        "/api/users/me/").status == 200


def test_a_logout_needs_a_valid_refresh_token(
        anonymous: Client, make_person: Callable[[], Person]) -> None:
    """No token is a 400; an access token, a forged one or a wrong
    ``everywhere`` are refused and change nothing."""
    person = make_person()
    assert anonymous.post("/api/token/logout/", {}).body == {
        "refresh": ["This field is required."]}
    reply = anonymous.post("/api/token/logout/", {
        "refresh": person.refresh, "everywhere": "yes"})
    assert (reply.status, reply.body) == (400, {
        "everywhere": ["Must be a valid boolean."]})
    for token in (person.client.token, person.refresh[:-2] + "xx"):
        reply = anonymous.post("/api/token/logout/", {
            "refresh": token, "everywhere": True})
        assert (reply.status, reply.body) == (401, {
            "detail": "Token is invalid or expired."})
    assert person.client.get("/api/users/me/").status == 200


def test_a_password_change_voids_every_earlier_token(
        anonymous: Client, make_person: Callable[[], Person]) -> None:
    """A wrong old password is a 400 that changes nothing. The right one:
    a new pair that works; every earlier access and refresh token, of
    every device, is refused; only the new password logs in."""
    person = make_person()
    phone = log_in(anonymous, person).body
    reply = person.client.post("/api/users/me/password/", {
        "old_password": "not-the-password", "new_password": "new-secret-pw"})
    assert (reply.status, reply.body) == (400, WRONG_OLD)
    assert anonymous.with_token(phone["access"]).get(
        "/api/users/me/").status == 200
    reply = person.client.post("/api/users/me/password/", {
        "old_password": person.password, "new_password": "new-secret-pw"})
    assert reply.status == 200
    assert set(reply.body) == {"access", "refresh"}
    assert anonymous.with_token(reply.body["access"]).get(
        "/api/users/me/").status == 200
    for access in (person.client.token, phone["access"]):
        assert anonymous.with_token(access).get(
            "/api/users/me/").status == 401
    for refresh in (person.refresh, phone["refresh"]):
        assert anonymous.post("/api/token/refresh/", {
            "refresh": refresh}).body == BLACKLISTED
    assert anonymous.post("/api/token/refresh/", {
        "refresh": reply.body["refresh"]}).status == 200
    assert log_in(anonymous, person).status == 401
    assert log_in(anonymous, person, "new-secret-pw").status == 200


def test_a_new_password_is_checked_like_a_first_one(
        make_person: Callable[[], Person]) -> None:
    """Too short, or missing: a 400 per field; the password stays."""
    person = make_person()
    reply = person.client.post("/api/users/me/password/", {
        "old_password": person.password, "new_password": "short"})
    assert (reply.status, reply.body) == (400, {"new_password": [
        "Ensure this field has at least 8 characters."]})
    reply = person.client.post("/api/users/me/password/", {})
    assert reply.body == {"old_password": ["This field is required."],
                          "new_password": ["This field is required."]}
    assert person.client.get("/api/users/me/").status == 200


def test_one_refresh_token_used_twice_at_once_buys_one_pair(
        api: InProcessApi, make_person: Callable[[], Person]) -> None:
    """Eight requests race with one refresh token: exactly one gets new
    tokens, the others a 401."""
    person = make_person()
    start = threading.Barrier(8)
    statuses: list[int] = []

    def refresh() -> None:
        """Wait for the others, then spend the token."""
        client = api.client()
        start.wait()
        statuses.append(client.post("/api/token/refresh/", {
            "refresh": person.refresh}).status)

    threads = [threading.Thread(target=refresh) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [401] * 7


def test_another_process_sees_every_revocation(
        api: InProcessApi, make_person: Callable[[], Person]) -> None:
    """A second API on the same database (as a second server process,
    with its own remembered tokens) refuses what the first revoked."""
    person = make_person()
    first = api.client()
    with in_process_api(api.app.services.settings) as other:
        second = other.client()
        assert second.with_token(person.client.token).get(
            "/api/users/me/").status == 200
        spare = log_in(second, person).body
        assert first.post("/api/token/refresh/", {
            "refresh": person.refresh}).status == 200
        assert second.post("/api/token/refresh/", {
            "refresh": person.refresh}).body == BLACKLISTED
        assert first.post("/api/token/logout/", {
            "refresh": spare["refresh"], "everywhere": True}).status == 200
        assert second.with_token(person.client.token).get(
            "/api/users/me/").status == 401


def test_revoked_tokens_are_forgotten_once_they_expire(
        api: InProcessApi) -> None:
    """A revoked token's row goes with the first sweep after the token
    would have expired by itself, and only then; a process sweeps at most
    once a minute, after one of its revocations."""
    now = [time.time()]
    revocations = Revocations(api.app.services.storage.engine,
                              clock=lambda: now[0])
    jti = uuid.uuid4().hex
    assert revocations.revoke(jti, int(now[0]) + 30)
    assert not revocations.revoke(jti, int(now[0]) + 30)
    now[0] += 61
    assert revocations.revoke(uuid.uuid4().hex, int(now[0]) + 600)
    assert api.rows("SELECT COUNT(*) FROM revoked_tokens WHERE jti = ?",
                    jti) == [(0,)]
