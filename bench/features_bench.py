"""Benchmark of the messaging track's features on SQLite and MariaDB.

Two questions, each answered by ratios measured side by side in one run,
on each engine:

- Do the unread count and a thread cost the same in a long history? One
  database holds a conversation of 1,000 messages and one of 1,000,000,
  seeded straight into the tables; in each, a reader has 500 unread
  messages and one message has a thread of 100 replies. The reader's
  list of conversations (with its unread count), the first page of their
  unread messages and the first page of the thread are read in both,
  in turns, and the medians compared (the target: at most 1.5 times).
- What does the cache of first pages save? Two applications in this
  process share the database, one with the cache and one without; the
  first page of a conversation and a user's list are requested from each
  in turns, and the medians compared. Then a message posted through the
  one without is looked for on the next page read through the one with.

Run with ``python -m bench.features_bench`` (``make bench`` does); the
MariaDB half starts a throwaway server, or says in one sentence why it
cannot. Results go to bench/results/features.{txt,md}.
"""
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.harness import machine_lines, write_results
from messaging_app.client import Client
from messaging_app.clock import iso_utc
from messaging_app.ids import new_id
from messaging_app.representations import MESSAGE, THREAD_MESSAGE
from messaging_app.storage import MessageFilter, Storage, open_storage
from messaging_app.testing import AppClient, fast_settings, in_process_api
from messaging_app.tokens import ACCESS
from tools.mysql_server import SetupError, start_throwaway
from tools.mysql_testing import mysql_url

SIZES = (1_000, 1_000_000)
UNREAD = 500
# A thread of 100 replies: ten answers to the first message, nine below
# each of them.
CHILDREN, GRANDCHILDREN = 10, 9
BATCH = 10_000
RUNS = 100
WARMUPS = 10
TARGET = 1.5
START = datetime(2024, 1, 1, tzinfo=timezone.utc)
Row = list[object]


@dataclass(frozen=True)
class History:
    """A seeded conversation: its reader, its messages path, the first
    message of its thread."""

    conversation_id: str
    reader_id: str
    writer_id: str
    root_id: str

    @property
    def path(self) -> str:
        """Return the path of the conversation's messages."""
        return f"/api/conversations/{self.conversation_id}/messages/"


def add_user(storage: Storage, name: str) -> str:
    """Store a user who never logs in (tokens are issued directly)."""
    return storage.users.create(
        username=name, email=f"{name}@example.com", password_hash="-",
        first_name=name.title(), last_name="Bench").user_id


def seed(storage: Storage, size: int) -> History:
    """Store a conversation of ``size`` messages, a thread of 100 replies
    in it and a reader 500 messages behind, straight into the tables."""
    reader = add_user(storage, f"reader{size}")
    writer = add_user(storage, f"writer{size}")
    conversation_id = storage.conversations.create(
        [reader, writer]).conversation_id
    ids = insert(storage, conversation_id, writer, [
        (f"message {n} of a long history, about as long as a chat line",
         None, 0) for n in range(size)])
    root = ids[-1]
    answers = insert(storage, conversation_id, writer,
                     [(f"answer {n}", root, 1) for n in range(CHILDREN)])
    insert(storage, conversation_id, writer,
           [(f"reply {n}", parent, 2) for parent in answers
            for n in range(GRANDCHILDREN)])
    total = size + CHILDREN * (1 + GRANDCHILDREN)
    with storage.engine.transaction(write=True) as transaction:
        transaction.execute(
            "UPDATE conversations SET message_count = ? "
            "WHERE conversation_id = ?", (total, conversation_id))
        transaction.execute(
            "UPDATE participants SET message_count = ? "
            "WHERE conversation_id = ? AND user_id = ?",
            (total, conversation_id, writer))
        behind = transaction.value(
            "SELECT message_id FROM messages WHERE conversation_id = ? "
            "ORDER BY sent_at DESC, seq DESC LIMIT 1 OFFSET ?",
            (conversation_id, UNREAD))
    storage.read_markers.move(conversation_id, writer, None)
    storage.read_markers.move(conversation_id, reader, behind)
    return History(conversation_id, reader, writer, root)


