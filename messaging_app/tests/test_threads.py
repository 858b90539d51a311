#!/usr/bin/env python3
"""Threaded replies, on both engines: a reply names a message of its own
conversation; a thread reads depth first in reply order with depths, in
one statement however long; deleting a message keeps its replies."""
import uuid
from collections.abc import Callable

import pytest

from messaging_app.clock import utc_now
from messaging_app.ids import new_id
from messaging_app.storage import MAX_REPLY_DEPTH
from messaging_app.storage.engine import Engine
from messaging_app.testing import InProcessApi, Person, conversation_between
from messaging_app.tests.helpers import send

Chat = tuple[Person, Person, str]


def thread(person: Person, path: str, message_id: str,
           query: str = "") -> dict:
    """Return a page of a message's thread, asserting the 200."""
    reply = person.client.get(f"{path}{message_id}/thread/{query}")
    assert reply.status == 200, reply.body
    return dict(reply.body)


def outline(page: dict) -> list[tuple[str, int]]:
    """Return the bodies and depths of a thread's page, in order."""
    return [(m["message_body"], m["depth"]) for m in page["results"]]


def test_a_thread_reads_depth_first_in_reply_order(chat: Chat) -> None:
    """Replies posted out of order come back depth first, each message's
    replies in the order they were sent, with their depths; pages of a
    thread follow one another."""
    alice, bob, path = chat
    root = send(alice, path, "root")
    ids = {"root": root["message_id"]}
    for body, parent, person in (
            ("r1", "root", bob), ("r2", "root", alice), ("r1a", "r1", alice),
            ("r2a", "r2", bob), ("r1a-i", "r1a", bob), ("r1b", "r1", bob)):
        reply = send(person, path, body, parent_message=ids[parent])
        assert reply["parent_message"] == ids[parent]
        ids[body] = reply["message_id"]
    expected = [("root", 0), ("r1", 1), ("r1a", 2), ("r1a-i", 3),
                ("r1b", 2), ("r2", 1), ("r2a", 2)]
    whole = thread(bob, path, ids["root"])
    assert whole["count"] == 7
    assert outline(whole) == expected
    assert {k: v for k, v in whole["results"][0].items() if k != "depth"
            } == root
    pages = [thread(alice, path, ids["root"], f"?page_size=3&page={n}")
             for n in (1, 2, 3)]
    assert [item for page in pages for item in outline(page)] == expected
    assert pages[0]["next"].endswith("/thread/?page_size=3&page=2")
    assert outline(thread(alice, path, ids["r1"])) == [
        ("r1", 0), ("r1a", 1), ("r1a-i", 2), ("r1b", 1)]


def test_a_reply_must_name_a_message_of_its_conversation(
        chat: Chat, api: InProcessApi) -> None:
    """A parent in another conversation and an unknown one get the same
    400 (nothing tells which exists); a malformed one a 400 too; nothing
    is stored. The messages endpoint checks it the same way."""
    alice, bob, path = chat
    elsewhere = conversation_between(alice, bob)
    foreign = send(alice, elsewhere, "over there")["message_id"]
    for parent in (foreign, str(uuid.uuid4())):
        reply = alice.client.post(path, {"message_body": "re",
                                         "parent_message": parent})
        assert (reply.status, reply.body) == (400, {"parent_message": [
            f"Message {parent} is not in this conversation."]})
    reply = alice.client.post("/api/messages/", {
        "conversation": path.split("/")[3], "message_body": "re",
        "parent_message": foreign})
    assert reply.status == 400
    reply = alice.client.post(path, {"message_body": "re",
                                     "parent_message": "42"})
    assert (reply.status, reply.body) == (400, {
        "parent_message": ["'42' is not a valid UUID."]})
    assert api.rows("SELECT COUNT(*) FROM messages WHERE conversation_id = ?",
                    path.split("/")[3]) == [(0,)]
    top = send(bob, path, "top")["message_id"]
    reply = alice.client.post("/api/messages/", {
        "conversation": path.split("/")[3], "message_body": "re",
        "parent_message": top})
    assert (reply.status, reply.body["parent_message"]) == (201, top)


