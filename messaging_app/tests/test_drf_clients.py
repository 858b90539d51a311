#!/usr/bin/env python3
"""Clients written for the curriculum's Django REST Framework versions
work unchanged: the other spellings of fields, the ``id`` members, the
``/api/auth/`` paths, the flat message routes, a conversation's nested
messages and DRF's leniencies, on both engines.

Every refused request is checked to write nothing, and every object route
to keep outsiders out.
"""
import uuid
from collections.abc import Callable
from dataclasses import replace

import pytest

from messaging_app import openapi
from messaging_app.client import Client
from messaging_app.errors import NotFound
from messaging_app.router import ProtectedNotFound, resolve
from messaging_app.routes import ROUTES
from messaging_app.testing import (UNKNOWN_ID, InProcessApi, Person,
                                   conversation_between, register)
from messaging_app.validation import ALIASES

Chat = tuple[Person, Person, str]
NOT_PARTICIPANT = {"detail": "You are not a participant of this conversation."}
CHALLENGE = 'Bearer realm="api"'


@pytest.fixture
def chat(make_person: Callable[[], Person]) -> Chat:
    """Return two people and the messages path of their conversation."""
    alice, bob = make_person(), make_person()
    return alice, bob, conversation_between(alice, bob)


def conversation_of(path: str) -> str:
    """Return the conversation id of a messages path."""
    return path.split("/")[3]


def send(person: Person, path: str, body: str) -> dict:
    """Send a message and return it, asserting the 201."""
    reply = person.client.post(path, {"message_body": body})
    assert reply.status == 201, reply.body
    return reply.body


def bodies(messages: list[dict]) -> list[str]:
    """Return the bodies of a list of messages, in order."""
    return [message["message_body"] for message in messages]


def stored(api: InProcessApi, conversation_id: str) -> list[tuple]:
    """Return the stored bodies and edit times of a conversation."""
    return api.rows("SELECT message_body, edited_at FROM messages WHERE "
                    "conversation_id = ? ORDER BY seq", conversation_id)


def conversations_of(api: InProcessApi, person: Person) -> int:
    """Count the conversations a person is in."""
    return api.rows("SELECT COUNT(*) FROM participants WHERE user_id = ?",
                    person.user_id)[0][0]


def clash(*names: str) -> dict:
    """Return the 400 body of two spellings of one field that differ."""
    sentence = (f"{' and '.join(names)} are spellings of one field with "
                f"different values; send one of them.")
    return {name: [sentence] for name in names}


@pytest.mark.parametrize("spelling", ALIASES["participants"])
def test_each_spelling_of_participants_opens_a_conversation(
        make_person: Callable[[], Person], spelling: str) -> None:
    """``participant_ids``, ``participants_id``, ``participants_ids``: 201
    with the same conversation ``participants`` would open."""
    owner, guest = make_person(), make_person()
    reply = owner.client.post("/api/conversations/", {
        spelling: [guest.user_id]})
    assert reply.status == 201, reply.body
    assert {p["user_id"] for p in reply.body["participants"]} == {
        owner.user_id, guest.user_id}


def test_content_is_the_message_body_in_posts_and_edits(
        chat: Chat, api: InProcessApi) -> None:
    """``content`` for ``message_body`` (nested and flat posts and edits)
    and ``conversation_id`` for ``conversation`` in a flat post."""
    alice, bob, path = chat
    conversation_id = conversation_of(path)
    nested = alice.client.post(path, {"content": "nested"})
    assert (nested.status, nested.body["message_body"]) == (201, "nested")
    flat = bob.client.post("/api/messages/", {
        "conversation_id": conversation_id, "content": "flat"})
    assert (flat.status, flat.body["message_body"]) == (201, "flat")
    assert flat.body["conversation"] == conversation_id
    edited = alice.client.patch(path + nested.body["message_id"] + "/",
                                {"content": "nested, edited"})
    assert (edited.status, edited.body["message_body"]) == (
        200, "nested, edited")
    edited = bob.client.patch(f"/api/messages/{flat.body['message_id']}/",
                              {"content": "flat, edited"})
    assert (edited.status, edited.body["message_body"]) == (
        200, "flat, edited")
    assert [body for body, _ in stored(api, conversation_id)] == [
        "nested, edited", "flat, edited"]


