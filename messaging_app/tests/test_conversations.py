#!/usr/bin/env python3
"""Opening, listing and reading conversations over real HTTP."""
from collections.abc import Callable

import pytest

from messaging_app.client import Client
from messaging_app.testing import UNKNOWN_ID, Person


def summary(person: Person) -> dict:
    """Return a person as a conversation lists its participants."""
    return {name: person.user[name] for name in (
        "id", "user_id", "username", "first_name", "last_name")}


def test_opening_a_conversation_adds_the_caller(
        make_person: Callable[[], Person]) -> None:
    """201 with the participants (caller included, by username) and
    times; the same id reads back."""
    owner, guest = make_person(), make_person()
    reply = owner.client.post("/api/conversations/", {
        "participants": [guest.user_id, guest.user_id.upper()]})
    assert reply.status == 201
    assert set(reply.body) == {"id", "conversation_id", "participants",
                               "created_at", "unread_count", "messages",
                               "messages_url"}
    assert reply.body["id"] == reply.body["conversation_id"]
    assert reply.body["unread_count"] == 0
    assert reply.body["participants"] == sorted(
        [summary(owner), summary(guest)], key=lambda p: p["username"])
    path = f'/api/conversations/{reply.body["conversation_id"]}/'
    for person in (owner, guest):
        assert person.client.get(path).body == reply.body


@pytest.mark.parametrize("participants, sentence", [
    (None, "This field is required."),
    ([], "Expected a non-empty list of user ids."),
    ("not a list", "Expected a non-empty list of user ids."),
    (["not-a-uuid"], "'not-a-uuid' is not a valid UUID."),
    ([7], "7 is not a valid UUID."),
    (["11111111-1111-4111-8111-111111111111"],
     "User 11111111-1111-4111-8111-111111111111 does not exist."),
    ("self", "Add at least one user other than yourself."),
])
def test_invalid_participants_are_400_and_nothing_is_created(
        make_person: Callable[[], Person], participants: object,
        sentence: str) -> None:
    """Each mistake has its sentence; the caller has no conversation
    afterwards."""
    owner = make_person()
    if participants == "self":
        participants = [owner.user_id]
    body = {} if participants is None else {"participants": participants}
    reply = owner.client.post("/api/conversations/", body)
    assert (reply.status, reply.body) == (400, {"participants": [sentence]})
    assert owner.client.get("/api/conversations/").body["count"] == 0


def test_the_list_is_paginated_newest_first(
        make_person: Callable[[], Person]) -> None:
    """``count``, absolute ``next``/``previous`` links and pages."""
    owner, guest = make_person(), make_person()
    opened = [owner.client.post("/api/conversations/", {
        "participants": [guest.user_id]}).body["conversation_id"]
        for _ in range(5)]
    first = owner.client.get("/api/conversations/?page_size=2")
    assert first.status == 200
    assert first.body["count"] == 5
    assert first.body["previous"] is None
    assert first.body["next"] == (
        owner.client.base_url + "/api/conversations/?page_size=2&page=2")
    seen = [c["conversation_id"] for c in first.body["results"]]
    link = first.body["next"]
    while link:
        page = owner.client.get(link[len(owner.client.base_url):])
        seen += [c["conversation_id"] for c in page.body["results"]]
        link = page.body["next"]
    assert seen == opened[::-1]
    last = owner.client.get("/api/conversations/?page_size=2&page=3")
    assert last.body["previous"] == (
        owner.client.base_url + "/api/conversations/?page_size=2&page=2")


def test_the_default_page_holds_twenty(
        make_person: Callable[[], Person]) -> None:
    """Without ``page_size`` a page has 20 items."""
    owner, guest = make_person(), make_person()
    for _ in range(21):
        owner.client.post("/api/conversations/",
                          {"participants": [guest.user_id]})
    page = guest.client.get("/api/conversations/")
    assert (page.body["count"], len(page.body["results"])) == (21, 20)
    assert page.body["next"].endswith("/api/conversations/?page=2")


@pytest.mark.parametrize("query, field", [
    ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"),
    ("page_size=0", "page_size"), ("page_size=", "page_size")])
def test_a_bad_page_number_or_size_is_400(
        make_person: Callable[[], Person], query: str, field: str) -> None:
    """Pages count from 1; a page holds 1 to 100 items."""
    reply = make_person().client.get("/api/conversations/?" + query)
    assert reply.status == 400
    assert list(reply.body) == [field]


def test_a_page_past_the_end_is_404(
        make_person: Callable[[], Person]) -> None:
    """Page 1 of nothing is an empty page; page 2 of nothing is 404."""
    person = make_person()
    empty = person.client.get("/api/conversations/")
    assert empty.body == {"count": 0, "next": None, "previous": None,
                          "results": []}
    reply = person.client.get("/api/conversations/?page=2")
    assert (reply.status, reply.body) == (404, {"detail": "Invalid page."})


def test_an_outsider_cannot_read_a_conversation(
        make_person: Callable[[], Person]) -> None:
    """A logged-in non-participant gets 403, and does not see it in
    their list."""
    owner, guest, outsider = make_person(), make_person(), make_person()
    conversation = owner.client.post("/api/conversations/", {
        "participants": [guest.user_id]}).body["conversation_id"]
    reply = outsider.client.get(f"/api/conversations/{conversation}/")
    assert reply.status == 403
    assert reply.body == {
        "detail": "You are not a participant of this conversation."}
    assert outsider.client.get("/api/conversations/").body["count"] == 0


@pytest.mark.parametrize("conversation_id", [UNKNOWN_ID, "1",
                                             "' OR '1'='1"])
def test_an_unknown_or_malformed_conversation_is_404(
        make_person: Callable[[], Person], conversation_id: str) -> None:
    """Unknown and malformed ids alike are a JSON 404, never a 500."""
    reply = make_person().client.get(
        f'/api/conversations/{conversation_id.replace(" ", "%20")}/')
    assert reply.status == 404
    assert set(reply.body) == {"detail"}


def test_conversations_need_a_token(anonymous: Client) -> None:
    """Listing and opening without a token are 401."""
    assert anonymous.get("/api/conversations/").status == 401
    reply = anonymous.post("/api/conversations/", {"participants": []})
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == 'Bearer realm="api"'
