#!/usr/bin/env python3
"""Rate limits on every write and on the public routes, and the bounded
password hashing that sheds logins instead of queuing them, on both
storage engines.

Each test lowers one limit of the session's API for its duration and
sends from addresses and users of its own, so the counts that other tests
leave in the database never meet its own.
"""
import itertools
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace

import pytest

from messaging_app.client import Reply
from messaging_app.middleware import address_key
from messaging_app.settings import RATE_LIMITS
from messaging_app.testing import (InProcessApi, Person,
                                   conversation_between)

SetLimit = Callable[[str, int], None]
ADDRESS_NUMBERS = itertools.count(1)


def new_address() -> str:
    """Return a client address that no other test sends from."""
    number = next(ADDRESS_NUMBERS)
    return f"10.13.{number // 250}.{number % 250 + 1}"


@pytest.fixture
def set_limit(api: InProcessApi,
              monkeypatch: pytest.MonkeyPatch) -> SetLimit:
    """Return a function that lowers the limit ``name`` to ``hits`` per
    hour for the test. (The window is part of a count's key: hits made
    before, under the session's limits, do not count.)"""
    def lower(name: str, hits: int) -> None:
        """Allow ``hits`` per hour against the limit ``name``."""
        monkeypatch.setitem(
            api.app.services.settings.rate_limits, name,
            replace(RATE_LIMITS[name], limit=hits, window_seconds=3600))
    return lower


def assert_limited(reply: Reply, counts: str) -> None:
    """The reply is the 429 of a limit on ``counts``, with Retry-After."""
    assert reply.status == 429, reply.body
    wait = int(reply.headers["Retry-After"])
    assert 1 <= wait <= 3600
    assert reply.body == {
        "detail": f"Too many {counts}; try again in {wait} seconds."}


def account(name: str, email: str | None = None) -> dict:
    """Return a registration body for ``name``."""
    return {"username": name, "email": email or f"{name}@example.com",
            "password": "long-enough-pw", "first_name": "Rate",
            "last_name": "Limited"}


def test_registrations_are_limited_per_address(
        api: InProcessApi, set_limit: SetLimit,
        make_person: Callable[[], Person]) -> None:
    """Two per hour: a refused registration (a taken email) counts too,
    so probing which emails are taken is limited as well; the third is
    429 and stores nothing; another address still registers."""
    taken = make_person().user["email"]
    set_limit("registration", 2)
    client = api.client(client_ip=new_address())
    prefix = f"limited{next(ADDRESS_NUMBERS)}"
    assert client.post("/api/users/", account(
        prefix + "a", taken)).status == 400
    assert client.post("/api/users/", account(prefix + "b")).status == 201
    assert_limited(client.post("/api/users/", account(prefix + "c")),
                   "registrations")
    assert api.rows("SELECT COUNT(*) FROM users WHERE username = ?",
                    prefix + "c") == [(0,)]
    other = api.client(client_ip=new_address())
    assert other.post("/api/users/", account(prefix + "c")).status == 201


def test_logins_are_limited_per_address(
        api: InProcessApi, set_limit: SetLimit,
        make_person: Callable[[], Person]) -> None:
    """Two attempts per hour from one address: the third is refused even
    with the right password, before any hashing; another address logs
    in."""
    person = make_person()
    set_limit("login", 2)
    client = api.client(client_ip=new_address())
    wrong = {"username": person.user["username"], "password": "wrong-pw"}
    right = dict(wrong, password=person.password)
    assert client.post("/api/token/", wrong).status == 401
    assert client.post("/api/token/", wrong).status == 401
    assert_limited(client.post("/api/token/", right), "login attempts")
    other = api.client(client_ip=new_address())
    assert other.post("/api/token/", right).status == 200


