#!/usr/bin/env python3
"""Storage, settings and passwords: the parts below HTTP, on real SQLite
files in temporary folders."""
import json
import sqlite3
import stat
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, List

import pytest

from messaging_app import storage as storage_module
from messaging_app.passwords import (PasswordChecker, hash_password,
                                     verify_password)
from messaging_app.settings import (RateLimit, Settings, SettingsError,
                                    load_secret_key, load_settings)
from messaging_app.storage import (MIGRATIONS, MessageFilter, Storage,
                                   StorageError, Turns, UtcClock, iso_utc,
                                   new_id)
from messaging_app.tests.helpers import live_server, register, wait_until


def test_a_new_database_is_migrated_with_wal_and_foreign_keys(
        tmp_path: Path) -> None:
    """The file gets the latest schema version, WAL mode, and every
    connection has foreign keys on and a busy timeout."""
    storage = Storage(tmp_path / "new" / "chat.sqlite3").open()
    try:
        assert storage.schema_version() == len(MIGRATIONS)
        with storage.connection() as connection:
            pragmas = [connection.execute("PRAGMA " + name).fetchone()[0]
                       for name in ("journal_mode", "foreign_keys",
                                    "busy_timeout")]
        assert pragmas == ["wal", 1, 5000]
    finally:
        storage.close()


def test_reopening_keeps_the_data_and_the_version(tmp_path: Path) -> None:
    """Migrations run once; a restart finds its users."""
    path = tmp_path / "chat.sqlite3"
    with live_server(tmp_path, db_path=path) as server:
        person = register(server.base_url)
    with live_server(tmp_path, db_path=path) as server:
        assert server.app.services.storage.schema_version() == len(
            MIGRATIONS)
        assert server.app.services.storage.user_by_id(person.user_id)


def test_a_database_from_newer_code_is_refused_in_one_sentence(
        tmp_path: Path) -> None:
    """A schema version this code does not know stops the start."""
    path = tmp_path / "future.sqlite3"
    connection = sqlite3.connect(str(path))
    connection.execute("PRAGMA user_version = 99")
    connection.close()
    with pytest.raises(StorageError) as refused:
        Storage(path).open()
    assert str(refused.value).endswith(
        "has schema version 99, newer than this code's {}.".format(
            len(MIGRATIONS)))


def test_foreign_keys_refuse_a_message_from_nobody(tmp_path: Path) -> None:
    """The database itself refuses rows that point nowhere."""
    storage = Storage(tmp_path / "chat.sqlite3").open()
    try:
        with pytest.raises(sqlite3.IntegrityError):
            storage.add_message("no-conversation", "no-user", "hello")
    finally:
        storage.close()


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
    time.sleep(0.002)
    assert new_id() > max(ids)


