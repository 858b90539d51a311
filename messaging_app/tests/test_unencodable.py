#!/usr/bin/env python3
"""Text that UTF-8 cannot encode (a lone surrogate, what a JavaScript
client sends when it cuts an emoji in half) is refused with a 400 that
names the field, on every route that reads text, and nothing is written.

``json.dumps`` writes the surrogate as the escape ``\\ud800``, which is
valid JSON and decodes to a Python string that cannot be stored.
"""
import threading
from collections.abc import Callable

from messaging_app.client import Client, Reply
from messaging_app.testing import (InProcessApi, Person,
                                   conversation_between, register)

LONE = "half an emoji \ud83d"
REFUSED = "Not valid text: it holds a lone surrogate, which UTF-8 cannot " \
    "encode."


def assert_refused(reply: Reply, field: str) -> None:
    """The reply is a 400 naming ``field`` and only it."""
    assert reply.status == 400, reply.body
    assert reply.body == {field: [REFUSED]}


def test_registration_refuses_each_text_field(
        anonymous: Client, api: InProcessApi) -> None:
    """Each field of a registration with a lone surrogate is named; no
    account is stored."""
    for field in ("username", "email", "password", "first_name",
                  "last_name", "phone_number"):
        account = {"username": "surrogate", "email": "s@example.com",
                   "password": "long-enough-pw", "first_name": "S",
                   "last_name": "T", "phone_number": "+254700000000"}
        account[field] = LONE
        assert_refused(anonymous.post("/api/users/", account), field)
    assert api.rows("SELECT COUNT(*) FROM users WHERE username = ?",
                    "surrogate") == [(0,)]


def test_login_and_refresh_refuse_it(anonymous: Client,
                                     make_person: Callable[[], Person]
                                     ) -> None:
    """A login name, a password or a refresh token with a lone surrogate
    is a 400 naming it."""
    person = make_person()
    assert_refused(anonymous.post("/api/token/", {
        "username": LONE, "password": person.password}), "username")
    assert_refused(anonymous.post("/api/token/", {
        "email": LONE, "password": person.password}), "email")
    assert_refused(anonymous.post("/api/token/", {
        "username": person.user["username"], "password": LONE}),
        "password")
    assert_refused(anonymous.post("/api/token/refresh/", {
        "refresh": LONE}), "refresh")


def test_posts_and_edits_refuse_it(make_person: Callable[[], Person],
                                   api: InProcessApi) -> None:
    """Nested and flat posts and edits name ``message_body``; the stored
    message keeps its text."""
    alice, bob = make_person(), make_person()
    path = conversation_between(alice, bob)
    conversation_id = path.split("/")[3]
    assert_refused(alice.client.post(path, {"message_body": LONE}),
                   "message_body")
    assert_refused(alice.client.post("/api/messages/", {
        "conversation": conversation_id, "message_body": LONE}),
        "message_body")
    sent = alice.client.post(path, {"message_body": "kept"}).body
    assert_refused(alice.client.patch(
        path + sent["message_id"] + "/", {"message_body": LONE}),
        "message_body")
    assert api.rows("SELECT message_body FROM messages WHERE "
                    "conversation_id = ?", conversation_id) == [("kept",)]


def test_bystanders_posting_at_the_same_moment_are_all_stored(
        api: InProcessApi) -> None:
    """Eight people post at once into four conversations while one sends
    a lone surrogate again and again: every 201 is a stored message, no
    bystander gets a 5xx, and the poisoned posts get 400."""
    people = [register(api.client()) for _ in range(8)]
    paths = [conversation_between(people[n], people[n + 1])
             for n in range(0, 8, 2)]
    poisoner = people[0]
    replies: dict[str, list[Reply]] = {}
    start = threading.Barrier(len(people))

    def post(number: int) -> None:
        """Post 20 messages as person ``number``."""
        person = people[number]
        start.wait()
        body = LONE if person is poisoner else f"from {number}"
        replies[person.user_id] = [
            person.client.post(paths[number // 2],
                               {"message_body": f"{body} #{index}"})
            for index in range(20)]

    threads = [threading.Thread(target=post, args=(number,))
               for number in range(len(people))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for person in people:
        statuses = {reply.status for reply in replies[person.user_id]}
        assert statuses == ({400} if person is poisoner else {201})
        stored = {row[0] for row in api.rows(
            "SELECT message_id FROM messages WHERE sender_id = ?",
            person.user_id)}
        acknowledged = {reply.body["message_id"]
                        for reply in replies[person.user_id]
                        if reply.status == 201}
        assert stored == acknowledged