def test_logins_to_one_account_are_limited_from_every_address(
        api: InProcessApi, set_limit: SetLimit,
        make_person: Callable[[], Person]) -> None:
    """Three attempts per hour on one account, by username, email or
    another case of the name, from three addresses: the fourth, from a
    fourth address, is refused; other accounts are not. An unknown name
    is refused after as many attempts, so the limit tells nothing about
    which accounts exist."""
    person, other = make_person(), make_person()
    set_limit("login_account", 3)
    username, email = person.user["username"], person.user["email"]
    for login in ({"username": username}, {"email": email},
                  {"username": username.upper()}):
        reply = api.client(client_ip=new_address()).post(
            "/api/token/", dict(login, password="wrong-password"))
        assert reply.status == 401
    assert_limited(api.client(client_ip=new_address()).post(
        "/api/token/", {"username": username, "password": person.password}),
        "login attempts for this account")
    assert api.client(client_ip=new_address()).post("/api/token/", {
        "username": other.user["username"],
        "password": other.password}).status == 200
    unknown = {"username": f"nobody{next(ADDRESS_NUMBERS)}",
               "password": "wrong-password"}
    statuses = [api.client(client_ip=new_address()).post(
        "/api/token/", unknown).status for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_refreshes_are_limited_per_address(
        api: InProcessApi, set_limit: SetLimit,
        make_person: Callable[[], Person]) -> None:
    """The token routes share one limit per address."""
    person = make_person()
    set_limit("tokens", 1)
    client = api.client(client_ip=new_address())
    body = {"refresh": person.refresh}
    assert client.post("/api/token/refresh/", body).status == 200
    assert_limited(client.post("/api/token/refresh/", body),
                   "token requests")


def test_opening_conversations_is_limited_per_user(
        api: InProcessApi, set_limit: SetLimit,
        make_person: Callable[[], Person]) -> None:
    """Two new conversations per hour for one user, whatever the
    address: the third is refused and not stored; another user of the
    same address still opens one."""
    spammer, victim, other = make_person(), make_person(), make_person()
    set_limit("conversations", 2)
    body = {"participants": [victim.user_id]}
    assert spammer.client.post("/api/conversations/", body).status == 201
    moved = api.client(spammer.client.token, client_ip=new_address())
    assert moved.post("/api/conversations/", body).status == 201
    assert_limited(spammer.client.post("/api/conversations/", body),
                   "new conversations")
    assert api.rows("SELECT COUNT(*) FROM participants WHERE user_id = ?",
                    victim.user_id) == [(2,)]
    assert other.client.post("/api/conversations/", body).status == 201


def test_edits_and_deletions_share_a_limit_per_user(
        set_limit: SetLimit, make_person: Callable[[], Person]) -> None:
    """Two changes per hour: an edit and a deletion pass, the next edit
    is refused and changes nothing."""
    author, reader = make_person(), make_person()
    path = conversation_between(author, reader)
    first, second = (author.client.post(path, {"message_body": text}).body
                     for text in ("one", "two"))
    set_limit("edits", 2)
    assert author.client.patch(f"{path}{first['message_id']}/", {
        "message_body": "one, edited"}).status == 200
    assert author.client.delete(
        f"{path}{second['message_id']}/").status == 204
    assert_limited(author.client.patch(f"{path}{first['message_id']}/", {
        "message_body": "one, edited again"}), "edits and deletions")
    assert author.client.get(f"{path}{first['message_id']}/").body[
        "message_body"] == "one, edited"


def test_the_schema_is_limited_per_address(
        api: InProcessApi, set_limit: SetLimit) -> None:
    """The OpenAPI document is public and costs a little to build."""
    set_limit("schema", 1)
    client = api.client(client_ip=new_address())
    assert client.get("/api/schema/").status == 200
    assert_limited(client.get("/api/schema/"), "requests for the schema")


def test_ipv6_clients_count_by_their_64(
        api: InProcessApi, set_limit: SetLimit) -> None:
    """Two addresses of one /64 share a count: an IPv6 client has a
    whole /64 to pick addresses from."""
    assert address_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert address_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert address_key("192.0.2.7") == "192.0.2.7"
    set_limit("schema", 1)
    network = f"2001:db8:13:{next(ADDRESS_NUMBERS):x}"
    assert api.client(client_ip=f"{network}::1").get(
        "/api/schema/").status == 200
    assert api.client(client_ip=f"{network}:ffff::2").get(
        "/api/schema/").status == 429


@contextmanager
def every_hashing_slot_taken(api: InProcessApi) -> Iterator[None]:
    """Hold every password hashing slot of the API for the block, as a
    flood of logins would."""
    services = api.app.services
    with ExitStack() as stack:
        for _ in range(services.settings.hashing_slots):
            stack.enter_context(services.passwords.slot())
        yield


def test_a_login_finding_every_hashing_slot_busy_is_refused_at_once(
        api: InProcessApi, make_person: Callable[[], Person]) -> None:
    """503 with Retry-After: 1 rather than a wait (the slots are held by
    this very thread, so a wait would never end); a registration too,
    which stores nothing. Once a slot is free, the login passes."""
    person = make_person()
    login = {"username": person.user["username"],
             "password": person.password}
    client = api.client(client_ip=new_address())
    name = f"shed{next(ADDRESS_NUMBERS)}"
    with every_hashing_slot_taken(api):
        for reply in (client.post("/api/token/", login),
                      client.post("/api/users/", account(name))):
            assert reply.status == 503
            assert reply.headers["Retry-After"] == "1"
            assert reply.body == {"detail": "The server is busy checking "
                                  "other passwords; try again in a second."}
    assert api.rows("SELECT COUNT(*) FROM users WHERE username = ?",
                    name) == [(0,)]
    assert client.post("/api/token/", login).status == 200


def test_flat_edits_and_read_marks_are_limited_per_user(
        set_limit: SetLimit, make_person: Callable[[], Person]) -> None:
    """The flat message routes share the edits' limit; moving a read
    marker and marking notifications read count against their own."""
    author, reader = make_person(), make_person()
    path = conversation_between(author, reader)
    message = author.client.post(path, {"message_body": "one"}).body
    flat = f"/api/messages/{message['message_id']}/"
    set_limit("edits", 1)
    set_limit("read_marks", 2)
    assert author.client.patch(flat, {"message_body": "two"}).status == 200
    assert_limited(author.client.delete(flat), "edits and deletions")
    read = path.replace("/messages/", "/read/")
    assert reader.client.post(read, {"message": None}).status == 200
    notification = reader.client.get("/api/notifications/").body[
        "results"][0]["notification_id"]
    assert reader.client.post("/api/notifications/read/", {
        "up_to": notification}).status == 200
    assert_limited(reader.client.post(read, {"message": None}),
                   "read marks")