def test_the_clock_writes_times_as_iso_utc_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock's times read as iso_utc writes them, within a second,
    into the next one and back (a clock set back)."""
    clock = UtcClock()
    before = iso_utc(datetime.now(timezone.utc))
    assert before <= clock.now() <= iso_utc(datetime.now(timezone.utc))
    for moment in [1_700_000_000.25, 1_700_000_000.75, 1_700_000_001.0,
                   1_699_999_999.5]:
        monkeypatch.setattr(storage_module.time, "time", lambda: moment)
        assert clock.now() == iso_utc(
            datetime.fromtimestamp(moment, timezone.utc))


def wal_pages(path: Path) -> List[int]:
    """Return the page number of every frame in a WAL file, in order (a
    32-byte header, then frames of a 24-byte header and one page)."""
    data = path.read_bytes()
    page_size = int.from_bytes(data[8:12], "big")
    return [int.from_bytes(data[start:start + 4], "big")
            for start in range(32, len(data), 24 + page_size)]


def test_posting_to_a_long_history_writes_at_the_end_of_its_indexes(
        tmp_path: Path) -> None:
    """Fifty posts, one commit each, to a conversation of 20,000 messages
    write the same few pages over and over (the ends of the table and its
    indexes, and the pages their growth adds), not a new page per post:
    that is what keeps the WAL checkpoint, and its fsync, short. Measured:
    20 distinct pages in 350 frames; 67 with random (version 4) ids, 93
    over 100,000 messages."""
    path = tmp_path / "chat.sqlite3"
    storage = Storage(path).open()
    try:
        conversation_id, sender_id = a_conversation(storage)
        with storage.transaction(write=True) as connection:
            connection.executemany(
                "INSERT INTO messages (message_id, conversation_id, "
                "sender_id, message_body, sent_at) VALUES (?, ?, ?, ?, ?)",
                ((new_id(), conversation_id, sender_id, "old", "2024")
                 for _ in range(20_000)))
        with storage.connection() as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for _ in range(50):
            storage.add_message(conversation_id, sender_id, "new")
        pages = wal_pages(path.with_name(path.name + "-wal"))
    finally:
        storage.close()
    assert len(pages) >= 50 * 4
    assert len(set(pages)) <= 30


def a_conversation(storage: Storage) -> tuple:
    """Store two users and a conversation; return its id and a sender."""
    first = storage.create_user("first", "first@example.com", "-", "F", "F")
    second = storage.create_user("second", "second@example.com", "-", "S",
                                 "S")
    conversation = storage.create_conversation([first["user_id"],
                                                second["user_id"]])
    return conversation["conversation_id"], first["user_id"]


def test_the_checkpoint_thread_copies_the_wal_beside_the_requests(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the thread running, SQLite's own checkpoint waits for a WAL of
    WAL_RESTART_PAGES, yet the posts reach the database file within
    moments (in WAL mode it grows only by checkpoints); closing stops the
    thread."""
    monkeypatch.setattr(storage_module, "CHECKPOINT_SECONDS", 0.01)
    storage = Storage(tmp_path / "chat.sqlite3").open()
    conversation_id, sender_id = a_conversation(storage)
    storage.checkpoint_in_background()
    thread = storage._checkpointer
    try:
        with storage.connection() as connection:
            assert connection.execute(
                "PRAGMA wal_autocheckpoint").fetchone()[0] == \
                storage_module.WAL_RESTART_PAGES
        before = storage.path.stat().st_size
        for _ in range(300):
            storage.add_message(conversation_id, sender_id, "x" * 2000)
        wait_until(lambda: storage.path.stat().st_size >= before + 600_000)
    finally:
        storage.close()
    assert not thread.is_alive()


def test_a_membership_is_asked_once_and_a_refusal_every_time(
        tmp_path: Path) -> None:
    """A participant's membership is remembered; an outsider, or a
    conversation that does not exist, is asked about every time."""
    storage = Storage(tmp_path / "chat.sqlite3").open()
    try:
        conversation_id, member = a_conversation(storage)
        outsider = storage.create_user("third", "third@example.com", "-",
                                       "T", "T")["user_id"]
        statements: List[str] = []
        with storage.connection() as connection:
            connection.set_trace_callback(statements.append)
        answers = [storage.membership(*question) for question in [
            (conversation_id, member), (conversation_id, member),
            (conversation_id, outsider), (conversation_id, outsider),
            (new_id(), member)]]
        assert answers == [True, True, False, False, None]
        assert len(statements) == 4
    finally:
        storage.close()


