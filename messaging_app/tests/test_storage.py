#!/usr/bin/env python3
"""Storage on both engines (a SQLite file and a throwaway MariaDB
database): migrations, counts, pages, uniqueness, failures, and the
SQLite-only properties of the file."""
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import mysql.connector
import pytest

from messaging_app.clock import iso_utc, utc_now
from messaging_app.ids import new_id
from messaging_app.representations import MESSAGE, message
from messaging_app.storage import (Busy, Duplicate, MessageFilter,
                                   SchemaTooNew, Storage, StorageError,
                                   open_storage)
from messaging_app.storage.mysql import parse_url
from messaging_app.storage.pool import Pool
from messaging_app.storage import pages as pages_module
from messaging_app.storage import sqlite as sqlite_engine
from messaging_app.storage.schema import MIGRATIONS
from messaging_app.testing import (conversation_between, fast_settings,
                                   in_process_api, register)
from messaging_app.tests.helpers import wait_until
from tools.mysql_testing import mysql_url
from tools.mysql_server import start_throwaway

# The schema of databases made before the storage package (version 1),
# to check that such a file is upgraded.
VERSION_1 = """
    CREATE TABLE users (
        user_id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL, first_name TEXT NOT NULL,
        last_name TEXT NOT NULL, phone_number TEXT,
        role TEXT NOT NULL DEFAULT 'guest'
            CHECK (role IN ('guest', 'host', 'admin')),
        created_at TEXT NOT NULL);
    CREATE TABLE conversations (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL,
        message_count INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE participants (
        conversation_id TEXT NOT NULL
            REFERENCES conversations (conversation_id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
        PRIMARY KEY (conversation_id, user_id)) WITHOUT ROWID;
    CREATE INDEX participants_by_user ON participants (user_id);
    CREATE TABLE messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id TEXT NOT NULL UNIQUE,
        conversation_id TEXT NOT NULL
            REFERENCES conversations (conversation_id) ON DELETE CASCADE,
        sender_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
        message_body TEXT NOT NULL, sent_at TEXT NOT NULL, edited_at TEXT);
    CREATE INDEX messages_by_conversation ON messages (conversation_id, seq);
    CREATE INDEX messages_by_sender ON messages (sender_id);
    CREATE TRIGGER message_added AFTER INSERT ON messages BEGIN
        UPDATE conversations SET message_count = message_count + 1
        WHERE conversation_id = NEW.conversation_id;
    END;
    CREATE TRIGGER message_removed AFTER DELETE ON messages BEGIN
        UPDATE conversations SET message_count = message_count - 1
        WHERE conversation_id = OLD.conversation_id;
    END;
    PRAGMA user_version = 1;
"""


@pytest.fixture
def database_url(new_database: Callable[[Path], str],
                 tmp_path: Path) -> str:
    """Return the URL of a new database on the engine under test."""
    return new_database(tmp_path) or f"sqlite:///{tmp_path}/chat.sqlite3"


@pytest.fixture
def storage(database_url: str) -> Iterator[Storage]:
    """Return an open, migrated storage on a new database."""
    opened = open_storage(database_url)
    try:
        yield opened
    finally:
        opened.close()


def add_user(storage: Storage, name: str) -> str:
    """Store a user called ``name``; return the id."""
    return storage.users.create(
        username=name, email=f"{name}@example.com", password_hash="-",
        first_name=name.title(), last_name="Tester").user_id


def a_conversation(storage: Storage) -> tuple[str, str, str]:
    """Store two users and a conversation; return its id and theirs."""
    first, second = add_user(storage, "first"), add_user(storage, "second")
    conversation = storage.conversations.create([first, second])
    return conversation.conversation_id, first, second


