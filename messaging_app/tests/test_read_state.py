#!/usr/bin/env python3
"""Read state, on both engines: a read marker per user and conversation
that only moves forward, the unread count each conversation shows its
reader, the caller's unread messages across conversations, and counts
that stay equal to what counting the rows gives after posts, edits,
deletes and deleted users."""
import uuid
from collections.abc import Callable

from messaging_app.testing import InProcessApi, Person, conversation_between
from messaging_app.tests.helpers import send

Chat = tuple[Person, Person, str]
# The kept unread count of every participant of a conversation beside the
# count of the messages after their marker.
COUNTS = """
    SELECT p.user_id, p.unread_count, (
        SELECT COUNT(*) FROM messages AS m
        WHERE m.conversation_id = p.conversation_id
          AND (m.sent_at > p.last_read_at OR (m.sent_at = p.last_read_at
               AND m.seq > p.last_read_seq)))
    FROM participants AS p WHERE p.conversation_id = ?"""


def read(person: Person, path: str, message_id: str | None) -> dict:
    """Move a person's marker in the conversation of a messages path and
    return the answer, asserting the 200."""
    reply = person.client.post(path.replace("/messages/", "/read/"),
                               {"message": message_id})
    assert reply.status == 200, reply.body
    return dict(reply.body)


def unread_count(person: Person, path: str) -> int:
    """Return the unread count a person's conversation list shows for the
    conversation of ``path``, checking that its detail shows the same."""
    conversation_id = path.split("/")[3]
    listed = {c["conversation_id"]: c["unread_count"] for c in
              person.client.get("/api/conversations/").body["results"]}
    detail = person.client.get(f"/api/conversations/{conversation_id}/")
    assert detail.body["unread_count"] == listed[conversation_id]
    return int(listed[conversation_id])


def assert_counts_true(api: InProcessApi, path: str) -> None:
    """Every kept unread count in the conversation of a messages path
    equals the messages after its marker."""
    for user_id, kept, true in api.rows(COUNTS, path.split("/")[3]):
        assert kept == true, user_id


def test_the_marker_moves_forward_only(chat: Chat,
                                       api: InProcessApi) -> None:
    """Three messages from bob: alice has 3 unread, 1 once read up to the
    second; reading up to the first changes nothing; null reads to the
    end. Bob's own messages are never unread for him."""
    alice, bob, path = chat
    sent = [send(bob, path, f"m{n}")["message_id"] for n in range(3)]
    assert (unread_count(alice, path), unread_count(bob, path)) == (3, 0)
    state = read(alice, path, sent[1])
    assert state == {"conversation": path.split("/")[3],
                     "last_read_message": sent[1], "unread_count": 1}
    assert read(alice, path, sent[0]) == state
    assert unread_count(alice, path) == 1
    assert read(alice, path, None)["unread_count"] == 0
    assert read(alice, path, None)["last_read_message"] == sent[2]
    assert_counts_true(api, path)


def test_sending_reads_the_conversation_up_to_ones_message(
        chat: Chat) -> None:
    """Alice, with two unread, answers: she has none left; bob has one."""
    alice, bob, path = chat
    send(bob, path, "one")
    send(bob, path, "two")
    answer = send(alice, path, "answer")["message_id"]
    assert (unread_count(alice, path), unread_count(bob, path)) == (0, 1)
    assert read(alice, path, None)["last_read_message"] == answer


def test_unread_messages_across_conversations(
        make_person: Callable[[], Person]) -> None:
    """``GET /api/messages/?unread=true`` lists what comes after the
    caller's marker in each of their conversations, in time order, with
    its count; it narrows by conversation and sender, and reverses."""
    alice, bob, carol = make_person(), make_person(), make_person()
    with_bob = conversation_between(alice, bob)
    with_carol = conversation_between(alice, carol)
    send(bob, with_bob, "old")
    read(alice, with_bob, None)
    send(bob, with_bob, "b1")
    send(carol, with_carol, "c1")
    send(alice, with_carol, "mine")
    send(carol, with_carol, "c2")
    send(bob, with_bob, "b2")
    listing = alice.client.get("/api/messages/?unread=true").body
    assert listing["count"] == 3
    assert [m["message_body"] for m in listing["results"]] == [
        "b1", "c2", "b2"]
    newest = alice.client.get(
        "/api/messages/?unread=true&ordering=-sent_at&page_size=2").body
    assert [m["message_body"] for m in newest["results"]] == ["b2", "c2"]
    assert newest["count"] == 3 and newest["next"]
    only_bob = alice.client.get(
        f"/api/messages/?unread=true&conversation={with_bob.split('/')[3]}"
    ).body
    assert (only_bob["count"], len(only_bob["results"])) == (2, 2)
    by_carol = alice.client.get(
        f"/api/messages/?unread=true&sender={carol.user_id}").body
    assert (by_carol["count"], [m["message_body"] for m in
                                by_carol["results"]]) == (1, ["c2"])
    everything = alice.client.get("/api/messages/?unread=false").body
    assert everything["count"] == 6
    assert alice.client.get("/api/messages/?unread=2").status == 400


