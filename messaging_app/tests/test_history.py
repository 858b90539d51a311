#!/usr/bin/env python3
"""Edit history, on both engines: every edit keeps the text it replaced,
with the time and the editor; participants read it oldest first;
``edited`` tells an edited message; deleting the message deletes its
history."""
from collections.abc import Callable

from messaging_app.testing import InProcessApi, Person, conversation_between
from messaging_app.tests.helpers import send

Chat = tuple[Person, Person, str]


def edit(person: Person, item: str, body: str) -> dict:
    """Edit a message and return it, asserting the 200."""
    reply = person.client.patch(item, {"message_body": body})
    assert reply.status == 200, reply.body
    return dict(reply.body)


def test_each_edit_keeps_the_text_it_replaced(chat: Chat) -> None:
    """Two edits: the history holds the first and the second text, oldest
    first, each with the edit's time and editor; every participant reads
    it; ``edited`` turns true and pages show it too."""
    alice, bob, path = chat
    sent = send(alice, path, "first")
    assert (sent["edited"], sent["edited_at"]) == (False, None)
    item = f"{path}{sent['message_id']}/"
    once = edit(alice, item, "second")
    twice = edit(alice, item, "third")
    assert twice["edited"] is True and twice["message_body"] == "third"
    editor = {name: alice.user[name] for name in (
        "id", "user_id", "username", "first_name", "last_name")}
    history = bob.client.get(item + "history/")
    assert history.status == 200
    assert history.body == {
        "count": 2, "next": None, "previous": None, "results": [
            {"message_body": "first", "edited_at": once["edited_at"],
             "edited_by": editor},
            {"message_body": "second", "edited_at": twice["edited_at"],
             "edited_by": editor}]}
    second_page = alice.client.get(item + "history/?page_size=1&page=2")
    assert [e["message_body"] for e in second_page.body["results"]] == [
        "second"]
    assert bob.client.get(path).body["results"] == [twice]


def test_only_participants_read_a_history_of_their_conversation(
        chat: Chat, make_person: Callable[[], Person]) -> None:
    """An outsider gets 403; an unknown message, or one of another
    conversation, 404; no token, 401."""
    alice, bob, path = chat
    item = f"{path}{send(alice, path, 'private')['message_id']}/"
    edit(alice, item, "still private")
    outsider = make_person()
    reply = outsider.client.get(item + "history/")
    assert (reply.status, reply.body) == (403, {
        "detail": "You are not a participant of this conversation."})
    elsewhere = conversation_between(alice, bob)
    moved = item.replace(path, elsewhere) + "history/"
    assert alice.client.get(moved).status == 404
    unknown = f"{path}{outsider.user_id}/history/"
    assert alice.client.get(unknown).status == 404
    assert alice.client.with_token(None).get(
        item + "history/").status == 401


def test_deleting_a_message_deletes_its_history(
        chat: Chat, api: InProcessApi) -> None:
    """The history's rows go with the message; its route is then 404."""
    alice, _, path = chat
    message_id = send(alice, path, "v1")["message_id"]
    item = f"{path}{message_id}/"
    edit(alice, item, "v2")
    edit(alice, item, "v3")
    history = "SELECT COUNT(*) FROM message_edits WHERE message_id = ?"
    assert api.rows(history, message_id) == [(2,)]
    assert alice.client.delete(item).status == 204
    assert api.rows(history, message_id) == [(0,)]
    assert alice.client.get(item + "history/").status == 404


def test_a_refused_edit_keeps_no_history(chat: Chat,
                                         api: InProcessApi) -> None:
    """An edit by the other participant (403) or with a blank body (400)
    writes no history."""
    alice, bob, path = chat
    message_id = send(alice, path, "mine")["message_id"]
    item = f"{path}{message_id}/"
    assert bob.client.patch(item, {"message_body": "theirs"}).status == 403
    assert alice.client.patch(item, {"message_body": " "}).status == 400
    assert api.rows("SELECT COUNT(*) FROM message_edits WHERE "
                    "message_id = ?", message_id) == [(0,)]
    assert alice.client.get(item).body["edited"] is False
