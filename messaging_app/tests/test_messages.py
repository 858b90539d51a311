#!/usr/bin/env python3
"""Sending, listing, filtering, editing and deleting messages over real
HTTP, with bad input that must be refused without writing anything."""
import threading
import uuid
from datetime import datetime, timedelta, timezone
from collections.abc import Callable
from urllib.parse import quote

import pytest

from messaging_app.client import Client
from messaging_app.testing import (UNKNOWN_ID, InProcessApi, Person,
                                   conversation_between, register)

Chat = tuple[Person, Person, str]
INJECTION = "'); DROP TABLE messages; --"


def send(person: Person, path: str, body: str) -> dict:
    """Send a message and return it, asserting the 201."""
    reply = person.client.post(path, {"message_body": body})
    assert reply.status == 201, reply.body
    return reply.body


def bodies(page: dict) -> list[str]:
    """Return the message bodies of a page, in order."""
    return [message["message_body"] for message in page["results"]]


def stored_count(api: InProcessApi, path: str) -> int:
    """Count the messages stored for the conversation of ``path``."""
    conversation_id = path.split("/")[3]
    return api.rows("SELECT COUNT(*) FROM messages WHERE "
                    "conversation_id = ?", conversation_id)[0][0]


def test_a_message_is_sent_by_the_caller(chat: Chat) -> None:
    """201 with the message; the sender is the caller, whatever the body
    claims, and the body is trimmed."""
    alice, bob, path = chat
    reply = alice.client.post(path, {
        "message_body": "  Hello Bob  ", "sender": bob.user_id,
        "sent_at": "2000-01-01T00:00:00Z", "message_id": str(uuid.uuid4())})
    assert reply.status == 201
    message = reply.body
    assert set(message) == {"id", "message_id", "conversation", "sender",
                            "message_body", "sent_at", "edited_at",
                            "edited", "parent_message"}
    assert message["id"] == message["message_id"]
    assert message["sender"] == {name: alice.user[name] for name in (
        "id", "user_id", "username", "first_name", "last_name")}
    assert message["message_body"] == "Hello Bob"
    assert message["conversation"] == path.split("/")[3]
    assert message["edited_at"] is None
    assert (message["edited"], message["parent_message"]) == (False, None)
    assert not message["sent_at"].startswith("2000")
    detail = bob.client.get(path + message["message_id"] + "/")
    assert (detail.status, detail.body) == (200, message)


def test_messages_read_oldest_first_or_newest_first(chat: Chat) -> None:
    """The order is the sending order, reversed by ``-sent_at``."""
    alice, bob, path = chat
    for number in range(5):
        send(alice if number % 2 else bob, path, f"m{number}")
    assert bodies(alice.client.get(path).body) == [
        "m0", "m1", "m2", "m3", "m4"]
    assert bodies(alice.client.get(path + "?ordering=-sent_at").body) == [
        "m4", "m3", "m2", "m1", "m0"]
    reply = alice.client.get(path + "?ordering=body")
    assert (reply.status, bodies(reply.body)) == (200, [
        "m0", "m1", "m2", "m3", "m4"])


def test_pages_of_messages_never_repeat_or_skip(chat: Chat) -> None:
    """Twenty-five messages in pages of ten: 10, 10, 5, all in order."""
    alice, _, path = chat
    for number in range(25):
        send(alice, path, f"n{number:02d}")
    seen = []
    for page in (1, 2, 3):
        body = alice.client.get(path + f"?page_size=10&page={page}").body
        assert body["count"] == 25
        seen += bodies(body)
    assert seen == [f"n{number:02d}" for number in range(25)]
    assert len(bodies(alice.client.get(path).body)) == 20
    assert alice.client.get(path + "?page=4&page_size=10").status == 404