def test_two_spellings_with_the_same_value_are_one_field(
        chat: Chat, make_person: Callable[[], Person]) -> None:
    """Clients that send both spellings, equal, are served."""
    alice, bob, path = chat
    reply = alice.client.post("/api/messages/", {
        "conversation": conversation_of(path),
        "conversation_id": conversation_of(path),
        "message_body": "twice", "content": "twice"})
    assert (reply.status, reply.body["message_body"]) == (201, "twice")
    reply = alice.client.post("/api/conversations/", {
        "participants": [bob.user_id], "participant_ids": [bob.user_id]})
    assert reply.status == 201


def test_two_spellings_that_differ_are_400_and_write_nothing(
        chat: Chat, make_person: Callable[[], Person],
        api: InProcessApi) -> None:
    """Each post and edit names both spellings; nothing is stored,
    created or edited."""
    alice, bob, path = chat
    conversation_id = conversation_of(path)
    item = path + send(alice, path, "original")["message_id"] + "/"
    flat_item = "/api/messages/" + item.split("/")[-2] + "/"
    before = stored(api, conversation_id)
    other = make_person()
    refused = [
        (alice.client.post(path, {"message_body": "a", "content": "b"}),
         clash("message_body", "content")),
        (alice.client.post("/api/messages/", {
            "conversation": conversation_id,
            "conversation_id": str(uuid.uuid4()), "message_body": "a"}),
         clash("conversation", "conversation_id")),
        (alice.client.post("/api/messages/", {
            "conversation_id": conversation_id, "message_body": "a",
            "content": "A"}), clash("message_body", "content")),
        (alice.client.patch(item, {"message_body": "a", "content": "b"}),
         clash("message_body", "content")),
        (alice.client.patch(flat_item, {"content": "a",
                                        "message_body": None}),
         clash("message_body", "content")),
        (other.client.post("/api/conversations/", {
            "participant_ids": [bob.user_id],
            "participants_ids": [alice.user_id]}),
         clash("participant_ids", "participants_ids"))]
    for reply, body in refused:
        assert (reply.status, reply.body) == (400, body)
    assert stored(api, conversation_id) == before
    assert conversations_of(api, other) == 0


@pytest.mark.parametrize("body, errors", [
    ({"conversation_id": "unknown", "content": " "},
     {"content": ["This field may not be blank."]}),
    ({"conversation_id": "42", "content": "hi"},
     {"conversation_id": ["'42' is not a valid UUID."]}),
    ({"conversation_id": "unknown", "content": "hi"}, {"conversation_id": [
        "Conversation {unknown} does not exist."]}),
    ({}, {"conversation": ["This field is required."],
          "message_body": ["This field is required."]})])
def test_errors_are_told_under_the_spelling_sent(
        chat: Chat, api: InProcessApi, body: dict, errors: dict) -> None:
    """A client finds each error under the name it used; nothing is
    stored."""
    alice, _, path = chat
    unknown = str(uuid.uuid4())
    body = {name: unknown if value == "unknown" else value
            for name, value in body.items()}
    reply = alice.client.post("/api/messages/", body)
    assert reply.status == 400
    assert reply.body == {name: [sentence.format(unknown=unknown)
                                 for sentence in sentences]
                          for name, sentences in errors.items()}
    assert stored(api, conversation_of(path)) == []


def test_participant_errors_are_told_under_the_spelling_sent(
        make_person: Callable[[], Person], api: InProcessApi) -> None:
    """The caller alone, or an unknown user, under ``participant_ids``."""
    owner = make_person()
    unknown = str(uuid.uuid4())
    for ids, sentence in (
            ([owner.user_id], "Add at least one user other than yourself."),
            ([unknown], f"User {unknown} does not exist.")):
        reply = owner.client.post("/api/conversations/",
                                  {"participant_ids": ids})
        assert (reply.status, reply.body) == (400, {
            "participant_ids": [sentence]})
    assert conversations_of(api, owner) == 0