def test_an_account_is_remembered_until_the_database_changes(
        tmp_path: Path) -> None:
    """A second read of an account asks only PRAGMA data_version; a change
    committed by another connection (as ``deleteuser`` in another process
    does) or by this storage is seen by the very next read."""
    storage = Storage(tmp_path / "chat.sqlite3").open()
    other = Storage(storage.path).open()
    try:
        _, user_id = a_conversation(storage)
        statements: List[str] = []
        with storage.connection() as connection:
            connection.set_trace_callback(statements.append)
        assert storage.user_by_id(user_id)["role"] == "guest"
        assert len(statements) == 2
        storage.user_by_id(user_id)["role"] = "changed by a caller"
        assert storage.user_by_id(user_id)["role"] == "guest"
        assert statements[2:] == ["PRAGMA data_version"] * 2
        with other.transaction(write=True) as connection:
            connection.execute("UPDATE users SET role = 'admin' "
                               "WHERE user_id = ?", (user_id,))
        assert storage.user_by_id(user_id)["role"] == "admin"
        storage.set_password_hash(user_id, "new hash")
        assert storage.user_by_id(user_id)["password_hash"] == "new hash"
        assert other.delete_user("first")
        assert storage.user_by_id(user_id) is None
    finally:
        other.close()
        storage.close()


def start_in_line(target: Callable[[int], None], count: int,
                  waiting: Callable[[], int]) -> List[threading.Thread]:
    """Start ``count`` threads running ``target(number)``, each once the one
    before is waiting (``waiting()`` counts them), so they queue in order."""
    threads = []
    for number in range(count):
        threads.append(threading.Thread(target=target, args=(number,)))
        threads[-1].start()
        wait_until(lambda: waiting() > number)
    return threads


def test_threads_get_their_turn_in_the_order_they_asked() -> None:
    """Five threads queue behind a held turn and take it first come,
    first served, each alone."""
    turns, order, inside = Turns(), [], []

    def take(name: int) -> None:
        """Note when ``name`` gets the turn, and that it is alone."""
        with turns:
            inside.append(name)
            assert len(inside) == 1
            order.append(name)
            inside.remove(name)

    with turns:
        threads = start_in_line(take, 5, lambda: len(turns._waiting))
    for thread in threads:
        thread.join()
    assert order == [0, 1, 2, 3, 4]


def test_the_thread_holding_the_connection_may_enter_again(
        tmp_path: Path) -> None:
    """A nested block gets the same connection at once; the turn passes on
    only when the outermost block ends."""
    storage = Storage(tmp_path / "chat.sqlite3").open()
    shared, got = storage.connection(), []

    def borrow(_: int) -> None:
        """Borrow the connection from another thread."""
        with shared as connection:
            got.append(connection)

    try:
        with shared as outer:
            with shared as inner:
                assert inner is outer
            threads = start_in_line(borrow, 1,
                                    lambda: len(shared._turn._waiting))
            assert got == []
        threads[0].join()
        assert got == [outer]
    finally:
        storage.close()


def post_together(storage: Storage, posts: list) -> list:
    """Queue ``posts`` (conversation, sender, body) behind a held turn,
    then let them go; return each thread's message or error, in order."""
    results = [None] * len(posts)

    def post(number: int) -> None:
        """Add one message and keep what came of it."""
        try:
            results[number] = storage.add_message(*posts[number])
        except Exception as error:
            results[number] = error

    with storage.connection():
        threads = start_in_line(post, len(posts), lambda: len(storage._posts))
    for thread in threads:
        thread.join()
    return results


def test_messages_posted_together_are_committed_together(
        tmp_path: Path) -> None:
    """Five posts waiting for the turn are written by one transaction,
    each thread gets its own message, and their order is kept."""
    storage = Storage(tmp_path / "chat.sqlite3").open()
    try:
        conversation_id, sender_id = a_conversation(storage)
        statements = []
        with storage.connection() as connection:
            connection.set_trace_callback(statements.append)
        results = post_together(storage, [
            (conversation_id, sender_id, "post {}".format(number))
            for number in range(5)])
        assert statements.count("COMMIT") == 1
        assert [message["conversation_id"] for message in results] == [
            conversation_id] * 5
        count, page = storage.messages(
            MessageFilter(conversation_id=conversation_id),
            10, 0)
        assert count == 5
        assert [message["message_body"] for message in json.loads(page)] \
            == ["post {}".format(number) for number in range(5)]
    finally:
        storage.close()


