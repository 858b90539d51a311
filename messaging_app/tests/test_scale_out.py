#!/usr/bin/env python3
"""Two server processes on one database, on each engine: a request may
land on either and the answer is the same.

Each test starts two ``python -m messaging_app serve`` processes on one
SQLite file or one MariaDB database: a message posted through one is read
through the other, also on a page the other served before and keeps; the
rate limit counts across both; a deleted user is
refused by both; sixteen clients posting through both at once lose and
duplicate nothing, in one order per conversation; killing one process
with SIGKILL mid-stream loses no acknowledged message. Every wait has a
generous limit that only prevents a hang.
"""
import http.client
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from messaging_app.client import ApiClient, Client
from messaging_app.testing import (ROOT, LiveServer, Person,
                                   conversation_between, register)

CLIENTS = 16
POSTS_EACH = 60
CONVERSATIONS = 4
# Raised so that the concurrency and crash tests measure storage, not 429s.
NO_RATE_LIMIT = {"MESSAGING_RATE_LIMIT": "1000000/60"}
HANG_GUARD = 60
Posted = tuple[str, int, int, str]


class Pair:
    """Two server processes on one database, and how to start more."""

    def __init__(self, folder: Path, database_url: str,
                 env: dict[str, str]) -> None:
        """Start two servers on the database ``database_url`` (or the
        SQLite file in ``folder`` when it is empty)."""
        self.db_path = folder / "chat.sqlite3"
        self.database_url = database_url
        self.env = env
        self.servers = [self.start(), self.start()]

    def start(self) -> LiveServer:
        """Start one more server process on the pair's database."""
        return LiveServer(self.db_path, self.env, self.database_url)

    def clients(self) -> list[ApiClient]:
        """Return an anonymous client of each server."""
        return [ApiClient(server.url, timeout=HANG_GUARD)
                for server in self.servers]

    def stop(self) -> None:
        """Stop both servers."""
        for server in self.servers:
            server.stop()


@pytest.fixture
def make_pair(new_database: Callable[[Path], str],
              tmp_path: Path) -> Iterator[Callable[..., Pair]]:
    """Return a function that starts a pair of servers with settings."""
    pairs: list[Pair] = []

    def make(**env: str) -> Pair:
        """Start a pair with these environment settings."""
        folder = tmp_path / f"pair{len(pairs)}"
        folder.mkdir()
        pairs.append(Pair(folder, new_database(folder), env))
        return pairs[-1]

    yield make
    for pair in pairs:
        pair.stop()


def on(person: Person, client: ApiClient) -> Client:
    """Return ``person``'s client pointed at another server."""
    return client.with_token(person.client.token)


def test_a_message_posted_through_one_is_read_through_the_other(
        make_pair: Callable[..., Pair]) -> None:
    """Posted through the first process, listed by the second; a token
    issued by one works on the other. Each process keeps the first pages
    it served (the page cache is on by default): the page and the list
    the second served show a post made through the first on the very
    next read."""
    first, second = make_pair().clients()
    alice, bob = register(first), register(second)
    path = conversation_between(alice, bob)
    sent = alice.client.post(path, {"message_body": "across"})
    assert sent.status == 201
    page = on(bob, first).get(path).body
    assert [m["message_id"] for m in page["results"]] == [
        sent.body["message_id"]]
    assert on(alice, second).get(path).body == page
    listed = on(alice, second).get("/api/conversations/").body["results"]
    assert listed[0]["unread_count"] == 0
    answer = on(bob, first).post(path, {"message_body": "back"}).body
    page = on(alice, second).get(path).body
    assert [m["message_id"] for m in page["results"]] == [
        sent.body["message_id"], answer["message_id"]]
    listed = on(alice, second).get("/api/conversations/").body["results"]
    assert listed[0]["unread_count"] == 1


def test_the_rate_limit_counts_across_both_processes(
        make_pair: Callable[..., Pair]) -> None:
    """Five posts a minute: posts alternate between the processes, and
    the sixth is refused whichever process gets it."""
    first, second = make_pair(MESSAGING_RATE_LIMIT="5/60").clients()
    alice, bob = register(first), register(first)
    path = conversation_between(alice, bob)
    clients = [on(alice, first), on(alice, second)]
    statuses = [clients[n % 2].post(path, {"message_body": f"{n}"}).status
                for n in range(5)]
    assert statuses == [201] * 5
    for client in clients:
        refused = client.post(path, {"message_body": "one too many"})
        assert refused.status == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert on(bob, second).get(path).body["count"] == 5


def test_a_deleted_user_is_refused_by_both_processes(
        make_pair: Callable[..., Pair]) -> None:
    """``deleteuser`` (a third process) deletes an account; the next
    request with its token fails on either server."""
    pair = make_pair()
    first, second = pair.clients()
    person = register(first)
    assert on(person, second).get("/api/users/me/").status == 200
    command = [sys.executable, "-m", "messaging_app", "deleteuser",
               person.user["username"], "--db", str(pair.db_path)]
    if pair.database_url:
        command += ["--database-url", pair.database_url]
    done = subprocess.run(command, cwd=str(ROOT), capture_output=True,
                          text=True, timeout=HANG_GUARD)
    assert done.returncode == 0, done.stderr
    for client in (first, second):
        reply = on(person, client).get("/api/users/me/")
        assert (reply.status, reply.body) == (401, {
            "detail": "User not found."})


