#!/usr/bin/env python3
"""A database that refuses writes, read-only or full: every write is a 503
whose sentence says so (no Retry-After: waiting a second will not help),
reads go on, and the health check reports it, although ``SELECT 1`` still
passes. Read-only on both engines, full on a SQLite file whose size is
capped."""
from collections.abc import Callable
from pathlib import Path

import mysql.connector
import pytest
from mysql.connector import errorcode

from messaging_app.storage import Unavailable
from messaging_app.storage.mysql import MySQLEngine
from messaging_app.storage.probe import WriteProbe
from messaging_app.testing import (InProcessApi, Person,
                                   conversation_between, fast_settings,
                                   in_process_api, register)
from messaging_app.tests.helpers import every_connection_runs, read_only

READ_ONLY = {"detail": "The database is read-only, so nothing can be "
                       "saved; its operator must fix it."}
FULL = {"detail": "The database's disk is full, so nothing can be saved; "
                  "its operator must free space."}
LONG = "a long message that needs pages of its own " * 200


@pytest.fixture
def probe_every_time(api: InProcessApi,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Let every health check of the test probe writes afresh."""
    monkeypatch.setattr(api.app.services.storage.write_probe, "seconds", 0)


def test_a_read_only_database_is_a_503_that_says_so(
        api: InProcessApi, make_person: Callable[[], Person],
        probe_every_time: None) -> None:
    """Posts, edits and registrations are refused with the sentence and
    store nothing; pages are still read; the health check says the same
    while SELECT 1 passes. Once writable again, everything works."""
    alice, bob = make_person(), make_person()
    path = conversation_between(alice, bob)
    first = alice.client.post(path, {"message_body": "before"}).body
    anonymous = api.client()
    with read_only(api.app.services.storage.engine):
        api.app.services.storage.ping()
        for reply in (
                alice.client.post(path, {"message_body": "during"}),
                alice.client.patch(f"{path}{first['message_id']}/",
                                   {"message_body": "edited"}),
                anonymous.post("/api/users/", {
                    "username": "readonly", "email": "r@example.com",
                    "password": "long-enough-pw", "first_name": "R",
                    "last_name": "O"}),
                anonymous.get("/api/health/")):
            assert (reply.status, reply.body) == (503, READ_ONLY)
            assert "Retry-After" not in reply.headers
        page = bob.client.get(path)
        assert (page.status, page.body["count"]) == (200, 1)
    assert alice.client.get(path).body["results"][0][
        "message_body"] == "before"
    assert anonymous.get("/api/health/").status == 200
    assert alice.client.post(path, {"message_body": "after"}).status == 201


def test_a_full_database_file_is_a_503_that_says_so(tmp_path: Path) -> None:
    """A SQLite file that may grow by six pages only (its page count
    capped): posts fill the room left, then are refused with the
    sentence; the health check says the same, and recovers with the
    room."""
    with in_process_api(fast_settings(tmp_path)) as api:
        api.app.services.storage.write_probe.seconds = 0
        alice, bob = register(api.client()), register(api.client())
        path = conversation_between(alice, bob)
        pages = api.rows("PRAGMA page_count")[0][0]
        engine = api.app.services.storage.engine
        with every_connection_runs(
                engine, [f"PRAGMA max_page_count = {pages + 6}"]):
            replies = [alice.client.post(path, {"message_body": LONG})
                       for _ in range(20)]
            statuses = [reply.status for reply in replies]
            assert 503 in statuses
            refused = replies[statuses.index(503)]
            assert refused.body == FULL
            assert "Retry-After" not in refused.headers
            stored = statuses.index(503)
            assert 0 < stored < 20
            assert alice.client.get(path).body["count"] == stored
            assert (api.client().get("/api/health/").body) == FULL
        assert api.client().get("/api/health/").status == 200
        assert alice.client.post(path, {"message_body": LONG}).status == 201


def test_a_health_verdict_is_kept_for_a_second(api: InProcessApi) -> None:
    """The probe takes the write lock: within a second of a probe, the
    next health check reuses its verdict instead of probing again."""
    now = [1000.0]
    probe = WriteProbe(api.app.services.storage.engine, clock=lambda: now[0])
    probe.check()
    with read_only(api.app.services.storage.engine):
        now[0] += 0.9
        probe.check()
        now[0] += 0.1
        with pytest.raises(Unavailable) as refused:
            probe.check()
        assert str(refused.value) == READ_ONLY["detail"]


@pytest.mark.parametrize("number, sentence", [
    (errorcode.ER_OPTION_PREVENTS_STATEMENT, READ_ONLY["detail"]),
    (errorcode.ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION,
     READ_ONLY["detail"]),
    (errorcode.ER_TABLEACCESS_DENIED_ERROR,
     "The user of the database URL lacks rights on the MySQL database "
     "chat at 127.0.0.1:3306 that the server needs; its operator must "
     "grant them."),
    (errorcode.ER_RECORD_FILE_FULL, FULL["detail"])])
def test_mariadb_errors_of_a_database_refusing_writes(
        number: int, sentence: str) -> None:
    """The server's read_only for a user who is no admin, a read-only
    transaction, a user without the right to write, a full table: each
    is the sentence that says so."""
    engine = MySQLEngine("mysql://user:pw@127.0.0.1:3306/chat")
    meaning = engine.translate(mysql.connector.Error(msg="refused",
                                                     errno=number))
    assert str(meaning) == sentence