def test_filters_by_sender_and_time(chat: Chat) -> None:
    """``sender``, ``sent_after`` and ``sent_before`` narrow the list,
    and ``count`` follows."""
    alice, bob, path = chat
    first = send(alice, path, "one")
    second = send(bob, path, "two")
    send(alice, path, "three")
    by_bob = alice.client.get(path + "?sender=" + bob.user_id).body
    assert (by_bob["count"], bodies(by_bob)) == (1, ["two"])
    after = alice.client.get(path + "?sent_after=" + quote(
        first["sent_at"])).body
    assert bodies(after) == ["two", "three"]
    before = alice.client.get(path + "?sent_before=" + quote(
        second["sent_at"])).body
    assert (before["count"], bodies(before)) == (1, ["one"])
    # The second message's time, written in Nairobi's offset.
    moment = datetime.fromisoformat(second["sent_at"].replace("Z", ""))
    nairobi = (moment + timedelta(hours=3)).replace(
        tzinfo=timezone(timedelta(hours=3)))
    offset = alice.client.get(path + "?sent_before=" + quote(
        nairobi.isoformat())).body
    assert bodies(offset) == ["one"]


@pytest.mark.parametrize("query, field", [
    ("sender=bob", "sender"), ("sent_after=yesterday", "sent_after"),
    ("sent_before=2024-13-01", "sent_before"), ("page=0", "page"),
    ("page_size=0", "page_size")])
def test_an_invalid_filter_is_400(chat: Chat, query: str,
                                  field: str) -> None:
    """Each bad filter value is named in the 400 body."""
    reply = chat[0].client.get(chat[2] + "?" + query)
    assert reply.status == 400
    assert list(reply.body) == [field]


def test_the_messages_endpoint_lists_all_the_callers_conversations(
        make_person: Callable[[], Person]) -> None:
    """GET /api/messages/ shows the caller's messages of every
    conversation, filterable by ``conversation``; nobody else's."""
    alice, bob, carol = make_person(), make_person(), make_person()
    with_bob = conversation_between(alice, bob)
    with_carol = conversation_between(alice, carol)
    between_others = conversation_between(bob, carol)
    send(alice, with_bob, "to bob")
    send(carol, with_carol, "to alice")
    send(bob, between_others, "private")
    everything = alice.client.get("/api/messages/").body
    assert bodies(everything) == ["to bob", "to alice"]
    only_carol = alice.client.get("/api/messages/?conversation=" +
                                  with_carol.split("/")[3]).body
    assert bodies(only_carol) == ["to alice"]
    others = alice.client.get("/api/messages/?conversation=" +
                              between_others.split("/")[3]).body
    assert others["count"] == 0
    reply = alice.client.get("/api/messages/?conversation=42")
    assert (reply.status, list(reply.body)) == (400, ["conversation"])


def test_posting_to_the_messages_endpoint(chat: Chat,
                                          make_person: Callable[[], Person],
                                          api: InProcessApi) -> None:
    """201 for a participant; 403 for an outsider; 400 for an unknown
    conversation, with nothing stored."""
    alice, _, path = chat
    conversation_id = path.split("/")[3]
    reply = alice.client.post("/api/messages/", {
        "conversation": conversation_id, "message_body": "via messages"})
    assert reply.status == 201
    assert reply.body["conversation"] == conversation_id
    outsider = make_person().client.post("/api/messages/", {
        "conversation": conversation_id, "message_body": "let me in"})
    assert outsider.status == 403
    unknown = str(uuid.uuid4())
    reply = alice.client.post("/api/messages/", {
        "conversation": unknown, "message_body": "lost"})
    assert reply.status == 400
    assert reply.body == {"conversation": [
        f"Conversation {unknown} does not exist."]}
    reply = alice.client.post("/api/messages/", {"message_body": "x"})
    assert reply.body == {"conversation": ["This field is required."]}
    assert stored_count(api, path) == 1


