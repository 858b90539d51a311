#!/usr/bin/env python3
"""Notifications, on both engines: every other participant gets one per
new message, never the sender or an outsider; lists, the unread filter,
marking one or all up to one read; a message and its notifications are
stored together or not at all."""
import uuid
from collections.abc import Callable

import pytest

from messaging_app.testing import InProcessApi, Person, conversation_between
from messaging_app.tests.helpers import send

NOTIFICATIONS = "/api/notifications/"
Group = tuple[Person, Person, Person, str]


@pytest.fixture
def group(make_person: Callable[[], Person]) -> Group:
    """Return three people and the messages path of their
    conversation."""
    alice, bob, carol = make_person(), make_person(), make_person()
    return alice, bob, carol, conversation_between(alice, bob, carol)


def notified(person: Person, query: str = "") -> list[dict]:
    """Return the notifications of a person's first page."""
    reply = person.client.get(NOTIFICATIONS + query)
    assert reply.status == 200, reply.body
    return list(reply.body["results"])


def test_every_other_participant_is_notified_never_the_sender(
        group: Group, make_person: Callable[[], Person]) -> None:
    """A message notifies the two others, with the message, its
    conversation and the time; the sender and an outsider get none; the
    newest comes first."""
    alice, bob, carol, path = group
    outsider = make_person()
    first = send(alice, path, "hello all")
    second = send(bob, path, "hi alice")
    notification_id = notified(alice)[0]["notification_id"]
    assert notified(alice) == [{
        "id": notification_id, "notification_id": notification_id,
        "conversation": second["conversation"], "message": second,
        "created_at": second["sent_at"], "read": False, "read_at": None}]
    assert [n["message"] for n in notified(carol)] == [second, first]
    assert [n["message"] for n in notified(bob)] == [first]
    assert notified(outsider) == []


def test_marking_one_read_and_the_unread_filter(group: Group) -> None:
    """Marking one read sets ``read_at`` once; ``?unread=true`` leaves it
    out; another user's notification, or an unknown one, is a 404."""
    alice, bob, _, path = group
    for number in range(3):
        send(alice, path, f"m{number}")
    newest, middle, oldest = notified(bob)
    reply = bob.client.post(
        f"{NOTIFICATIONS}{middle['notification_id']}/read/")
    assert reply.status == 200
    assert reply.body["read"] is True and reply.body["read_at"]
    again = bob.client.post(
        f"{NOTIFICATIONS}{middle['notification_id']}/read/")
    assert again.body == reply.body
    unread = bob.client.get(NOTIFICATIONS + "?unread=true").body
    assert unread["count"] == 2
    assert [n["notification_id"] for n in unread["results"]] == [
        newest["notification_id"], oldest["notification_id"]]
    assert bob.client.get(NOTIFICATIONS).body["count"] == 3
    for stranger, notification_id in (
            (alice, oldest["notification_id"]), (bob, str(uuid.uuid4()))):
        refused = stranger.client.post(
            f"{NOTIFICATIONS}{notification_id}/read/")
        assert (refused.status, refused.body) == (404, {
            "detail": "Notification not found."})
    assert notified(bob, "?unread=true")[1]["read"] is False


def test_marking_all_up_to_one_read(group: Group) -> None:
    """``up_to`` marks that notification and the older ones, not the
    newer; someone else's, or none, is a 400 that marks nothing."""
    alice, bob, carol, path = group
    for number in range(4):
        send(alice, path, f"m{number}")
    newest, second, _, _ = notified(bob)
    for body, errors in (
            ({"up_to": notified(carol)[0]["notification_id"]},
             {"up_to": ["Notification not found."]}),
            ({}, {"up_to": ["This field is required."]}),
            ({"up_to": "7"}, {"up_to": ["'7' is not a valid UUID."]})):
        refused = bob.client.post(NOTIFICATIONS + "read/", body)
        assert (refused.status, refused.body) == (400, errors)
    assert len(notified(bob, "?unread=true")) == 4
    reply = bob.client.post(NOTIFICATIONS + "read/", {
        "up_to": second["notification_id"]})
    assert (reply.status, reply.body) == (200, {"marked": 3})
    assert notified(bob, "?unread=1") == [newest]
    assert notified(carol, "?unread=true")[0]["read"] is False


def test_a_deleted_message_takes_its_notifications_along(
        group: Group, api: InProcessApi) -> None:
    """Deleting a message deletes the notifications about it."""
    alice, bob, carol, path = group
    kept = send(alice, path, "kept")
    gone = send(alice, path, "gone")
    assert alice.client.delete(path + gone["message_id"] + "/").status == 204
    for person in (bob, carol):
        assert [n["message"] for n in notified(person)] == [kept]
    assert api.rows("SELECT COUNT(*) FROM notifications WHERE "
                    "message_id = ?", gone["message_id"]) == [(0,)]


def test_a_message_is_not_stored_without_its_notifications(
        group: Group, api: InProcessApi) -> None:
    """When the notifications cannot be written, the message is not
    stored either, no count moves, and the client gets a 500 rather than
    a 201."""
    alice, bob, _, path = group
    send(alice, path, "before")
    conversation_id = path.split("/")[3]
    counts = "SELECT message_count, version FROM conversations " \
        "WHERE conversation_id = ?"
    before = api.rows(counts, conversation_id)
    api.execute("ALTER TABLE notifications RENAME TO notifications_away")
    try:
        reply = alice.client.post(path, {"message_body": "lost"})
    finally:
        api.execute("ALTER TABLE notifications_away RENAME TO notifications")
    assert (reply.status, reply.body) == (500, {
        "detail": "Internal server error"})
    assert api.rows("SELECT COUNT(*) FROM messages WHERE "
                    "conversation_id = ?", conversation_id) == [(1,)]
    assert api.rows(counts, conversation_id) == before
    assert [n["message"]["message_body"] for n in notified(bob)] == [
        "before"]
    assert alice.client.get(path).body["count"] == 1


def test_notification_routes_need_a_token_and_valid_filters(
        group: Group) -> None:
    """No token: 401; an unread filter that is not true or false: 400."""
    alice = group[0]
    anonymous = alice.client.with_token(None)
    for reply in (anonymous.get(NOTIFICATIONS),
                  anonymous.post(NOTIFICATIONS + "read/", {}),
                  anonymous.post(f"{NOTIFICATIONS}{uuid.uuid4()}/read/")):
        assert reply.status == 401
    reply = alice.client.get(NOTIFICATIONS + "?unread=maybe")
    assert (reply.status, reply.body) == (400, {
        "unread": ["Use true or false."]})
