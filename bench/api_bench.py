"""Load benchmark of the chat API, every figure a ratio measured in one run.

``wrk`` drives 16 keep-alive connections from 2 threads over loopback.
Two targets are compared by alternating runs of them, reference first and
last (A B A B A B A): each run of the subject is set against the mean rate
of the reference runs just before and after it, because this machine's
speed drifts from minute to minute, and the table shows the median of the
three ratios. Four comparisons:

- one ``serve`` process on SQLite against the bare stack it runs on (a
  ``JSONServer`` answering a small JSON body with the same socket
  settings): the health check, a page of 20 from 10,000 messages, a post;
- two gunicorn workers against that one process, on SQLite;
- MariaDB against SQLite, two gunicorn workers each;
- a page from a history of 1,000,000 messages against one from 1,000, on
  each engine, for every shape of list: one conversation (oldest and
  newest first, by sender, the last minutes), and all of the caller's
  conversations (alone and by sender).

Each row also gives the server's CPU time per request (all its processes,
over the run, divided by the requests). Histories are seeded straight into
the tables, as a server that had received them one by one would have them.
MariaDB is a throwaway server with its log flushed once a second, the
durability of SQLite's WAL with ``synchronous=NORMAL``.

``python -m bench.api_bench`` runs it (``make bench`` does); ``python -m
bench.api_bench bare`` is the bare server.
"""
import json
import os
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

from bench.harness import machine_lines, write_results
from messaging_app.client import ApiClient
from messaging_app.clock import iso_utc
from messaging_app.httphandler import JSONRequestHandler
from messaging_app.httpserver import JSONServer
from messaging_app.ids import new_id
from messaging_app.storage import open_storage
from messaging_app.testing import (ChildServer, GunicornServer, LiveServer,
                                   Person, conversation_between, register)
from tools.mysql_server import SetupError, start_throwaway
from tools.mysql_testing import mysql_url

CONNECTIONS = 16
THREADS = 2
SECONDS = 10
SHAPE_SECONDS = 4
WARMUP_SECONDS = 3
ROUNDS = 3
P99_TARGET_MS = 20.0
LUA = Path(__file__).resolve().with_suffix(".lua")
WRK_INSTALL = "apt-get update && apt-get install -y wrk"
# The posts must measure the API with its rate limiter counting, not its
# 429s; tokens must outlive the run; every server signs with one key.
SETTINGS = {"MESSAGING_RATE_LIMIT": "1000000000/60",
            "MESSAGING_ACCESS_TOKEN_MINUTES": "120",
            "MESSAGING_MAX_CONNECTIONS_PER_ADDRESS": "64",
            "MESSAGING_SECRET_KEY": secrets.token_urlsafe(48)}
SEED_BATCH = 10_000
# The histories: the page read's, and the short and long of the shapes.
PAGE_HISTORY, SHORT, LONG = 10_000, 1_000, 1_000_000


class Case(NamedTuple):
    """What wrk sends: a method, a path, a token and a JSON body."""

    name: str
    method: str
    path: str
    token: str = ""
    body: str = ""


BARE = Case("bare server, GET /", "GET", "/")


class Target(NamedTuple):
    """A running server: its URL and how to find its processes."""

    url: str
    pids: Callable[[], list[int]]


class Run(NamedTuple):
    """One wrk pass: requests per second, p99, failures, CPU per
    request."""

    rate: float
    p99_ms: float
    failures: int
    cpu_us: float


class Comparison(NamedTuple):
    """A subject against its reference, from alternating runs."""

    subject: list[Run]
    reference: list[Run]
    ratios: list[float]

    @property
    def ratio(self) -> float:
        """Return the median ratio of the subject's rate to the
        reference's."""
        return statistics.median(self.ratios)

    def median(self, runs: list[Run], field: str) -> float:
        """Return the median of one field over some runs."""
        return statistics.median(getattr(run, field) for run in runs)


def find_wrk() -> str | None:
    """Return the path of ``wrk``, installing it as root on Debian; say in
    one sentence what to run when it is missing."""
    found = shutil.which("wrk")
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["sh", "-c", f"({WRK_INSTALL}) >/dev/null 2>&1"],
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
                       check=False)
        found = shutil.which("wrk")
    if not found:
        print(f"The API benchmark needs wrk: run 'sudo {WRK_INSTALL}'.")
    return found