def test_an_outsider_can_neither_read_nor_post_nor_edit(
        chat: Chat, make_person: Callable[[], Person],
        api: InProcessApi) -> None:
    """Every message endpoint of a private conversation is 403 for a
    logged-in non-participant, and nothing changes."""
    alice, _, path = chat
    message = send(alice, path, "private")
    outsider = make_person().client
    item = path + message["message_id"] + "/"
    for reply in (outsider.get(path), outsider.get(item),
                  outsider.post(path, {"message_body": "hi"}),
                  outsider.patch(item, {"message_body": "mine now"}),
                  outsider.delete(item)):
        assert reply.status == 403
        assert reply.body == {
            "detail": "You are not a participant of this conversation."}
    assert alice.client.get(item).body == message
    assert stored_count(api, path) == 1


def test_only_the_sender_edits_and_edited_at_is_set(chat: Chat) -> None:
    """PATCH by the sender: 200, new body, ``edited_at`` set; by the
    other participant: 403."""
    alice, bob, path = chat
    item = path + send(alice, path, "draft")["message_id"] + "/"
    reply = bob.client.patch(item, {"message_body": "hijacked"})
    assert (reply.status, reply.body) == (403, {
        "detail": "Only the sender may change this message."})
    reply = alice.client.patch(item, {"message_body": "final"})
    assert reply.status == 200
    assert reply.body["message_body"] == "final"
    assert reply.body["edited_at"] >= reply.body["sent_at"]
    assert bob.client.get(item).body == reply.body


def test_only_the_sender_or_an_admin_deletes(
        chat: Chat, api: InProcessApi) -> None:
    """DELETE: 403 for the other participant, 204 for the sender and for
    an admin of another conversation; then 404."""
    alice, bob, path = chat
    first = path + send(alice, path, "oops")["message_id"] + "/"
    second = path + send(bob, path, "also oops")["message_id"] + "/"
    assert bob.client.delete(first).status == 403
    reply = alice.client.delete(first)
    assert (reply.status, reply.raw) == (204, b"")
    assert alice.client.get(first).status == 404
    admin = register(api.client(), "admin")
    api.execute("UPDATE users SET role = 'admin' WHERE user_id = ?",
                admin.user_id)
    assert admin.client.get(second).status == 403
    assert admin.client.delete(second).status == 204
    assert alice.client.get(path).body["count"] == 0


@pytest.mark.parametrize("item", [
    f"{UNKNOWN_ID}/", "not-a-uuid/", "1/"])
def test_an_unknown_or_malformed_message_id_is_404(chat: Chat,
                                                   item: str) -> None:
    """GET, PATCH and DELETE of a message that is not there: 404."""
    alice, _, path = chat
    for method in ("GET", "PATCH", "DELETE"):
        data = {"message_body": "x"} if method == "PATCH" else None
        reply = alice.client.request(method, path + item, data)
        assert reply.status == 404
        assert set(reply.body) == {"detail"}


def test_a_message_of_another_conversation_is_404(
        make_person: Callable[[], Person]) -> None:
    """A message id only works under its own conversation's path."""
    alice, bob = make_person(), make_person()
    first = conversation_between(alice, bob)
    second = conversation_between(alice, bob)
    message = send(alice, first, "here")
    assert alice.client.get(second + message["message_id"] + "/"
                            ).status == 404


def test_an_sql_injection_string_is_stored_literally(
        chat: Chat, api: InProcessApi) -> None:
    """Placeholders everywhere: the string comes back as sent."""
    alice, bob, path = chat
    assert send(alice, path, INJECTION)["message_body"] == INJECTION
    assert bodies(bob.client.get(path).body) == [INJECTION]
    assert api.rows("SELECT COUNT(*) FROM messages WHERE message_body = ?",
                    INJECTION) == [(1,)]