def test_counts_stay_true_after_edits_deletes_and_deleted_users(
        make_person: Callable[[], Person], api: InProcessApi) -> None:
    """Edits change no count; deleting a read message changes none,
    deleting an unread one takes it off; deleting a user takes their
    messages off the others' counts."""
    alice, bob, carol = make_person(), make_person(), make_person()
    path = conversation_between(alice, bob, carol)
    first = send(bob, path, "read by alice")["message_id"]
    read(alice, path, first)
    second = send(bob, path, "unread")["message_id"]
    send(carol, path, "from carol")
    send(carol, path, "carol again")
    alice.client.patch(f"{path}{first}/", {"message_body": "edited"})
    bob.client.patch(f"{path}{second}/", {"message_body": "edited too"})
    assert unread_count(alice, path) == 3
    assert_counts_true(api, path)
    assert bob.client.delete(f"{path}{first}/").status == 204
    assert unread_count(alice, path) == 3
    assert bob.client.delete(f"{path}{second}/").status == 204
    assert (unread_count(alice, path), unread_count(bob, path)) == (2, 2)
    assert_counts_true(api, path)
    assert api.app.services.storage.users.delete(carol.user["username"])
    assert (unread_count(alice, path), unread_count(bob, path)) == (0, 0)
    assert_counts_true(api, path)


def test_deleting_a_user_deletes_everything_that_is_theirs(
        make_person: Callable[[], Person], api: InProcessApi) -> None:
    """Their notifications, their messages' histories and the
    notifications of those messages, their read markers: all gone in one
    transaction; the others' message counts stay true."""
    alice, bob = make_person(), make_person()
    path = conversation_between(alice, bob)
    mine = send(alice, path, "draft")["message_id"]
    alice.client.patch(f"{path}{mine}/", {"message_body": "final"})
    send(bob, path, "to alice")
    read(alice, path, None)
    assert api.app.services.storage.users.delete(alice.user["username"])
    for table, column in (("notifications", "user_id"),
                          ("participants", "user_id"),
                          ("messages", "sender_id"),
                          ("message_edits", "editor_id")):
        assert api.rows(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?",
                        alice.user_id) == [(0,)], table
    assert api.rows("SELECT COUNT(*) FROM notifications WHERE "
                    "message_id = ?", mine) == [(0,)]
    conversation_id = path.split("/")[3]
    assert api.rows("SELECT message_count FROM conversations WHERE "
                    "conversation_id = ?", conversation_id) == [(1,)]
    assert bob.client.get(path).body["count"] == 1
    assert_counts_true(api, path)


def test_only_participants_move_a_marker(
        chat: Chat, make_person: Callable[[], Person]) -> None:
    """An outsider gets 403, an unknown conversation 404; a message of
    another conversation, an unknown or malformed one, or none at all,
    is a 400."""
    alice, bob, path = chat
    message_id = send(bob, path, "hi")["message_id"]
    read_path = path.replace("/messages/", "/read/")
    outsider = make_person().client.post(read_path, {"message": message_id})
    assert (outsider.status, outsider.body) == (403, {
        "detail": "You are not a participant of this conversation."})
    unknown = alice.client.post(f"/api/conversations/{uuid.uuid4()}/read/",
                                {"message": None})
    assert unknown.status == 404
    elsewhere = conversation_between(alice, bob).replace(
        "/messages/", "/read/")
    for target, body, errors in (
            (elsewhere, {"message": message_id},
             [f"Message {message_id} is not in this conversation."]),
            (read_path, {"message": "nope"},
             ["'nope' is not a valid UUID."]),
            (read_path, {}, ["This field is required: a message id, or "
                             "null for the latest."])):
        reply = alice.client.post(target, body)
        assert (reply.status, reply.body) == (400, {"message": errors})
    assert unread_count(alice, path) == 1
    assert alice.client.with_token(None).post(
        read_path, {"message": None}).status == 401