def test_only_participants_read_a_thread(
        chat: Chat, make_person: Callable[[], Person]) -> None:
    """An outsider gets 403 on a thread, and on replying into it; a
    message of another conversation or an unknown one is 404."""
    alice, bob, path = chat
    root = send(alice, path, "root")["message_id"]
    outsider = make_person()
    reply = outsider.client.get(f"{path}{root}/thread/")
    assert (reply.status, reply.body) == (403, {
        "detail": "You are not a participant of this conversation."})
    assert outsider.client.post(path, {
        "message_body": "me too", "parent_message": root}).status == 403
    elsewhere = conversation_between(alice, bob)
    assert alice.client.get(f"{elsewhere}{root}/thread/").status == 404
    assert alice.client.get(f"{path}{uuid.uuid4()}/thread/").status == 404


def test_deleting_a_message_keeps_its_replies(chat: Chat) -> None:
    """The replies of a deleted message stay, still naming it as their
    parent (a deleted message's id, now a 404); its own thread is gone,
    a thread above it no longer reaches them, a reply's own thread still
    reads."""
    alice, bob, path = chat
    root = send(alice, path, "root")["message_id"]
    middle = send(bob, path, "middle", parent_message=root)["message_id"]
    below = send(alice, path, "below", parent_message=middle)
    send(bob, path, "under below", parent_message=below["message_id"])
    assert bob.client.delete(f"{path}{middle}/").status == 204
    kept = alice.client.get(f"{path}{below['message_id']}/")
    assert (kept.status, kept.body["parent_message"]) == (200, middle)
    assert alice.client.get(f"{path}{middle}/").status == 404
    assert alice.client.get(f"{path}{middle}/thread/").status == 404
    assert outline(thread(alice, path, root)) == [("root", 0)]
    assert outline(thread(bob, path, below["message_id"])) == [
        ("below", 0), ("under below", 1)]
    assert alice.client.get(path).body["count"] == 3


def add_replies(engine: Engine, conversation_id: str, sender_id: str,
                parent_id: str, count: int) -> None:
    """Store ``count`` replies to one message straight into the table."""
    with engine.transaction(write=True) as transaction:
        transaction.executemany(
            "INSERT INTO messages (message_id, conversation_id, sender_id, "
            "message_body, sent_at, parent_message_id, reply_depth) "
            "VALUES (?, ?, ?, ?, ?, ?, 1)",
            [(new_id(), conversation_id, sender_id, f"reply {n:05d}",
              utc_now(), parent_id) for n in range(count)])


def test_a_thread_of_ten_thousand_replies_takes_one_statement(
        chat: Chat, api: InProcessApi,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten thousand replies: the first and the last page each come from
    one statement of the thread (and the request's few checks), in reply
    order."""
    alice, bob, path = chat
    root = send(alice, path, "root")["message_id"]
    engine = api.app.services.storage.engine
    add_replies(engine, path.split("/")[3], bob.user_id, root, 10_000)
    statements: list[str] = []
    query = type(engine).query

    def counted(self: Engine, sql: str, params: object = ()) -> list:
        """Count each one-statement read on the way."""
        statements.append(sql)
        return query(self, sql, params)  # type: ignore[arg-type]

    monkeypatch.setattr(type(engine), "query", counted)
    first = thread(bob, path, root, "?page_size=100")
    assert (first["count"], len(statements)) == (10_001, 4)
    last = thread(bob, path, root, "?page_size=100&page=101")
    assert outline(first)[:2] == [("root", 0), ("reply 00000", 1)]
    assert outline(last) == [("reply 09999", 1)]
    assert sum("WITH RECURSIVE" in sql for sql in statements) == 2


def test_replies_nest_a_bounded_depth(chat: Chat, api: InProcessApi) -> None:
    """A reply below a message already at the deepest level is a 400."""
    alice, _, path = chat
    deep = send(alice, path, "deep")["message_id"]
    api.execute("UPDATE messages SET reply_depth = ? WHERE message_id = ?",
                MAX_REPLY_DEPTH, deep)
    reply = alice.client.post(path, {"message_body": "deeper",
                                     "parent_message": deep})
    assert (reply.status, reply.body) == (400, {"parent_message": [
        f"Replies nest at most {MAX_REPLY_DEPTH} deep; reply to a message "
        f"higher up the thread."]})
    api.execute("UPDATE messages SET reply_depth = ? WHERE message_id = ?",
                MAX_REPLY_DEPTH - 1, deep)
    assert alice.client.post(path, {"message_body": "deepest",
                                    "parent_message": deep}).status == 201
