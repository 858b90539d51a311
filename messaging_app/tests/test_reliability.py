#!/usr/bin/env python3
"""The API under concurrency, a crash, and slow or broken clients.

Each test runs a real server process on loopback: sixteen clients posting at
once lose and duplicate nothing; a server killed with SIGKILL keeps every
message it acknowledged; clients that stall, lie about their body, idle or
send an oversized header neither block other clients nor hold a thread for
ever. Every loop is bounded and every wait has a generous limit that only
prevents a hang.
"""
import http.client
import os
import signal
import socket
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Tuple

import pytest

from messaging_app.client import ApiClient
from messaging_app.tests.helpers import (conversation_between,
                                         read_until_closed, register)
from messaging_app.tests.live_server import LiveServer

CLIENTS = 16
POSTS_EACH = 250
CONVERSATIONS = 4
# Raised so that the concurrency and crash tests measure storage, not 429s.
NO_RATE_LIMIT = {"MESSAGING_RATE_LIMIT": "1000000/60"}
SOCKET_TIMEOUT = 1
HANG_GUARD = 60
Posted = Tuple[str, int, int, str]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Run one server without a rate limit for the concurrency test."""
    folder = tmp_path_factory.mktemp("reliability")
    live = LiveServer(folder / "chat.sqlite3", NO_RATE_LIMIT)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def impatient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        LiveServer]:
    """Run a server that drops a silent connection after one second; its
    per-address cap is raised, since every test client comes from
    127.0.0.1 and these tests are about time limits."""
    folder = tmp_path_factory.mktemp("impatient")
    live = LiveServer(folder / "chat.sqlite3",
                      {"MESSAGING_SOCKET_TIMEOUT": str(SOCKET_TIMEOUT),
                       "MESSAGING_MAX_CONNECTIONS_PER_ADDRESS": "512"})
    yield live
    live.stop()


def wait_until(condition: Callable[[], bool]) -> bool:
    """Poll ``condition`` until it holds or the hang guard runs out."""
    deadline = time.monotonic() + HANG_GUARD
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def all_messages(client: ApiClient, path: str,
                 ordering: str = "sent_at") -> List[dict]:
    """Read every message of a conversation's messages path, page by page.
    """
    messages: List[dict] = []
    page = 1
    while True:
        reply = client.get("{}?page_size=100&page={}&ordering={}".format(
            path, page, ordering))
        assert reply.status == 200, reply.body
        messages += reply.body["results"]
        if reply.body["next"] is None:
            assert len(messages) == reply.body["count"]
            return messages
        page += 1


def post_stream(client: ApiClient, writer: int,
                conversations: List[str]) -> List[Posted]:
    """Post ``POSTS_EACH`` messages round the conversations, in order.

    Returns (messages path, writer, sequence number, message id or the
    status) for every post.
    """
    posted = []
    for number in range(POSTS_EACH):
        path = conversations[number % len(conversations)]
        reply = client.post(path, {
            "message_body": "writer {} message {}".format(writer, number)})
        outcome = (reply.body["message_id"] if reply.status == 201
                   else str(reply.status))
        posted.append((path, writer, number, outcome))
    return posted


def test_concurrent_posts_are_stored_once_each_in_one_order(
        server: LiveServer) -> None:
    """16 clients x 250 posts: every 201 stored once, nothing else, in order.

    Each writer's own messages keep the order it sent them in, and the
    newest-first listing is exactly the reverse of the oldest-first one.
    """
    people = [register(server.url) for _ in range(CLIENTS)]
    conversations = [conversation_between(*people)
                     for _ in range(CONVERSATIONS)]
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(post_stream, person.client, i, conversations)
                   for i, person in enumerate(people)]
        posted = [p for f in futures for p in f.result(timeout=HANG_GUARD)]
    failures = [p for p in posted if len(p[3]) != 36]
    assert failures == [], failures[:5]
    for conversation in conversations:
        check_conversation(people[0].client, conversation, posted)


def check_conversation(client: ApiClient, conversation: str,
                       posted: List[Posted]) -> None:
    """Compare one conversation's listing with what got a 201 for it."""
    acknowledged = {p[3]: p for p in posted if p[0] == conversation}
    listed = all_messages(client, conversation)
    listed_ids = [m["message_id"] for m in listed]
    assert len(listed_ids) == len(set(listed_ids)) == len(acknowledged)
    assert set(listed_ids) == set(acknowledged)
    last_number: Dict[int, int] = {}
    for message in listed:
        _, writer, number, _ = acknowledged[message["message_id"]]
        assert message["message_body"] == "writer {} message {}".format(
            writer, number)
        assert number > last_number.get(writer, -1)
        last_number[writer] = number
    newest_first = all_messages(client, conversation, "-sent_at")
    assert [m["message_id"] for m in newest_first] == listed_ids[::-1]