def insert(storage: Storage, conversation_id: str, sender_id: str,
           messages: list[tuple[str, str | None, int]]) -> list[str]:
    """Insert messages (body, parent, depth) in batches, each a second
    apart after the last one; return their ids."""
    with storage.engine.transaction() as transaction:
        last = transaction.value(
            "SELECT MAX(sent_at) FROM messages WHERE conversation_id = ?",
            (conversation_id,))
    start = datetime.fromisoformat(last[:-1]).replace(
        tzinfo=timezone.utc) if last else START
    ids = [new_id() for _ in messages]
    rows = [(message_id, conversation_id, sender_id, body,
             iso_utc(start + timedelta(seconds=n + 1)), parent, depth)
            for n, (message_id, (body, parent, depth))
            in enumerate(zip(ids, messages))]
    for first in range(0, len(rows), BATCH):
        with storage.engine.transaction(write=True) as transaction:
            transaction.executemany(
                "INSERT INTO messages (message_id, conversation_id, "
                "sender_id, message_body, sent_at, parent_message_id, "
                "reply_depth) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows[first:first + BATCH])
    return ids


def in_turns(reference: Callable[[], object],
             measured: Callable[[], object]) -> tuple[float, float]:
    """Run two calls in turns (after a warm-up) and return the median
    seconds of each."""
    for _ in range(WARMUPS):
        reference()
        measured()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(RUNS):
        for work, kept in ((reference, times[0]), (measured, times[1])):
            start = time.perf_counter()
            work()
            kept.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def row(engine: str, case: str, reference: str, measured: str,
        seconds: tuple[float, float], target: str) -> Row:
    """Format one line of the table: both medians in ms and their
    ratio."""
    before, after = seconds
    return [engine, case, f"{reference}: {before * 1000:.3f} ms",
            f"{measured}: {after * 1000:.3f} ms", f"{after / before:.2f}",
            target]


def long_history_rows(engine: str, storage: Storage,
                      small: History, big: History) -> list[Row]:
    """Compare the reads of the short and the long history."""
    cases: list[tuple[str, Callable[[History], object]]] = [
        ("a reader's list with its unread count",
         lambda h: storage.conversations.of_member(h.reader_id, 20, 0)),
        ("first page of a reader's unread messages",
         lambda h: storage.messages.page(
             MessageFilter(member_id=h.reader_id, unread=True), 20, 0,
             False, MESSAGE)),
        ("a thread of 100 replies, one page",
         lambda h: storage.threads.page(h.root_id, 101, 0,
                                        THREAD_MESSAGE))]
    return [row(engine, case, "1,000 messages", "1,000,000 messages",
                in_turns(lambda: read(small), lambda: read(big)),
                f"at most {TARGET}")
            for case, read in cases]


@contextmanager
def application(folder: Path, url: str, page_cache: bool,
                user_id: str) -> Iterator[Client]:
    """Yield a client of ``user_id`` to an application in this process on
    the seeded database, with or without the cache."""
    settings = fast_settings(folder, database_url=url,
                             page_cache=page_cache)
    with in_process_api(settings) as api:
        token = api.app.services.tokens.issue(user_id, ACCESS)
        yield AppClient("http://bench", token, api.app)


def cache_rows(engine: str, folder: Path, url: str,
               history: History) -> list[Row]:
    """Compare requests served with and without the cache, then check
    that a post through one application shows on the next read through
    the other."""
    with application(folder, url, False, history.writer_id) as plain, \
            application(folder, url, True, history.reader_id) as cached:
        reader = plain.with_token(cached.token)
        rows = [row(engine, f"GET {what}, in process", "without cache",
                    "with cache", in_turns(lambda: reader.get(path),
                                           lambda: cached.get(path)),
                    "below 1")
                for what, path in (
                    ("first page of a conversation", history.path),
                    ("a user's conversations", "/api/conversations/"))]
        newest = history.path + "?ordering=-sent_at"
        cached.get(newest)
        posted = plain.post(history.path, {"message_body": "fresh"}).body
        seen = cached.get(newest).body["results"][0]["message_id"]
    rows.append([engine, "a post through the application without cache, "
                 "then a read through the one with", "-",
                 "on the next page: " + ("yes" if seen == posted[
                     "message_id"] else "NO"), "-", "yes"])
    return rows


def measure(engine: str, folder: Path, url: str) -> list[Row]:
    """Seed one database and measure everything on it."""
    settings = fast_settings(folder, database_url=url, page_cache=False)
    storage = open_storage(settings.database)
    try:
        print(f"{engine}: seeding {sum(SIZES):,} messages...", flush=True)
        small, big = (seed(storage, size) for size in SIZES)
        rows = long_history_rows(engine, storage, small, big)
    finally:
        storage.close()
    return rows + cache_rows(engine, folder, url, small)


def mariadb_rows(folder: Path) -> list[Row]:
    """Measure on a throwaway MariaDB; say why not when it cannot
    start."""
    try:
        server = start_throwaway(folder / "mariadb")
    except SetupError as error:
        print(f"The MariaDB half of the features benchmark is skipped: "
              f"{error}")
        return []
    try:
        return measure("mariadb", folder, mysql_url(server.env(), "bench"))
    finally:
        server.stop()


def main() -> None:
    """Run both questions on both engines and write the table."""
    with tempfile.TemporaryDirectory(prefix="features-bench-") as scratch:
        folder = Path(scratch)
        (folder / "sqlite").mkdir()
        rows = measure("sqlite", folder / "sqlite", "")
        rows += mariadb_rows(folder)
    write_results(
        "features",
        "messaging_app: unread counts, threads and the page cache",
        machine_lines(),
        ["engine", "case", "reference", "measured", "ratio", "target"],
        rows, NOTES)


NOTES = [
    "Each figure is the median of 100 runs taken in turns with its "
    "reference, after 10 of each to warm up.",
    "The long-history ratios compare the same read in a conversation of "
    "1,000 messages and in one of 1,000,000 (500 unread, a thread of 100 "
    "replies in each).",
    "The cache ratios compare the same request to two applications on "
    "one database, one keeping first pages while their version in the "
    "database is unchanged, one building every page.",
]


if __name__ == "__main__":
    main()