def counts(storage: Storage, conversation_id: str) -> list[tuple]:
    """Return the kept counts of a conversation beside the true ones:
    the conversation's, then each participant's."""
    engine = storage.engine
    with engine.transaction() as transaction:
        return transaction.rows(
            "SELECT p.user_id, p.message_count, (SELECT COUNT(*) FROM "
            "messages AS m WHERE m.conversation_id = p.conversation_id AND "
            "m.sender_id = p.user_id), c.message_count, (SELECT COUNT(*) "
            "FROM messages AS m WHERE m.conversation_id = ?) "
            "FROM participants AS p JOIN conversations AS c "
            "ON c.conversation_id = p.conversation_id "
            "WHERE p.conversation_id = ? ORDER BY p.user_id",
            (conversation_id, conversation_id))


def assert_counts_true(storage: Storage, conversation_id: str) -> None:
    """The kept counts equal what counting the rows gives."""
    for _, kept, true, total_kept, total in counts(storage, conversation_id):
        assert (kept, total_kept) == (true, total)


def bodies(storage: Storage, *, conversation_id: str | None = None,
           member_id: str | None = None,
           sender_id: str | None = None) -> list[str]:
    """Return the bodies of the first 100 matching messages, in order."""
    selection = MessageFilter(conversation_id=conversation_id,
                              member_id=member_id, sender_id=sender_id)
    _, found = page(storage, selection, 100, 0)
    return [message["message_body"] for message in found]


def page(storage: Storage, selection: MessageFilter, limit: int,
         offset: int, newest_first: bool = False) -> tuple[int, list[dict]]:
    """Return the count and the decoded page of a selection, shaped as
    the API shapes messages."""
    count, text = storage.messages.page(selection, limit, offset,
                                        newest_first, MESSAGE)
    return count, json.loads(text)


def test_a_new_database_gets_the_latest_schema(database_url: str) -> None:
    """Opening migrates; opening again changes nothing."""
    first = open_storage(database_url)
    try:
        assert first.schema_version() == len(MIGRATIONS)
        user_id = add_user(first, "kept")
    finally:
        first.close()
    again = open_storage(database_url)
    try:
        assert again.schema_version() == len(MIGRATIONS)
        assert again.users.by_id(user_id) is not None
    finally:
        again.close()


def test_a_database_from_newer_code_is_refused_in_one_sentence(
        storage: Storage, database_url: str) -> None:
    """A schema version this code does not know stops the start."""
    engine = storage.engine
    with engine.transaction(write=True) as transaction:
        engine.set_schema_version(transaction, 99)
    with pytest.raises(SchemaTooNew) as refused:
        open_storage(database_url)
    assert str(refused.value).endswith(
        f"has schema version 99, newer than this code's "
        f"{len(MIGRATIONS)}.")


def test_usernames_and_emails_are_unique_by_their_login_key(
        storage: Storage) -> None:
    """Case and Unicode compatibility forms do not make a new name; the
    clash names its field; logging in with any form finds the user."""
    user_id = add_user(storage, "Élise")
    add_user(storage, "Elise")
    for name in ("élise", "ÉLISE", "ELISE", "Ｅｌｉｓｅ", "ｅｌｉｓｅ"):
        with pytest.raises(Duplicate) as clash:
            add_user(storage, name)
        assert clash.value.field == "username"
    with pytest.raises(Duplicate) as clash:
        storage.users.create(username="other", email="ÉLISE@EXAMPLE.COM",
                             password_hash="-", first_name="O",
                             last_name="T")
    assert clash.value.field == "email"
    found = storage.users.by_login("username", "éLISE")
    assert found is not None and found.user_id == user_id
    found = storage.users.by_login("email", "élise@EXAMPLE.com")
    assert found is not None and found.user_id == user_id


