"""What the tests and the benchmarks share: quick settings, clients,
people, and servers to talk to.

- ``AppClient`` hands requests to an ``Application`` in this process, with
  no socket: the behaviour of the API (statuses, bodies, permissions,
  validation) is tested through it, on every storage engine.
- ``live_server`` runs the real HTTP server in a thread of this process;
  ``LiveServer`` runs ``python -m messaging_app serve`` as a child process
  that a test can kill, restart or run twice on one database.
- ``register`` and ``conversation_between`` make people and conversations
  through the API itself, over either kind of client.
"""
import itertools
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from messaging_app.app import Application, build_application
from messaging_app.client import Client, Reply
from messaging_app.request import Request
from messaging_app.router import Route
from messaging_app.server import ApiServer, running_server
from messaging_app.settings import (RATE_LIMITS, RateLimit, Settings,
                                    rate_limit_variable)

ROOT = Path(__file__).resolve().parent.parent
# An id that names nothing (a fixed one, so that tests collect alike in
# every worker of a parallel run).
UNKNOWN_ID = "8ad0c03f-d28e-4e8a-a3ad-52fe0753843d"
# The one setting tests lower for speed: a thousand PBKDF2 iterations.
TEST_PASSWORD_COST = 1000
# Tests register, log in and post far more from one address than anyone
# should: every rate limit is raised out of reach unless a test sets one.
UNREACHED = (1_000_000, 60)
NAMES = itertools.count(1)
REQUEST_NUMBERS = itertools.count(1)


def rate_limits(**limits: tuple[int, float]) -> dict[str, RateLimit]:
    """Return every rate limit out of reach, but those given as
    ``name=(hits, seconds)``."""
    return {name: replace(default, limit=limits.get(name, UNREACHED)[0],
                          window_seconds=limits.get(name, UNREACHED)[1])
            for name, default in RATE_LIMITS.items()}


def rate_limits_env(**limits: str) -> dict[str, str]:
    """Return the variables that raise every rate limit out of reach of a
    server process, but those given as ``name="hits/seconds"``."""
    hits, seconds = UNREACHED
    return {rate_limit_variable(name): limits.get(name, f"{hits}/{seconds}")
            for name in RATE_LIMITS}


def fast_settings(folder: Path, **changes: Any) -> Settings:
    """Return test settings with their files in ``folder``: a low
    password cost, rate limits nobody reaches, a free port."""
    base = Settings(db_path=folder / "messaging.sqlite3", port=0,
                    log_file=folder / "requests.log",
                    password_cost=TEST_PASSWORD_COST,
                    rate_limits=rate_limits())
    return replace(base, **changes)


@dataclass
class AppClient(Client):
    """A client whose requests go straight to ``app.handle``: everything
    the API does except the socket."""

    app: Application | None = None
    client_ip: str = "127.0.0.1"

    def send(self, method: str, path: str, headers: dict[str, str],
             body: bytes | None) -> Reply:
        """Build the Request the server would, let the app answer it."""
        assert self.app is not None
        target = urlsplit(path)
        fields = {name.lower(): value for name, value in headers.items()}
        if body is not None:
            fields["content-length"] = str(len(body))
            # As urllib does, which the HTTP tests use.
            fields.setdefault("content-type",
                              "application/x-www-form-urlencoded")
        request = Request(
            method=method, path=target.path or "/",
            query=parse_qs(target.query, keep_blank_values=True),
            headers=fields, client_ip=self.client_ip,
            base_url=f"{self.base_url}/",
            read_body=lambda size: (body or b"")[:size],
            max_body_bytes=self.app.services.settings.max_body_bytes,
            request_id=f"test-{next(REQUEST_NUMBERS)}")
        response = self.app.handle(request)
        answer = Message()
        for name, value in response.headers:
            answer[name] = value
        return Reply(response.status, answer, response.body)


@dataclass
class InProcessApi:
    """An Application on its own database, with clients and SQL access."""

    app: Application

    def client(self, token: str | None = None,
               client_ip: str = "127.0.0.1") -> AppClient:
        """Return a client of this API, with ``token`` if given."""
        return AppClient("http://testserver", token, self.app, client_ip)

    def rows(self, sql: str, *params: object) -> list[tuple]:
        """Run a query on the API's database (``?`` placeholders)."""
        engine = self.app.services.storage.engine
        with engine.transaction() as transaction:
            return transaction.rows(sql, params)

    def execute(self, sql: str, *params: object) -> int:
        """Run a statement on the API's database and commit it."""
        engine = self.app.services.storage.engine
        with engine.transaction(write=True) as transaction:
            return transaction.execute(sql, params)


@contextmanager
def in_process_api(settings: Settings,
                   routes: list[Route] | None = None
                   ) -> Iterator[InProcessApi]:
    """Build the API from ``settings`` for the ``with`` block, then
    close it."""
    app = build_application(settings, routes)
    try:
        yield InProcessApi(app)
    finally:
        app.close()