def test_every_object_carries_its_id_as_id(chat: Chat) -> None:
    """Users, conversations (and their participants), messages (and their
    senders), in every answer that holds them."""
    alice, bob, path = chat
    message = send(alice, path, "hello")
    conversation = alice.client.get(path[:-len("messages/")]).body
    users = [alice.user, alice.client.get("/api/users/me/").body,
             alice.client.get(f"/api/users/{bob.user_id}/").body,
             *conversation["participants"], message["sender"]]
    assert all(user["id"] == user["user_id"] for user in users)
    conversations = [conversation, *alice.client.get(
        "/api/conversations/").body["results"]]
    assert all(found["id"] == found["conversation_id"]
               for found in conversations)
    messages = [message, *conversation["messages"],
                *alice.client.get(path).body["results"],
                *alice.client.get("/api/messages/").body["results"],
                alice.client.get(path + message["message_id"] + "/").body]
    assert all(found["id"] == found["message_id"] for found in messages)
    assert all(found["sender"]["id"] == alice.user_id for found in messages)


def test_the_auth_paths_register_log_in_and_refresh(
        anonymous: Client, api: InProcessApi) -> None:
    """/api/auth/register/, /api/auth/login/, /api/auth/token/ and
    /api/auth/token/refresh/ answer as their originals do."""
    reply = anonymous.post("/api/auth/register/", {
        "username": "authpaths", "email": "authpaths@example.com",
        "password": "long-enough-pw", "password_confirm": "long-enough-pw",
        "first_name": "Auth", "last_name": "Paths"})
    assert reply.status == 201, reply.body
    assert reply.body["username"] == "authpaths"
    for path in ("/api/auth/login/", "/api/auth/token/"):
        tokens = anonymous.post(path, {"username": "authpaths",
                                       "password": "long-enough-pw"})
        assert (tokens.status, set(tokens.body)) == (
            200, {"access", "refresh"})
        refreshed = anonymous.post("/api/auth/token/refresh/", {
            "refresh": tokens.body["refresh"]})
        assert (refreshed.status, set(refreshed.body)) == (
            200, {"access", "refresh"})
        me = anonymous.with_token(refreshed.body["access"]).get(
            "/api/users/me/")
        assert me.body["user_id"] == reply.body["user_id"]
        wrong = anonymous.post(path, {"username": "authpaths",
                                      "password": "wrong-password"})
        assert (wrong.status, wrong.headers["WWW-Authenticate"]) == (
            401, CHALLENGE)


@pytest.mark.parametrize("path", ["/api/auth/register/", "/api/users/"])
@pytest.mark.parametrize("confirmation", ["another-password", None, 5])
def test_a_password_confirm_that_differs_is_400_and_stores_nothing(
        anonymous: Client, api: InProcessApi, path: str,
        confirmation: object) -> None:
    """When sent, ``password_confirm`` must be the password."""
    name = f"confirm{uuid.uuid4().hex[:8]}"
    reply = anonymous.post(path, {
        "username": name, "email": f"{name}@example.com",
        "password": "long-enough-pw", "password_confirm": confirmation,
        "first_name": "Con", "last_name": "Firm"})
    assert (reply.status, reply.body) == (400, {
        "password_confirm": ["The two passwords do not match."]})
    assert api.rows("SELECT COUNT(*) FROM users WHERE username = ?",
                    name) == [(0,)]


def test_the_auth_routes_are_copies_of_their_originals() -> None:
    """Same view, audience and rate limits: the route table's lines differ
    in their path only."""
    table = {(route.method, route.pattern): route for route in ROUTES}
    for copy, original in (("/api/auth/register/", "/api/users/"),
                           ("/api/auth/login/", "/api/token/"),
                           ("/api/auth/token/", "/api/token/"),
                           ("/api/auth/token/refresh/",
                            "/api/token/refresh/")):
        route = table["POST", copy]
        assert replace(route, pattern=original) == table["POST", original]
        assert route.view is table["POST", original].view


def test_the_flat_routes_give_a_message_to_participants_only(
        chat: Chat, api: InProcessApi) -> None:
    """Participants read; the other participant may neither edit nor
    delete; the sender does both; then it is gone."""
    alice, bob, path = chat
    message = send(alice, path, "flat")
    flat = f"/api/messages/{message['message_id']}/"
    assert (bob.client.get(flat).status, bob.client.get(flat).body) == (
        200, message)
    for reply in (bob.client.patch(flat, {"content": "bob's now"}),
                  bob.client.delete(flat)):
        assert reply.status == 403
    edited = alice.client.patch(flat, {"message_body": "flat, edited"})
    assert edited.status == 200
    assert edited.body == bob.client.get(path + message["message_id"] +
                                         "/").body
    assert alice.client.delete(flat).status == 204
    assert alice.client.get(flat).status == 404
    assert stored(api, conversation_of(path)) == []