BAD_BODIES = [
    ("malformed JSON", b'{"message_body": "hi"', "application/json", 400,
     {"detail": "The body is not valid JSON."}),
    ("not an object", b'["hi"]', "application/json", 400,
     {"detail": "The body must be a JSON object."}),
    ("not UTF-8", b'{"message_body": "\xff"}', "application/json", 400,
     {"detail": "The body is not valid JSON."}),
    ("wrong type", b'{"message_body": 5}', "application/json", 400,
     {"message_body": ["Not a valid string."]}),
    ("null body", b'{"message_body": null}', "application/json", 400,
     {"message_body": ["This field is required."]}),
    ("empty", b'{"message_body": ""}', "application/json", 400,
     {"message_body": ["This field may not be blank."]}),
    ("blank", b'{"message_body": "  \\n "}', "application/json", 400,
     {"message_body": ["This field may not be blank."]}),
    ("too long", b'{"message_body": "' + b"x" * 10_001 + b'"}',
     "application/json", 400, {"message_body": [
         "Ensure this field has no more than 10000 characters."]}),
    ("form data", b"message_body=hi",
     "application/x-www-form-urlencoded", 415,
     {"detail": "Send the body as JSON with Content-Type: "
                "application/json."}),
    ("plain text", b"hi", "text/plain", 415, None),
    ("2 MiB", b'{"message_body": "' + b"x" * (2 << 20) + b'"}',
     "application/json", 413,
     {"detail": "The request body is larger than 1048576 bytes."}),
]


@pytest.mark.parametrize("name, raw, content_type, status, body",
                         BAD_BODIES, ids=[case[0] for case in BAD_BODIES])
def test_bad_input_is_refused_and_nothing_is_written(
        chat: Chat, api: InProcessApi, name: str, raw: bytes,
        content_type: str, status: int, body: dict) -> None:
    """Each bad body gets its status and a JSON body; no message is
    stored."""
    alice, _, path = chat
    reply = alice.client.request("POST", path, raw=raw, headers={
        "Content-Type": content_type})
    assert reply.status == status
    assert reply.headers["Content-Type"] == "application/json"
    if body is not None:
        assert reply.body == body
    assert stored_count(api, path) == 0


def test_exactly_ten_thousand_characters_are_accepted(chat: Chat) -> None:
    """The limit is inclusive, counted in characters, not bytes."""
    alice, _, path = chat
    body = "é" * 10_000
    assert send(alice, path, body)["message_body"] == body


def test_messages_need_a_token(anonymous: Client, chat: Chat) -> None:
    """No token: 401 on every message endpoint."""
    path = chat[2]
    for reply in (anonymous.get(path), anonymous.get("/api/messages/"),
                  anonymous.post(path, {"message_body": "hi"}),
                  anonymous.post("/api/messages/", {})):
        assert reply.status == 401
        assert reply.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_an_edit_and_a_delete_of_one_message_at_once(
        api: InProcessApi, make_person: Callable[[], Person]) -> None:
    """Twenty times, a PATCH and a DELETE of one message start together:
    the delete is a 204, the edit a 200 (first) or a 404 (second, the
    message gone), never a 500 or a 503; no message is left and the
    kept counts agree."""
    author, reader = make_person(), make_person()
    path = conversation_between(author, reader)
    for _ in range(20):
        target = path + author.client.post(path, {
            "message_body": "racing"}).body["message_id"] + "/"
        start = threading.Barrier(2)
        statuses: dict[str, int] = {}

        def edit() -> None:
            """Edit the message as soon as the delete starts too."""
            start.wait()
            statuses["edit"] = author.client.patch(target, {
                "message_body": "edited"}).status

        racer = threading.Thread(target=edit)
        racer.start()
        start.wait()
        statuses["delete"] = author.client.delete(target).status
        racer.join()
        assert statuses["delete"] == 204
        assert statuses["edit"] in (200, 404)
    assert reader.client.get(path).body["count"] == 0
    conversation_id = path.split("/")[3]
    assert api.rows("SELECT message_count FROM conversations "
                    "WHERE conversation_id = ?", conversation_id) == [(0,)]
    assert api.rows("SELECT SUM(message_count) FROM participants "
                    "WHERE conversation_id = ?", conversation_id) == [(0,)]