def test_counts_follow_posts_deletes_and_deleted_users(
        storage: Storage) -> None:
    """The kept counts always equal the rows; pages use them."""
    conversation_id, first, second = a_conversation(storage)
    posted = [storage.messages.add(conversation_id, sender, f"m{n}")
              for n, sender in enumerate([first, second, first, first])]
    assert_counts_true(storage, conversation_id)
    assert posted[1] is not None and storage.messages.delete(
        posted[1].message_id)
    assert not storage.messages.delete(posted[1].message_id)
    assert_counts_true(storage, conversation_id)
    count, _ = page(storage, MessageFilter(
        conversation_id=conversation_id, sender_id=first), 10, 0)
    assert count == 3
    third = add_user(storage, "third")
    other = storage.conversations.create([first, third]).conversation_id
    storage.messages.add(other, first, "elsewhere")
    assert storage.users.delete("first")
    assert_counts_true(storage, conversation_id)
    assert_counts_true(storage, other)
    assert page(storage, MessageFilter(conversation_id=conversation_id),
                10, 0)[0] == 0


def test_only_a_participant_posts_and_nothing_else_is_written(
        storage: Storage) -> None:
    """A post from a non-participant, or to no conversation, stores
    nothing and changes no count; the database refuses rows that point
    nowhere."""
    conversation_id, first, _ = a_conversation(storage)
    outsider = add_user(storage, "outsider")
    assert storage.messages.add(conversation_id, outsider, "no") is None
    assert storage.messages.add(new_id(), first, "no") is None
    assert bodies(storage, conversation_id=conversation_id) == []
    assert_counts_true(storage, conversation_id)
    engine = storage.engine
    with pytest.raises(engine.driver_error):
        with engine.transaction(write=True) as transaction:
            transaction.execute(
                "INSERT INTO messages (message_id, conversation_id, "
                "sender_id, message_body, sent_at) VALUES (?, ?, ?, ?, ?)",
                (new_id(), new_id(), first, "from nobody", utc_now()))


def test_a_post_that_cannot_be_encoded_fails_alone(
        storage: Storage) -> None:
    """Text that UTF-8 cannot encode fails (the API refuses it earlier
    with a 400); posts at the same moment from the other participant are
    all stored, and the counts stay true."""
    conversation_id, first, second = a_conversation(storage)
    errors: list[BaseException] = []

    def post_poison() -> None:
        """Post ten unencodable bodies, keeping the errors."""
        for _ in range(10):
            try:
                storage.messages.add(conversation_id, first, "half \ud83d")
            except Exception as error:
                errors.append(error)

    poisoner = threading.Thread(target=post_poison)
    poisoner.start()
    stored = [storage.messages.add(conversation_id, second, f"ok {n}")
              for n in range(10)]
    poisoner.join()
    assert len(errors) == 10
    # The driver refuses to encode it (each driver with its own error);
    # it is no storage error such as Busy, which would mean a 503.
    assert not any(isinstance(error, StorageError) for error in errors)
    assert bodies(storage, conversation_id=conversation_id) == [
        f"ok {n}" for n in range(10)]
    assert all(message is not None for message in stored)
    assert_counts_true(storage, conversation_id)


def test_an_edit_or_delete_of_a_gone_message_finds_nothing(
        storage: Storage) -> None:
    """Editing a deleted message returns None; deleting twice False."""
    conversation_id, first, _ = a_conversation(storage)
    message = storage.messages.add(conversation_id, first, "soon gone")
    assert message is not None
    edited = storage.messages.edit(message.message_id, "changed", first)
    assert edited is not None and edited.edited_at is not None
    assert storage.messages.delete(message.message_id)
    assert storage.messages.edit(message.message_id, "again", first) is None
    assert storage.messages.get(message.message_id) is None