def all_messages(client: Client, path: str,
                 ordering: str = "sent_at") -> list[dict]:
    """Read every message of a conversation, page by page."""
    messages: list[dict] = []
    page = 1
    while True:
        reply = client.get(
            f"{path}?page_size=100&page={page}&ordering={ordering}")
        assert reply.status == 200, reply.body
        messages += reply.body["results"]
        if reply.body["next"] is None:
            assert len(messages) == reply.body["count"]
            return messages
        page += 1


def post_stream(client: Client, writer: int,
                conversations: list[str]) -> list[Posted]:
    """Post ``POSTS_EACH`` messages round the conversations, in order;
    return (path, writer, number, message id or status) for each."""
    posted = []
    for number in range(POSTS_EACH):
        path = conversations[number % len(conversations)]
        reply = client.post(path, {
            "message_body": f"writer {writer} message {number}"})
        outcome = (reply.body["message_id"] if reply.status == 201
                   else str(reply.status))
        posted.append((path, writer, number, outcome))
    return posted


def test_sixteen_clients_through_both_are_stored_once_in_one_order(
        make_pair: Callable[..., Pair]) -> None:
    """Sixteen clients, eight on each process, post at once into four
    shared conversations: every 201 is stored exactly once and nothing
    else; each writer's messages keep their order; the newest-first list
    is the exact reverse; no request fails."""
    servers = make_pair(**NO_RATE_LIMIT).clients()
    people = [register(servers[n % 2]) for n in range(CLIENTS)]
    conversations = [conversation_between(*people)
                     for _ in range(CONVERSATIONS)]
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(post_stream, person.client, number,
                               conversations)
                   for number, person in enumerate(people)]
        posted = [p for f in futures for p in f.result(timeout=HANG_GUARD)]
    failures = [p for p in posted if len(p[3]) != 36]
    assert failures == [], failures[:5]
    for number, conversation in enumerate(conversations):
        reader = on(people[number], servers[number % 2])
        check_conversation(reader, conversation, posted)


def check_conversation(client: Client, conversation: str,
                       posted: list[Posted]) -> None:
    """Compare one conversation's listing with what got a 201 for it."""
    acknowledged = {p[3]: p for p in posted if p[0] == conversation}
    listed = all_messages(client, conversation)
    listed_ids = [m["message_id"] for m in listed]
    assert len(listed_ids) == len(set(listed_ids)) == len(acknowledged)
    assert set(listed_ids) == set(acknowledged)
    last_number: dict[int, int] = {}
    for message in listed:
        _, writer, number, _ = acknowledged[message["message_id"]]
        assert message["message_body"] == f"writer {writer} message {number}"
        assert number > last_number.get(writer, -1)
        last_number[writer] = number
    newest_first = all_messages(client, conversation, "-sent_at")
    assert [m["message_id"] for m in newest_first] == listed_ids[::-1]


def stream_until_refused(client: Client, path: str, acknowledged: list[str],
                         started: threading.Event) -> None:
    """Post messages until the server goes away, recording every 201."""
    for number in range(100_000):
        try:
            reply = client.post(path, {"message_body": f"message {number}"})
        except (OSError, http.client.HTTPException):
            return
        assert reply.status == 201, reply.body
        acknowledged.append(reply.body["message_id"])
        if len(acknowledged) == 50:
            started.set()


def test_sigkill_of_one_process_loses_no_acknowledged_message(
        make_pair: Callable[..., Pair]) -> None:
    """Both processes take posts; one is killed with SIGKILL in the
    middle: the other keeps serving, and every message either of them
    acknowledged is stored, with at most the one in flight more."""
    pair = make_pair(**NO_RATE_LIMIT)
    doomed, survivor = pair.clients()
    alice, bob = register(survivor), register(survivor)
    path = conversation_between(alice, bob)
    on_doomed: list[str] = []
    on_survivor: list[str] = []
    started = threading.Event()
    streaming = threading.Thread(target=stream_until_refused, args=(
        on(alice, doomed), path, on_doomed, started))
    streaming.start()
    try:
        assert started.wait(HANG_GUARD)
        os.kill(pair.servers[0].process.pid, signal.SIGKILL)
        streaming.join(HANG_GUARD)
        assert not streaming.is_alive()
    finally:
        pair.servers[0].kill()
    for number in range(20):
        reply = on(bob, survivor).post(path, {
            "message_body": f"after {number}"})
        assert reply.status == 201
        on_survivor.append(reply.body["message_id"])
    if not pair.database_url:
        assert integrity(pair.db_path) == "ok"
    pair.servers[0] = pair.start()
    listed = [m["message_id"] for m in all_messages(
        on(bob, pair.clients()[0]), path)]
    assert listed[:len(on_doomed)] == on_doomed
    assert listed[-len(on_survivor):] == on_survivor
    assert len(listed) - len(on_doomed) - len(on_survivor) in (0, 1)


def integrity(db_path: Path) -> str:
    """Run SQLite's integrity check on the database file."""
    connection = sqlite3.connect(str(db_path))
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()