def test_a_refused_post_fails_alone(tmp_path: Path) -> None:
    """When one post of a group points at no conversation, the database
    refuses it and only it: the others are stored."""
    storage = Storage(tmp_path / "chat.sqlite3").open()
    try:
        conversation_id, sender_id = a_conversation(storage)
        results = post_together(storage, [
            (conversation_id, sender_id, "first"),
            ("no-such-conversation", sender_id, "lost"),
            (conversation_id, sender_id, "third")])
        assert isinstance(results[1], sqlite3.IntegrityError)
        assert [results[0]["conversation_id"],
                results[2]["conversation_id"]] == [conversation_id] * 2
        with storage.connection() as connection:
            bodies = [row[0] for row in connection.execute(
                "SELECT message_body FROM messages ORDER BY seq")]
        assert bodies == ["first", "third"]
    finally:
        storage.close()


def test_a_generated_secret_key_is_private_and_kept(tmp_path: Path) -> None:
    """Without MESSAGING_SECRET_KEY a key is made once, mode 0600, and
    tokens survive a restart."""
    path = tmp_path / "chat.sqlite3"
    with live_server(tmp_path, db_path=path) as server:
        person = register(server.base_url)
    key_file = tmp_path / "chat.sqlite3.secret-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= 32
    with live_server(tmp_path, db_path=path) as server:
        person.client.base_url = server.base_url.rstrip("/")
        assert person.client.get("/api/users/me/").status == 200


def test_a_configured_secret_key_wins(tmp_path: Path) -> None:
    """MESSAGING_SECRET_KEY is used as given and no file is written."""
    key = "k" * 40
    settings = load_settings({"MESSAGING_SECRET_KEY": key},
                             db=str(tmp_path / "chat.sqlite3"))
    assert load_secret_key(settings) == key
    assert not settings.secret_key_file.exists()


def test_settings_come_from_the_environment_and_flags(
        tmp_path: Path) -> None:
    """Every variable is read; flags win over MESSAGING_DB."""
    settings = load_settings({
        "MESSAGING_DB": str(tmp_path / "env.sqlite3"),
        "MESSAGING_ACCESS_TOKEN_MINUTES": "5",
        "MESSAGING_REFRESH_TOKEN_DAYS": "1.5",
        "MESSAGING_LOG_FILE": str(tmp_path / "log.txt"),
        "MESSAGING_RATE_LIMIT": "5/60",
        "MESSAGING_MAX_BODY_BYTES": "2048",
        "MESSAGING_MAX_CONNECTIONS": "8",
        "MESSAGING_SOCKET_TIMEOUT": "2.5",
        "MESSAGING_PASSWORD_COST": "1000",
        "MESSAGING_OPEN_HOURS": "6-21",
        "MESSAGING_ALLOWED_ROLES": "admin, host"},
        db=str(tmp_path / "flag.sqlite3"), port=0)
    assert settings == Settings(
        db_path=tmp_path / "flag.sqlite3", port=0,
        access_token_minutes=5, refresh_token_days=1.5,
        log_file=tmp_path / "log.txt", rate_limit=RateLimit(5, 60),
        max_body_bytes=2048, max_connections=8, socket_timeout=2.5,
        password_cost=1000, open_hours=(6, 21),
        allowed_roles=("admin", "host"))
    assert settings.request_log == tmp_path / "log.txt"


def test_defaults_suit_production(tmp_path: Path) -> None:
    """Without variables: 15 minutes, 7 days, 30 messages a minute,
    1 MiB, full password cost, the gates off, the log beside the DB."""
    settings = load_settings({}, db=str(tmp_path / "chat.sqlite3"))
    assert (settings.access_token_minutes, settings.refresh_token_days,
            settings.rate_limit, settings.max_body_bytes,
            settings.password_cost, settings.open_hours,
            settings.allowed_roles) == (15, 7, RateLimit(30, 60), 1 << 20,
                                        600_000, None, ())
    assert settings.request_log == tmp_path / "requests.log"