@contextmanager
def live_server(folder: Path, routes: list[Route] | None = None,
                server_class: type = ApiServer,
                **changes: Any) -> Iterator[ApiServer]:
    """Run the HTTP server in a thread, with test settings, for the
    ``with`` block."""
    with running_server(fast_settings(folder, **changes), routes,
                        server_class) as server:
        yield server


class ChildServer:
    """A server child process that announces ``Serving on URL`` first."""

    def __init__(self, command: Sequence[str],
                 env: Mapping[str, str] | None = None) -> None:
        """Start ``command`` from the repository root; wait for its URL."""
        self.process = subprocess.Popen(
            list(command), cwd=str(ROOT), env=dict(os.environ, **(env or {})),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("Serving on http://"):
            self.kill()
            raise RuntimeError(f"the server did not start: {line!r}")
        self.url = line.split()[-1]
        parts = urlsplit(self.url)
        self.address = (str(parts.hostname), int(parts.port or 80))
        # Before any connection: what the server runs with when idle.
        self.idle_threads = self.thread_count()

    def thread_count(self) -> int:
        """Return how many threads the server process has right now."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines()
                    if x.startswith("Threads:"))
        return int(line.split()[1])

    def stop(self) -> int:
        """Stop the server as Ctrl-C would and return its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        finally:
            self.kill()

    def kill(self) -> None:
        """Kill the server at once, as a crash would, and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


class LiveServer(ChildServer):
    """``python -m messaging_app serve`` on a free loopback port."""

    def __init__(self, db_path: Path, env: Mapping[str, str] | None = None,
                 database_url: str = "") -> None:
        """Start the API on ``database_url`` (or the SQLite file
        ``db_path``) with the tests' password cost and rate limits; its
        request log goes beside ``db_path``, and ``env`` adds
        settings."""
        self.db_path = Path(db_path)
        settings = {"MESSAGING_PASSWORD_COST": str(TEST_PASSWORD_COST),
                    "MESSAGING_LOG_FILE": str(
                        self.db_path.with_suffix(".log")),
                    **rate_limits_env()}
        if database_url:
            settings["MESSAGING_DATABASE_URL"] = database_url
        settings.update(env or {})
        super().__init__(
            [sys.executable, "-m", "messaging_app", "serve", "--port", "0",
             "--db", str(self.db_path)], settings)


class GunicornServer:
    """``gunicorn`` running ``messaging_app.wsgi:application`` with
    ``workers`` processes of eight threads each on a free loopback port,
    configured by ``env`` (the ``MESSAGING_*`` variables) on top of the
    tests' rate limits."""

    def __init__(self, workers: int, env: Mapping[str, str]) -> None:
        """Start gunicorn and wait until it listens and every worker has
        booted."""
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "-w", str(workers), "-k", "gthread",
             "--threads", "8", "-b", "127.0.0.1:0",
             "messaging_app.wsgi:application"],
            cwd=str(ROOT), env={**os.environ, **rate_limits_env(), **env},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert self.process.stderr is not None
        self.url, booting = "", workers
        for line in self.process.stderr:
            if "Listening at: " in line:
                self.url = line.split("Listening at: ")[1].split()[0]
            booting -= "Booting worker" in line
            if self.url and not booting:
                break
        if not self.url or booting:
            self.stop()
            raise RuntimeError("gunicorn did not start")
        # Keep reading its log, so that a full pipe never blocks it.
        threading.Thread(target=self.process.stderr.read,
                         daemon=True).start()

    def pids(self) -> list[int]:
        """Return the pids of gunicorn and of its workers."""
        children = Path(f"/proc/{self.process.pid}/task/"
                        f"{self.process.pid}/children")
        return [self.process.pid, *map(int, children.read_text().split())]

    def stop(self) -> None:
        """Stop gunicorn (SIGTERM lets the workers finish) and reap it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


@dataclass
class Person:
    """A registered, logged-in user: their client, record and tokens."""

    client: Client
    user: dict
    password: str
    refresh: str

    @property
    def user_id(self) -> str:
        """Return the user's id."""
        return str(self.user["user_id"])


def register(client: Client, prefix: str = "user") -> Person:
    """Register a new user with a unique name through ``client`` and log
    them in; their own client carries their access token."""
    name = f"{prefix}{next(NAMES)}"
    password = f"{name}-secret-pw"
    anonymous = client.with_token(None)
    reply = anonymous.post("/api/users/", {
        "username": name, "email": f"{name}@example.com",
        "password": password, "first_name": name.title(),
        "last_name": "Tester", "phone_number": "+254700000000"})
    assert reply.status == 201, reply.body
    tokens = anonymous.post("/api/token/", {
        "username": name, "password": password}).body
    return Person(anonymous.with_token(tokens["access"]), reply.body,
                  password, tokens["refresh"])


def conversation_between(owner: Person, *others: Person) -> str:
    """Open a conversation from ``owner`` with ``others``; return its
    messages path."""
    reply = owner.client.post("/api/conversations/", {
        "participants": [other.user_id for other in others]})
    assert reply.status == 201, reply.body
    return f"/api/conversations/{reply.body['conversation_id']}/messages/"