def test_an_outsider_can_neither_read_edit_nor_delete_a_flat_message(
        chat: Chat, make_person: Callable[[], Person],
        api: InProcessApi) -> None:
    """403 on each flat route, with no word of the message; it stays as
    it was."""
    alice, _, path = chat
    message = send(alice, path, "private")
    flat = f"/api/messages/{message['message_id']}/"
    before = stored(api, conversation_of(path))
    outsider = make_person().client
    for reply in (outsider.get(flat),
                  outsider.patch(flat, {"message_body": "mine now"}),
                  outsider.patch(flat, {"content": "mine now"}),
                  outsider.delete(flat)):
        assert (reply.status, reply.body) == (403, NOT_PARTICIPANT)
    assert stored(api, conversation_of(path)) == before


def test_an_admin_deletes_any_message_through_the_flat_route(
        chat: Chat, api: InProcessApi) -> None:
    """As under the nested path: an admin outside the conversation
    cannot read it, but deletes."""
    alice, _, path = chat
    flat = f"/api/messages/{send(alice, path, 'spam')['message_id']}/"
    admin = register(api.client(), "admin")
    api.execute("UPDATE users SET role = 'admin' WHERE user_id = ?",
                admin.user_id)
    assert admin.client.get(flat).status == 403
    assert admin.client.delete(flat).status == 204
    assert stored(api, conversation_of(path)) == []


@pytest.mark.parametrize("message_id", [UNKNOWN_ID, "not-a-uuid"])
def test_an_unknown_flat_message_is_404_and_401_without_a_token(
        chat: Chat, anonymous: Client, message_id: str) -> None:
    """With a token: 404 for each method; without one: 401 first."""
    flat = f"/api/messages/{message_id}/"
    for method in ("GET", "PATCH", "DELETE"):
        data = {"content": "x"} if method == "PATCH" else None
        reply = chat[0].client.request(method, flat, data)
        assert (reply.status, set(reply.body)) == (404, {"detail"})
        reply = anonymous.request(method, flat, data)
        assert (reply.status, reply.headers["WWW-Authenticate"]) == (
            401, CHALLENGE)


def test_a_conversation_shows_its_latest_twenty_messages_oldest_first(
        chat: Chat, api: InProcessApi) -> None:
    """Of 25 messages the last 20, in sending order, laid out as a page
    lays them out, with the link to all of them; a new conversation shows
    none."""
    alice, bob, path = chat
    detail_path = path[:-len("messages/")]
    assert alice.client.get(detail_path).body["messages"] == []
    sent = [send(alice if number % 2 else bob, path, f"m{number:02d}")
            for number in range(25)]
    detail = bob.client.get(detail_path).body
    assert detail["messages"] == sent[5:]
    assert detail["messages_url"] == bob.client.base_url + path
    everything = bob.client.get(detail["messages_url"][
        len(bob.client.base_url):] + "?page_size=100").body
    assert (everything["count"], everything["results"]) == (25, sent)
    newest = bob.client.get(path + "?ordering=-sent_at").body
    assert detail["messages"] == newest["results"][::-1]


def test_a_new_conversation_answers_as_its_own_url(
        make_person: Callable[[], Person]) -> None:
    """The 201 of opening one is what GET of it shows: no messages yet,
    and the link; an outsider gets 403 without any of it."""
    owner, guest, outsider = make_person(), make_person(), make_person()
    created = owner.client.post("/api/conversations/", {
        "participants": [guest.user_id]}).body
    path = f"/api/conversations/{created['conversation_id']}/"
    assert created["messages"] == []
    assert created["messages_url"] == owner.client.base_url + path + \
        "messages/"
    assert guest.client.get(path).body == created
    reply = outsider.client.get(path)
    assert (reply.status, reply.body) == (403, NOT_PARTICIPANT)