def test_sigkill_loses_no_acknowledged_message(tmp_path: Path) -> None:
    """Kill the server mid-stream; after a restart every 201 is there."""
    db_path = tmp_path / "crash.sqlite3"
    live = LiveServer(db_path, NO_RATE_LIMIT)
    writer = register(live.url)
    conversation = conversation_between(writer, register(live.url))
    acknowledged: List[str] = []
    halfway = threading.Event()
    streaming = threading.Thread(target=stream_until_refused, args=(
        writer.client, conversation, acknowledged, halfway))
    streaming.start()
    try:
        assert halfway.wait(HANG_GUARD)
        os.kill(live.process.pid, signal.SIGKILL)
        streaming.join(HANG_GUARD)
        assert not streaming.is_alive()
    finally:
        live.kill()
    assert integrity(db_path) == "ok"
    check_restart(db_path, writer.client.token, conversation, acknowledged)


def stream_until_refused(client: ApiClient, path: str,
                         acknowledged: List[str],
                         halfway: threading.Event) -> None:
    """Post messages until the server goes away, recording every 201."""
    for number in range(100_000):
        try:
            reply = client.post(path, {
                "message_body": "message {}".format(number)})
        except (OSError, http.client.HTTPException):
            return
        assert reply.status == 201, reply.body
        acknowledged.append(reply.body["message_id"])
        if len(acknowledged) == 100:
            halfway.set()


def integrity(db_path: Path) -> str:
    """Run SQLite's integrity check on the database file."""
    connection = sqlite3.connect(str(db_path))
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def check_restart(db_path: Path, token: str, conversation: str,
                  acknowledged: List[str]) -> None:
    """Restart on the same database and find every acknowledged message.

    At most the one post in flight when the server died may be there
    without a 201.
    """
    live = LiveServer(db_path, NO_RATE_LIMIT)
    try:
        client = ApiClient(live.url, token)
        listed = [m["message_id"] for m in all_messages(client,
                                                        conversation)]
        assert listed[:len(acknowledged)] == acknowledged
        assert len(listed) - len(acknowledged) in (0, 1)
        assert client.get("/api/health/").status == 200
    finally:
        assert live.stop() == 0


def connect(server: LiveServer) -> socket.socket:
    """Open a raw TCP connection to the server."""
    return socket.create_connection(server.address, timeout=HANG_GUARD)


def status_of(raw: bytes) -> int:
    """Return the status code of a raw HTTP response."""
    return int(raw.split(b" ", 2)[1])


def healthy(server: LiveServer) -> bool:
    """Ask for the health check on a fresh connection; True on a 200."""
    client = ApiClient(server.url, timeout=HANG_GUARD)
    return client.get("/api/health/").status == 200


def threads_settle(server: LiveServer) -> bool:
    """Wait until the server is back to its idle number of threads."""
    return wait_until(lambda: server.thread_count() <= server.idle_threads)


def test_half_sent_request_is_dropped_and_others_served(
        impatient: LiveServer) -> None:
    """A request line and half the headers, then silence."""
    with connect(impatient) as stalled:
        stalled.sendall(b"GET /api/health/ HTTP/1.1\r\nHost: x\r\n")
        assert healthy(impatient)
        assert read_until_closed(stalled) == b""
    assert threads_settle(impatient)


def test_short_body_gets_408_and_others_served(
        impatient: LiveServer) -> None:
    """A body shorter than its Content-Length ends in 408 and a close."""
    with connect(impatient) as stalled:
        stalled.sendall(b"POST /api/users/ HTTP/1.1\r\nHost: x\r\n"
                        b"Content-Type: application/json\r\n"
                        b"Content-Length: 1000\r\n\r\n{\"user")
        assert healthy(impatient)
        answer = read_until_closed(stalled)
    assert status_of(answer) == 408
    assert answer.endswith(b'"detail":"The request body did not arrive '
                           b'in time."}')
    assert threads_settle(impatient)


def test_300_idle_connections_do_not_block_others(
        impatient: LiveServer) -> None:
    """300 silent connections: others served, all 300 closed, threads back.
    """
    idle = [connect(impatient) for _ in range(300)]
    try:
        assert healthy(impatient)
        assert [read_until_closed(c) for c in idle] == [b""] * 300
    finally:
        for connection in idle:
            connection.close()
    assert threads_settle(impatient)
    assert healthy(impatient)


def test_100_kb_header_gets_431(impatient: LiveServer) -> None:
    """A 100 KB header line is refused with a JSON 431, not a crash."""
    with connect(impatient) as huge:
        huge.sendall(b"GET /api/health/ HTTP/1.1\r\nHost: x\r\nX-Big: " +
                     b"a" * 100_000 + b"\r\n\r\n")
        answer = read_until_closed(huge)
    assert status_of(answer) == 431
    assert answer.split(b"\r\n\r\n", 1)[1].startswith(b'{"detail":')
    assert healthy(impatient)
    assert threads_settle(impatient)