def test_pages_merge_many_conversations_in_time_order(
        storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    """A member's page across conversations is the time order of all of
    them, also when they take several statements to merge; filters and
    both directions apply; counts agree."""
    monkeypatch.setattr(pages_module, "CONVERSATIONS_PER_STATEMENT", 2)
    me = add_user(storage, "me")
    others = [add_user(storage, f"friend{n}") for n in range(5)]
    conversations = [storage.conversations.create([me, other])
                     for other in others]
    expected = []
    for round_number in range(3):
        for n, conversation in enumerate(conversations):
            sender = me if (n + round_number) % 2 else others[n]
            body = f"r{round_number} c{n}"
            storage.messages.add(conversation.conversation_id, sender, body)
            expected.append((body, sender))
    everything = [body for body, _ in expected]
    assert bodies(storage, member_id=me) == everything
    mine = [body for body, sender in expected if sender == me]
    assert bodies(storage, member_id=me, sender_id=me) == mine
    count, found = page(storage, MessageFilter(member_id=me), 4, 5,
                        newest_first=True)
    assert count == 15
    assert [m["message_body"] for m in found] == everything[::-1][5:9]
    outsider = add_user(storage, "outsider")
    assert page(storage, MessageFilter(member_id=outsider), 10, 0) == (
        0, [])


def test_time_filters_are_exclusive(storage: Storage) -> None:
    """``sent_after`` and ``sent_before`` leave out their own instant."""
    conversation_id, first, _ = a_conversation(storage)
    sent = [storage.messages.add(conversation_id, first, f"m{n}")
            for n in range(4)]
    times = [message.sent_at for message in sent if message]
    count, found = page(storage, MessageFilter(
        conversation_id=conversation_id, sent_after=times[0],
        sent_before=times[3]), 10, 0)
    assert (count, [m["message_body"] for m in found]) == (2, ["m1", "m2"])


def test_concurrent_posts_are_all_stored_in_a_total_order(
        storage: Storage) -> None:
    """Eight threads post 25 messages each into one conversation: every
    message is stored once, each writer's in its own order, and the
    counts are right."""
    members = [add_user(storage, f"writer{n}") for n in range(8)]
    conversation_id = storage.conversations.create(
        members).conversation_id

    def write(number: int) -> None:
        """Post 25 numbered messages as one member."""
        for index in range(25):
            storage.messages.add(conversation_id, members[number],
                                 f"{number}:{index}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    listed = bodies(storage, conversation_id=conversation_id)
    listed += [m["message_body"] for m in page(
        storage, MessageFilter(conversation_id=conversation_id), 100,
        100)[1]]
    assert sorted(listed) == sorted(f"{n}:{i}" for n in range(8)
                                    for i in range(25))
    for number in range(8):
        own = [int(body.split(":")[1]) for body in listed
               if body.startswith(f"{number}:")]
        assert own == list(range(25))
    assert_counts_true(storage, conversation_id)


def version_1_file(folder: Path, rows: str) -> Path:
    """Make a SQLite file of schema version 1 holding ``rows`` (SQL)."""
    path = folder / "old.sqlite3"
    connection = sqlite3.connect(path)
    try:
        connection.executescript(VERSION_1)
        connection.executescript(rows)
    finally:
        connection.close()
    return path


def test_a_version_1_sqlite_file_is_upgraded(tmp_path: Path) -> None:
    """A file made before the storage package keeps its users and
    messages, gets login keys and counts, and loses its triggers."""
    path = version_1_file(tmp_path, """
        INSERT INTO users VALUES ('u1', 'Alice', 'A@X.COM', '-', 'A', 'A',
            NULL, 'guest', '2024-01-01T00:00:00.000000Z');
        INSERT INTO users VALUES ('u2', 'bob', 'b@x.com', '-', 'B', 'B',
            NULL, 'guest', '2024-01-01T00:00:00.000000Z');
        INSERT INTO conversations (conversation_id, created_at)
            VALUES ('c1', '2024-01-01T00:00:00.000000Z');
        INSERT INTO participants VALUES ('c1', 'u1'), ('c1', 'u2');
        INSERT INTO messages (message_id, conversation_id, sender_id,
            message_body, sent_at) VALUES
            ('m1', 'c1', 'u1', 'one', '2024-01-01T00:00:01.000000Z'),
            ('m2', 'c1', 'u2', 'two', '2024-01-01T00:00:02.000000Z'),
            ('m3', 'c1', 'u1', 'three', '2024-01-01T00:00:03.000000Z');
    """)
    storage = open_storage(f"sqlite:///{path}")
    try:
        assert storage.schema_version() == len(MIGRATIONS)
        assert bodies(storage, conversation_id="c1") == [
            "one", "two", "three"]
        assert_counts_true(storage, "c1")
        assert [row[1] for row in counts(storage, "c1")] == [2, 1]
        found = storage.users.by_login("email", "a@x.com")
        assert found is not None and found.username == "Alice"
        storage.messages.add("c1", "u2", "four")
        assert_counts_true(storage, "c1")
        with storage.engine.transaction() as transaction:
            assert transaction.rows(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'") == []
    finally:
        storage.close()


def test_names_that_clash_under_the_new_keys_stop_the_upgrade(
        tmp_path: Path) -> None:
    """Two version 1 users that differ only in case cannot both keep
    their names: the upgrade stops with a sentence naming them."""
    path = version_1_file(tmp_path, """
        INSERT INTO users VALUES ('u1', 'Élise', 'e1@x.com', '-', 'E', 'E',
            NULL, 'guest', '2024-01-01T00:00:00.000000Z');
        INSERT INTO users VALUES ('u2', 'élise', 'e2@x.com', '-', 'E', 'E',
            NULL, 'guest', '2024-01-01T00:00:00.000000Z');
    """)
    with pytest.raises(StorageError) as refused:
        open_storage(f"sqlite:///{path}")
    assert "'Élise' and 'élise' differ only in case" in str(refused.value)
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone() == (1,)
    connection.close()


def test_sqlite_files_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    """Every SQLite connection has WAL, foreign keys and a busy
    timeout."""
    storage = open_storage(f"sqlite:///{tmp_path}/new/chat.sqlite3")
    try:
        with storage.engine.transaction() as transaction:
            pragmas = [transaction.value(f"PRAGMA {name}") for name in (
                "journal_mode", "foreign_keys", "busy_timeout")]
        assert pragmas == ["wal", 1, 5000]
    finally:
        storage.close()


def wal_pages(path: Path) -> list[int]:
    """Return the page number of every frame in a WAL file, in order (a
    32-byte header, then frames of a 24-byte header and one page)."""
    data = path.read_bytes()
    page_size = int.from_bytes(data[8:12], "big")
    return [int.from_bytes(data[start:start + 4], "big")
            for start in range(32, len(data), 24 + page_size)]


def empty_the_wal(path: Path) -> None:
    """Checkpoint every frame of the WAL into the database and truncate it.

    The storage's own checkpoint thread may be checkpointing at the same
    moment, which makes this one report "busy": it is tried again.
    """
    checkpoint = sqlite3.connect(path)
    try:
        deadline = time.monotonic() + 30
        while checkpoint.execute(
                "PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]:
            assert time.monotonic() < deadline, "the WAL stays busy"
    finally:
        checkpoint.close()


def test_posting_to_a_long_history_writes_at_the_end_of_its_indexes(
        tmp_path: Path) -> None:
    """Fifty posts, one commit each, to a conversation of 20,000 messages
    write the same few pages over and over (the ends of the table and its
    indexes), not a new page per post: time-ordered ids and times put
    each new row at the end of every index."""
    path = tmp_path / "chat.sqlite3"
    storage = open_storage(f"sqlite:///{path}")
    try:
        conversation_id, sender, _ = a_conversation(storage)
        with storage.engine.transaction(write=True) as transaction:
            transaction.executemany(
                "INSERT INTO messages (message_id, conversation_id, "
                "sender_id, message_body, sent_at) VALUES (?, ?, ?, ?, ?)",
                [(new_id(), conversation_id, sender, "old", "2024")
                 for _ in range(20_000)])
        empty_the_wal(path)
        for _ in range(50):
            storage.messages.add(conversation_id, sender, "new")
        pages = wal_pages(path.with_name(path.name + "-wal"))
    finally:
        storage.close()
    assert len(pages) >= 50 * 4
    assert len(set(pages)) <= 40


def test_ids_are_uuid7_and_later_ones_sort_later() -> None:
    """A new id carries the current millisecond in its first 48 bits, the
    version 7 and the RFC 4122 variant; as text, a later id sorts after."""
    before = time.time_ns() // 1_000_000
    ids = [new_id() for _ in range(1000)]
    after = time.time_ns() // 1_000_000
    assert len(set(ids)) == 1000
    parsed = [uuid.UUID(text) for text in ids]
    assert {(value.version, value.variant) for value in parsed} == {
        (7, uuid.RFC_4122)}
    assert [str(value) for value in parsed] == ids
    assert all(before <= value.int >> 80 <= after for value in parsed)
    threading.Event().wait(0.002)
    assert new_id() > max(ids)


def test_times_are_fixed_width_utc_text() -> None:
    """Microseconds and a Z always, whatever the offset given."""
    assert iso_utc(datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)) == \
        "2024-05-01T12:00:00.000000Z"
    assert len(utc_now()) == 27 and utc_now().endswith("Z")


def test_an_unknown_database_url_is_one_sentence() -> None:
    """Only SQLite and MySQL URLs are understood."""
    with pytest.raises(StorageError) as refused:
        open_storage("postgres://somewhere/db")
    assert str(refused.value) == ("The database URL must start with "
                                  "sqlite:/// or mysql://, not 'postgres'.")


def test_mariadb_going_away_is_503_and_its_return_is_seen(
        tmp_path: Path, memory_path: Path) -> None:
    """With its MariaDB stopped, the API's health check is a 503 saying
    the database cannot be reached (no Retry-After: waiting a second will
    not help); once the server is back, pooled connections reconnect and
    the next check is a 200."""
    server = start_throwaway(memory_path)
    try:
        url = mysql_url(server.env(), "health")
        with in_process_api(fast_settings(tmp_path, database_url=url)) as api:
            client = api.client()
            assert client.get("/api/health/").status == 200
            server.stop()
            refused = client.get("/api/health/")
            assert refused.status == 503
            assert refused.body["detail"].startswith(
                "Cannot reach the MySQL database health_")
            assert "Retry-After" not in refused.headers
            server.start()
            assert client.get("/api/health/").status == 200
    finally:
        server.stop()


def test_mariadb_requests_send_their_statements_and_no_ping(
        mariadb_env: dict[str, str], tmp_path: Path) -> None:
    """Posts and page reads on MariaDB send their statements only, without
    a ping (one more round trip) before each transaction, which the
    driver's ``connection.cursor()`` sends. The server's count of pings
    is read on one connection whose cursor is made before the first
    reading, connected as the API is, by its URL."""
    url = mysql_url(mariadb_env, "pings")
    with in_process_api(fast_settings(tmp_path, database_url=url)) as api:
        alice, bob = register(api.client()), register(api.client())
        path = conversation_between(alice, bob)
        status = mysql.connector.connect(**parse_url(url))
        try:
            cursor = status.cursor()

            def pings() -> int:
                """Return the server's count of pings and other admin
                commands."""
                cursor.execute("SHOW GLOBAL STATUS LIKE 'Com_admin_commands'")
                rows: list[Any] = cursor.fetchall()
                return int(rows[0][1])

            before = pings()
            for number in range(10):
                assert alice.client.post(
                    path, {"message_body": f"{number}"}).status == 201
                assert bob.client.get(path).status == 200
            assert pings() == before
        finally:
            status.close()


def test_a_page_built_by_the_database_matches_one_built_here(
        storage: Storage) -> None:
    """The database lays a page's messages out exactly as
    representations.message lays out one record: same members, same
    order, same values (quotes, newlines, non-ASCII and a null)."""
    conversation_id, first, second = a_conversation(storage)
    texts = ['say "hi"\n\tand \\ bye', "Ünïcødé ✓ 🎉", "\x01 control"]
    sent = [storage.messages.add(conversation_id, first, text)
            for text in texts]
    edited = storage.messages.edit(sent[0].message_id if sent[0] else "",
                                   "edited", first)
    expected = [message(one) for one in [edited, *sent[1:]] if one]
    _, text = storage.messages.page(
        MessageFilter(conversation_id=conversation_id), 10, 0, False,
        MESSAGE)
    assert json.loads(text) == expected
    assert [list(item) for item in json.loads(text)] == [
        list(item) for item in expected]


def test_a_pool_hands_connections_in_the_order_they_were_asked() -> None:
    """Five threads queue for a pool of one held connection: each gets
    it in turn, in the order it asked, alone; a borrower that waits past
    the limit gets Busy and leaves the line."""
    opened: list[object] = []

    def connect() -> object:
        """Open a stand-in connection and remember it."""
        opened.append(object())
        return opened[-1]

    pool = Pool(connect, 1, 5.0)
    order: list[int] = []
    held = pool.borrow()

    def borrow(number: int) -> None:
        """Take the connection, note the turn, give it back."""
        connection = pool.borrow()
        order.append(number)
        pool.give_back(connection)

    threads = []
    for number in range(5):
        threads.append(threading.Thread(target=borrow, args=(number,)))
        threads[-1].start()
        wait_until(lambda: len(pool._waiting) > number)
    pool.give_back(held)
    for thread in threads:
        thread.join()
    assert order == [0, 1, 2, 3, 4]
    assert len(opened) == 1
    impatient = Pool(lambda: object(), 1, 0.01)
    kept = impatient.borrow()
    with pytest.raises(Busy):
        impatient.borrow()
    assert not impatient._waiting
    impatient.give_back(kept)
    impatient.give_back(impatient.borrow())


def test_a_chronological_page_takes_the_newest_and_lists_them_oldest_first(
        storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    """The latest messages in sending order, from one conversation and
    from many merged in parts."""
    monkeypatch.setattr(pages_module, "CONVERSATIONS_PER_STATEMENT", 2)
    me = add_user(storage, "me")
    conversations = [storage.conversations.create(
        [me, add_user(storage, f"friend{n}")]).conversation_id
        for n in range(3)]
    sent = [f"m{n}" for n in range(9)]
    for n, body in enumerate(sent):
        storage.messages.add(conversations[n % 3], me, body)
    for selection, expected in (
            (MessageFilter(conversation_id=conversations[0]),
             ["m3", "m6"]),
            (MessageFilter(member_id=me), ["m4", "m5", "m6", "m7", "m8"])):
        _, text = storage.messages.page(
            selection, len(expected), 0, True, MESSAGE, chronological=True)
        assert [message["message_body"] for message in json.loads(text)] \
            == expected


def test_the_wal_is_checkpointed_beside_the_writes(tmp_path: Path) -> None:
    """With the engine's checkpoint thread, the database file grows with
    what is posted within moments (in WAL mode it grows only by
    checkpoints), while SQLite's own checkpoint waits for a long WAL;
    closing the storage stops the thread."""
    path = tmp_path / "chat.sqlite3"
    storage = open_storage(f"sqlite:///{path}")
    try:
        conversation_id, sender, _ = a_conversation(storage)
        with storage.engine.transaction() as transaction:
            assert transaction.value("PRAGMA wal_autocheckpoint") == \
                sqlite_engine.WAL_LIMIT_PAGES
        before = path.stat().st_size
        for _ in range(300):
            storage.messages.add(conversation_id, sender, "x" * 2000)
        wait_until(lambda: path.stat().st_size >= before + 600_000)
    finally:
        storage.close()
    assert isinstance(storage.engine, sqlite_engine.SQLiteEngine)
    assert not storage.engine._checkpointer.is_alive()