def test_an_empty_filter_is_no_filter(chat: Chat) -> None:
    """``?conversation=`` and the like list what no filter lists."""
    alice, bob, path = chat
    send(alice, path, "one")
    send(bob, path, "two")
    for listing, names in (
            ("/api/messages/", ("conversation", "sender", "sent_after",
                                "sent_before")),
            (path, ("sender", "sent_after", "sent_before"))):
        everything = alice.client.get(listing).body
        assert bodies(everything["results"]) == ["one", "two"]
        for query in (*(f"{name}=" for name in names),
                      "&".join(f"{name}=" for name in names)):
            reply = alice.client.get(f"{listing}?{query}")
            assert (reply.status, reply.body) == (200, everything), query


ORDERINGS = [("sent_at", False), ("-sent_at", True), ("body", False),
             ("", False), ("-timestamp", False),
             ("-message_body,-sent_at", True), ("sent_at,-sent_at", False),
             ("-id,%20sent_at", False)]


def test_unknown_orderings_are_ignored_and_known_ones_work(
        chat: Chat) -> None:
    """As DRF's OrderingFilter: the known fields of the list count, the
    unknown ones are dropped; with none known, oldest first."""
    alice, _, path = chat
    for body in ("first", "second", "third"):
        send(alice, path, body)
    expected = ["first", "second", "third"]
    for ordering, newest_first in ORDERINGS:
        reply = alice.client.get(f"{path}?ordering={ordering}")
        assert reply.status == 200, ordering
        assert bodies(reply.body["results"]) == (
            expected[::-1] if newest_first else expected), ordering


def test_a_page_size_over_the_maximum_is_taken_as_the_maximum(
        chat: Chat, api: InProcessApi) -> None:
    """As DRF's ``max_page_size``: 100 messages and a link to the rest,
    however many digits the size has."""
    alice, bob, path = chat
    storage = api.app.services.storage
    for number in range(101):
        storage.messages.add(conversation_of(path), bob.user_id, f"{number}")
    for size in ("101", "1000", "9" * 4301):
        reply = alice.client.get(f"{path}?page_size={size}")
        assert reply.status == 200
        assert (reply.body["count"], len(reply.body["results"])) == (
            101, 100)
        second = alice.client.get(reply.body["next"][
            len(alice.client.base_url):]).body
        assert bodies(second["results"]) == ["100"]


@pytest.mark.parametrize("path", [
    "/api/conversations/not-a-uuid/", f"/api/conversations/{UNKNOWN_ID}/",
    "/api/conversations/1/messages/", "/api/conversations/x/messages/y/",
    "/api/messages/42/", "/api/users/42", "/api/users/' OR '1'='1/"])
def test_no_credentials_is_401_before_any_404(
        anonymous: Client, make_person: Callable[[], Person],
        path: str) -> None:
    """Without a token, or with a broken one, a malformed or unknown id
    on a route that needs a token is a 401; with a valid token, a 404."""
    path = path.replace(" ", "%20")
    reply = anonymous.get(path)
    assert (reply.status, reply.headers["WWW-Authenticate"]) == (
        401, CHALLENGE)
    reply = anonymous.with_token("not.a.token").get(path)
    assert reply.status == 401
    assert make_person().client.get(path).status == 404


def test_an_unknown_path_is_404_without_credentials(
        anonymous: Client) -> None:
    """A path of no route's shape is a 404 for anyone."""
    for path in ("/api/nothing/", "/api/conversations/x/y/", "/"):
        assert anonymous.get(path).status == 404


def test_the_router_marks_a_404_on_a_protected_shape() -> None:
    """Only a path shaped like a route that needs a token is a
    ProtectedNotFound."""
    with pytest.raises(ProtectedNotFound):
        resolve(ROUTES, "GET", "/api/messages/not-a-uuid/")
    with pytest.raises(NotFound) as raised:
        resolve(ROUTES, "GET", "/api/nothing/not-a-uuid/")
    assert not isinstance(raised.value, ProtectedNotFound)


def test_the_document_names_every_other_spelling() -> None:
    """Each alias is a property of the request bodies that take its
    field, and the auth paths and flat routes are documented."""
    document = openapi.document()
    schemas = document["components"]["schemas"]
    properties = {name for schema in schemas.values()
                  for name in schema.get("properties", {})}
    assert {alias for aliases in ALIASES.values()
            for alias in aliases} <= properties
    assert {"/api/auth/register/", "/api/auth/login/", "/api/auth/token/",
            "/api/auth/token/refresh/", "/api/messages/{message_id}/"} <= set(
        document["paths"])