def cpu_seconds(pids: list[int]) -> float:
    """Return the CPU time (user and system) these processes used so
    far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1]
        total += sum(int(value) for value in fields.split()[11:13])
    return total / os.sysconf("SC_CLK_TCK")


def run_wrk(wrk: str, target: Target, case: Case, seconds: int) -> Run:
    """Run one wrk pass of ``case`` against ``target``."""
    pids = target.pids()
    before = cpu_seconds(pids)
    done = subprocess.run(
        [wrk, "-t", str(THREADS), "-c", str(CONNECTIONS), "-d",
         f"{seconds}s", "--latency", "-s", str(LUA),
         target.url.rstrip("/") + case.path, "--", case.method, case.token,
         case.body], capture_output=True, text=True, check=True)
    used = cpu_seconds(pids) - before
    result = json.loads(done.stdout.strip().splitlines()[-1])
    requests = max(result["requests"], 1)
    if result["non_2xx"] + result["socket_errors"]:
        explain_failures(target, case)
    return Run(requests / result["duration_us"] * 1e6,
               result["p99_us"] / 1000,
               result["non_2xx"] + result["socket_errors"],
               used / requests * 1e6)


def explain_failures(target: Target, case: Case) -> None:
    """Say what the server answers a case that failed under load."""
    reply = ApiClient(target.url, case.token or None).request(
        case.method, case.path,
        raw=case.body.encode() if case.body else None,
        headers={"Content-Type": "application/json"} if case.body else {})
    print(f"{case.name}: answers outside 2xx under load; now "
          f"{reply.status} {reply.raw[:200]!r}", flush=True)


def compare(wrk: str, reference: tuple[Target, Case],
            subject: tuple[Target, Case],
            seconds: int = SECONDS) -> Comparison:
    """Warm both up, then alternate runs, reference first and last, and
    set each subject run against the reference runs around it."""
    run_wrk(wrk, *reference, WARMUP_SECONDS)
    run_wrk(wrk, *subject, WARMUP_SECONDS)
    references = [run_wrk(wrk, *reference, seconds)]
    subjects = []
    for _ in range(ROUNDS):
        subjects.append(run_wrk(wrk, *subject, seconds))
        references.append(run_wrk(wrk, *reference, seconds))
    ratios = [run.rate / ((before.rate + after.rate) / 2)
              for run, before, after in zip(subjects, references,
                                            references[1:])]
    return Comparison(subjects, references, ratios)


def bare_server() -> None:
    """Serve a small JSON body on a free port until SIGTERM (child
    mode)."""
    class BareHandler(JSONRequestHandler):
        """Answers every GET with a small JSON body and nothing else."""

        def do_GET(self) -> None:
            """Send ``{"status": "ok"}`` in one write, as the API would."""
            self.send_json(200, {"status": "ok"})

    server = JSONServer(("127.0.0.1", 0), BareHandler)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"Serving on {server.base_url}", flush=True)
    stopping.wait()
    server.stop()


@dataclass
class Seeded:
    """The people and conversations of a seeded database."""

    writer: Person
    page: str
    posts: str
    short: "History"
    long: "History"


@dataclass
class History:
    """A conversation seeded with a history: its path, the caller who
    reads it, the other participant (a sender), and a time near its
    end."""

    path: str
    caller: Person
    other: Person
    recent: str

    def shapes(self) -> list[Case]:
        """Return the list shapes read by the caller, at this size."""
        token = self.caller.client.token or ""
        conversation_id = self.path.split("/")[3]
        sender = self.other.user_id
        return [Case(name, "GET", path, token) for name, path in [
            ("one conversation", self.path),
            ("newest first", f"{self.path}?ordering=-sent_at"),
            ("by sender", f"{self.path}?sender={sender}"),
            ("its last 100", f"{self.path}?sent_after={self.recent}"),
            ("all conversations", "/api/messages/"),
            ("all, by sender", f"/api/messages/?sender={sender}"),
            ("all, one conversation",
             f"/api/messages/?conversation={conversation_id}")]]


def fill(url: str, path: str, senders: tuple[Person, Person],
         count: int) -> str:
    """Insert ``count`` messages, one second apart, alternating senders,
    into a conversation, in batches, and set its kept counts; return the
    time of its 100th message from the end."""
    conversation_id = path.split("/")[3]
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    storage = open_storage(url)
    try:
        for first in range(0, count, SEED_BATCH):
            rows = [(new_id(), conversation_id,
                     senders[number % 2].user_id, f"seeded message {number}",
                     iso_utc(start + timedelta(seconds=number)))
                    for number in range(first, min(first + SEED_BATCH,
                                                   count))]
            with storage.engine.transaction(write=True) as transaction:
                transaction.executemany(
                    "INSERT INTO messages (message_id, conversation_id, "
                    "sender_id, message_body, sent_at) "
                    "VALUES (?, ?, ?, ?, ?)", rows)
        with storage.engine.transaction(write=True) as transaction:
            transaction.execute(
                "UPDATE participants SET message_count = (SELECT COUNT(*) "
                "FROM messages AS m WHERE m.conversation_id = ? AND "
                "m.sender_id = participants.user_id) "
                "WHERE conversation_id = ?", (conversation_id,) * 2)
            transaction.execute(
                "UPDATE conversations SET message_count = ? "
                "WHERE conversation_id = ?", (count, conversation_id))
    finally:
        storage.close()
    return iso_utc(start + timedelta(seconds=max(count - 100, 0)))


def seed(url: str, server_url: str) -> Seeded:
    """Register people through a server and seed their conversations:
    10,000 messages to page through, an empty one to post to, and a
    1,000- and a 1,000,000-message history with readers of their own."""
    client = ApiClient(server_url)
    writer, reader = register(client), register(client)
    page = conversation_between(writer, reader)
    fill(url, page, (writer, reader), PAGE_HISTORY)
    histories = []
    for size in (SHORT, LONG):
        caller, other = register(client), register(client)
        path = conversation_between(caller, other)
        recent = fill(url, path, (caller, other), size)
        histories.append(History(path, caller, other, recent))
    return Seeded(writer, page, conversation_between(writer, reader),
                  *histories)


def settle(url: str) -> None:
    """Leave a seeded SQLite file as a running server would have it:
    checkpointed, its WAL empty, on disk (a million rows in batches leave
    a WAL far longer than a server's)."""
    if url.startswith("sqlite:"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
    os.sync()


@contextmanager
def databases(folder: Path) -> Iterator[dict[str, str]]:
    """Yield the URL of a SQLite file and of a MariaDB database (on a
    throwaway server, when one can be started) for the run."""
    urls = {"SQLite": f"sqlite:///{folder}/bench.sqlite3"}
    server = None
    try:
        server = start_throwaway(folder / "mariadb")
        server.set_global("innodb_flush_log_at_trx_commit", 2)
        server.set_global("innodb_buffer_pool_size", 1 << 30)
        urls["MariaDB"] = mysql_url(server.env(), "bench")
    except SetupError as error:
        print(f"MariaDB is left out: {error}")
    try:
        yield urls
    finally:
        if server is not None:
            server.stop()


def single(url: str, folder: Path) -> LiveServer:
    """Start one ``serve`` process on the database of ``url``."""
    if url.startswith("sqlite:"):
        return LiveServer(Path(url.removeprefix("sqlite:///")), SETTINGS)
    return LiveServer(folder / "serve.sqlite3", SETTINGS, url)


def workers(url: str, folder: Path) -> GunicornServer:
    """Start gunicorn with two workers on the database of ``url``."""
    env = dict(SETTINGS, MESSAGING_LOG_FILE=str(folder / "gunicorn.log"))
    if url.startswith("sqlite:"):
        env["MESSAGING_DB"] = url.removeprefix("sqlite:///")
    else:
        env["MESSAGING_DATABASE_URL"] = url
    return GunicornServer(2, env)


def target_of(server: LiveServer | ChildServer | GunicornServer) -> Target:
    """Describe a started server as a benchmark target."""
    if isinstance(server, GunicornServer):
        return Target(server.url, server.pids)
    pid = server.process.pid
    return Target(server.url, lambda: [pid])


def cases(seeded: Seeded) -> tuple[Case, Case, Case]:
    """Return the health check, the page read and the post."""
    token = seeded.writer.client.token or ""
    return (Case("GET /api/health/", "GET", "/api/health/"),
            Case("GET page of 20, 10,000 messages", "GET", seeded.page,
                 token),
            Case("POST a message", "POST", seeded.posts, token,
                 json.dumps({"message_body": "Hello, load!"})))


def row(name: str, comparison: Comparison, target: float | None,
        p99_target: bool = False, at_most: bool = False) -> list[str]:
    """Render one comparison as a table row, with its verdict on the
    ratio (at least ``target``, or at most it) and on p99."""
    subject, reference = comparison.subject, comparison.reference
    p99 = comparison.median(subject, "p99_ms")
    verdict = ""
    if target is not None:
        met = (comparison.ratio <= target if at_most
               else comparison.ratio >= target)
        verdict = f" ({'<=' if at_most else '>='} {target:.2f} " + (
            "met)" if met else "MISSED)")
    p99_cell = f"{p99:.1f}"
    if p99_target and p99 >= P99_TARGET_MS:
        p99_cell += " MISSED"
    return [name, f"{comparison.median(subject, 'rate'):.0f}", p99_cell,
            str(sum(run.failures for run in subject)),
            f"{comparison.median(subject, 'cpu_us'):.0f}",
            f"{comparison.median(reference, 'rate'):.0f}",
            f"{comparison.median(reference, 'cpu_us'):.0f}",
            f"{comparison.ratio:.2f}{verdict}",
            ", ".join(f"{ratio:.2f}" for ratio in comparison.ratios)]


def measure(wrk: str, folder: Path) -> list[list[str]]:
    """Seed each engine's database and run every comparison."""
    rows: list[list[str]] = []
    single_targets: dict[str, Target] = {}
    with databases(folder) as urls:
        seeded: dict[str, Seeded] = {}
        servers: dict[str, LiveServer] = {}
        try:
            for engine, url in urls.items():
                servers[engine] = single(url, folder)
                seeded[engine] = seed(url, servers[engine].url)
                settle(url)
                single_targets[engine] = target_of(servers[engine])
            rows += against_bare(wrk, single_targets["SQLite"],
                                 seeded["SQLite"])
            for engine in urls:
                rows += long_against_short(wrk, engine,
                                           single_targets[engine],
                                           seeded[engine])
        finally:
            for server in servers.values():
                server.stop()
        rows += scale_out(wrk, folder, urls, seeded)
    return rows


def against_bare(wrk: str, api: Target, seeded: Seeded) -> list[list[str]]:
    """One serve process against the bare server, for each case."""
    bare = ChildServer([sys.executable, "-m", "bench.api_bench", "bare"])
    try:
        reference = (target_of(bare), BARE)
        health, page, post = cases(seeded)
        return [row(f"{case.name}: one process / bare server",
                    compare(wrk, reference, (api, case)), target, True)
                for case, target in ((health, 0.70), (page, 0.35),
                                     (post, 0.25))]
    finally:
        bare.stop()


def long_against_short(wrk: str, engine: str, api: Target,
                       seeded: Seeded) -> list[list[str]]:
    """A page from 1,000,000 messages against one from 1,000, per list
    shape: the ratio of their rates is how much longer the long one
    takes (at most 1.5)."""
    return [row(f"{engine}, {short.name}: page of {SHORT:,} / of "
                f"{LONG:,}", compare(wrk, (api, long), (api, short),
                                     SHAPE_SECONDS), 1.5, at_most=True)
            for short, long in zip(seeded.short.shapes(),
                                   seeded.long.shapes())]


def scale_out(wrk: str, folder: Path, urls: dict[str, str],
              seeded: dict[str, Seeded]) -> list[list[str]]:
    """Two gunicorn workers against one serve process (SQLite), then
    MariaDB against SQLite with two workers each."""
    rows = []
    one = single(urls["SQLite"], folder)
    two = workers(urls["SQLite"], folder)
    try:
        _, page, post = cases(seeded["SQLite"])
        for case, target in ((page, 1.3), (post, None)):
            rows.append(row(f"{case.name}: two workers / one process",
                            compare(wrk, (target_of(one), case),
                                    (target_of(two), case)), target))
    finally:
        one.stop()
    if "MariaDB" not in urls:
        two.stop()
        return rows
    other = workers(urls["MariaDB"], folder)
    try:
        sqlite_cases, mariadb_cases = (cases(seeded[engine])
                                       for engine in ("SQLite", "MariaDB"))
        for index in (1, 2):
            rows.append(row(
                f"{mariadb_cases[index].name}: MariaDB / SQLite, two "
                f"workers each",
                compare(wrk, (target_of(two), sqlite_cases[index]),
                        (target_of(other), mariadb_cases[index])), 0.5))
    finally:
        other.stop()
        two.stop()
    return rows


def main() -> None:
    """Run every comparison and write the table."""
    wrk = find_wrk()
    if wrk is None:
        return
    with tempfile.TemporaryDirectory(prefix="api-bench-") as folder:
        rows = measure(wrk, Path(folder))
    version = subprocess.run([wrk, "--version"], capture_output=True,
                             text=True).stdout.split(" [")[0]
    write_results(
        "messaging_api", "messaging_app under load",
        machine_lines([("load", f"{version}, {CONNECTIONS} connections, "
                        f"{THREADS} threads, {SECONDS} s runs ("
                        f"{SHAPE_SECONDS} s for the list shapes), "
                        f"{ROUNDS} of the subject between {ROUNDS + 1} of "
                        f"the reference, after a {WARMUP_SECONDS} s "
                        f"warm-up")]),
        ["comparison (subject / reference)", "subject requests/s",
         "subject p99 ms", "subject non-2xx", "subject CPU us/request",
         "reference requests/s", "reference CPU us/request",
         "ratio (median)", "each ratio"], rows,
        ["Each run of the subject lies between two runs of the reference; "
         "its ratio is its rate over their mean rate, and the table shows "
         "the median of the three.",
         f"p99 target: under {P99_TARGET_MS:.0f} ms for the one-process "
         f"cases; non-2xx target: 0 everywhere.",
         "CPU us/request: the CPU time of every process of the server "
         "during a run over its requests."])


if __name__ == "__main__":
    if sys.argv[1:] == ["bare"]:
        bare_server()
    else:
        main()