@pytest.mark.parametrize("name, value, sentence", [
    ("MESSAGING_RATE_LIMIT", "lots", "MESSAGING_RATE_LIMIT must look like "
     "30/60 (messages per seconds), not 'lots'."),
    ("MESSAGING_MAX_CONNECTIONS", "-3", "MESSAGING_MAX_CONNECTIONS must be "
     "a positive whole number, not '-3'."),
    ("MESSAGING_SOCKET_TIMEOUT", "soon", "MESSAGING_SOCKET_TIMEOUT must be "
     "a positive number, not 'soon'."),
    ("MESSAGING_SECRET_KEY", "short", "MESSAGING_SECRET_KEY must be at "
     "least 32 bytes long; leave it unset to have one generated."),
    ("MESSAGING_OPEN_HOURS", "9-9", "MESSAGING_OPEN_HOURS must look like "
     "6-21 (from hour to hour, 0 to 24), not '9-9'."),
    ("MESSAGING_ALLOWED_ROLES", "boss", "MESSAGING_ALLOWED_ROLES may only "
     "name guest, host, admin, not 'boss'."),
])
def test_a_bad_setting_is_one_sentence(name: str, value: str,
                                       sentence: str) -> None:
    """Each wrong value is refused with a sentence naming the setting."""
    with pytest.raises(SettingsError) as refused:
        load_settings({name: value})
    assert str(refused.value) == sentence


def test_a_password_hash_is_salted_and_carries_its_cost() -> None:
    """Same password, different salts; the right one verifies."""
    first, second = hash_password("pw-123456", 1000), hash_password(
        "pw-123456", 1000)
    assert first != second
    assert first.split("$")[:2] == ["pbkdf2_sha256", "1000"]
    assert verify_password("pw-123456", first)
    assert not verify_password("pw-1234567", first)


def test_an_unknown_user_is_checked_against_a_decoy() -> None:
    """No stored hash: False, after the same work as a real check."""
    checker = PasswordChecker(1000)
    assert not checker.check("anything", None)
    assert checker.check("pw-123456", checker.hash("pw-123456"))


def test_a_login_raises_an_old_hash_to_the_current_cost(
        tmp_path: Path) -> None:
    """A hash made at a lower cost is replaced at the next login."""
    path = tmp_path / "chat.sqlite3"
    with live_server(tmp_path, db_path=path, password_cost=1000) as server:
        person = register(server.base_url)
    with live_server(tmp_path, db_path=path, password_cost=2000) as server:
        storage = server.app.services.storage
        assert storage.user_by_id(person.user_id)["password_hash"].split(
            "$")[1] == "1000"
        person.client.base_url = server.base_url.rstrip("/")
        assert person.client.post("/api/token/", {
            "username": person.user["username"],
            "password": person.password}).status == 200
        assert storage.user_by_id(person.user_id)["password_hash"].split(
            "$")[1] == "2000"


def test_a_post_that_cannot_be_encoded_fails_alone(tmp_path: Path) -> None:
    """A body that UTF-8 cannot encode, queued between two others, fails
    with its own error; the others are stored and returned as stored."""
    storage = Storage(tmp_path / "chat.sqlite3").open()
    try:
        conversation_id, sender_id = a_conversation(storage)
        results = post_together(storage, [
            (conversation_id, sender_id, "first"),
            (conversation_id, sender_id, "half \ud83d"),
            (conversation_id, sender_id, "third")])
        assert isinstance(results[1], UnicodeEncodeError)
        with storage.connection() as connection:
            stored = {row[0]: row[1] for row in connection.execute(
                "SELECT message_id, message_body FROM messages")}
        assert stored == {json.loads(results[0]["json"])["message_id"]:
                          "first",
                          json.loads(results[2]["json"])["message_id"]:
                          "third"}
    finally:
        storage.close()
