#!/usr/bin/env python3
"""The command line as a user runs it: ``python -m messaging_app ...`` in
a subprocess, with its exact output and exit status."""
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from messaging_app.client import ApiClient
from messaging_app.storage.schema import MIGRATIONS
from messaging_app.testing import TEST_PASSWORD_COST, live_server, register
from messaging_app.tests.helpers import WAIT
from tools.scripts import ROOT

FAST = {"MESSAGING_PASSWORD_COST": str(TEST_PASSWORD_COST)}
DEMO_OUTPUT = """\
Started the chat API on a free port, with a database in a temporary folder.
POST /api/users/ -> 201 Created
    registered alice (Alice Achieng)
POST /api/token/ -> 200 OK
    alice logged in: got an access and a refresh token
POST /api/users/ -> 201 Created
    registered bob (Bob Baraka)
POST /api/token/ -> 200 OK
    bob logged in: got an access and a refresh token
POST /api/users/ -> 201 Created
    registered carol (Carol Chebet)
POST /api/token/ -> 200 OK
    carol logged in: got an access and a refresh token
POST /api/conversations/ -> 201 Created
    alice opened a conversation with bob
POST /api/conversations/{id}/messages/ -> 201 Created
    alice says: Hi Bob! Are we still on for the code review at 3?
POST /api/conversations/{id}/messages/ -> 201 Created
    bob says: Yes. I'll bring the test results.
POST /api/conversations/{id}/messages/ -> 201 Created
    alice says: Great, see you then.
GET /api/conversations/{id}/messages/ -> 200 OK
    bob reads 3 messages, oldest first:
      alice: Hi Bob! Are we still on for the code review at 3?
      bob: Yes. I'll bring the test results.
      alice: Great, see you then.
GET /api/conversations/{id}/messages/ -> 403 Forbidden
    carol is refused: You are not a participant of this conversation.
GET /api/conversations/{id}/messages/ -> 401 Unauthorized
    no token is refused: Authentication credentials were not provided.
Stopped the server.
"""


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return the environment of a command: no MESSAGING_ variable of the
    developer's shell, plus ``extra``."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("MESSAGING_")}
    env.update(extra or {})
    return env


def command(*args: str, env: dict[str, str] | None = None,
            stdin: str = "") -> subprocess.CompletedProcess:
    """Run ``python -m messaging_app ARGS`` from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "messaging_app", *args], cwd=str(ROOT),
        env=environment(env), input=stdin, capture_output=True, text=True,
        timeout=120)


def test_the_demo_prints_one_conversation(tmp_path: Path) -> None:
    """``demo`` prints its steps exactly and exits 0."""
    done = command("demo", env=FAST)
    assert (done.returncode, done.stdout) == (0, DEMO_OUTPUT)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_its_url_and_stops_cleanly(tmp_path: Path,
                                                stop: int) -> None:
    """One line ``Serving on http://HOST:PORT/``, a working API, and on
    SIGTERM or Ctrl-C exit 0 with the database closed (no WAL left)."""
    db = tmp_path / "chat.sqlite3"
    server = subprocess.Popen(
        [sys.executable, "-m", "messaging_app", "serve", "--port", "0",
         "--db", str(db)], cwd=str(ROOT), env=environment(FAST),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert re.fullmatch(r"Serving on http://127\.0\.0\.1:\d+/\n", line)
        reply = ApiClient(line.split()[-1]).get("/api/health/")
        assert (reply.status, reply.body) == (200, {"status": "ok",
                                                    "database": "ok"})
        server.send_signal(stop)
        assert server.wait(WAIT) == 0
        assert server.stdout.read() == ""
    finally:
        server.kill()
        server.communicate()
    assert db.exists() and not Path(str(db) + "-wal").exists()


def test_a_taken_port_is_one_sentence(tmp_path: Path) -> None:
    """Exit 1 with a sentence that says what to change."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = command("serve", "--port", str(port), "--db",
                       str(tmp_path / "chat.sqlite3"), env=FAST)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        f"Cannot listen on 127.0.0.1:{port}: Address already in use; choose "
        f"another --host or --port.")
    assert "Traceback" not in done.stderr


def test_a_bad_setting_is_one_sentence() -> None:
    """A wrong environment variable stops the command with exit 1."""
    done = command("migrate", env={"MESSAGING_RATE_LIMIT": "lots"})
    assert (done.returncode, done.stdout, done.stderr) == (
        1, "", "MESSAGING_RATE_LIMIT must look like 30/60 (messages per "
        "seconds), not 'lots'.\n")


def test_migrate_reports_the_schema_version(tmp_path: Path) -> None:
    """``migrate`` creates the database and says its version."""
    db = tmp_path / "chat.sqlite3"
    done = command("migrate", "--db", str(db))
    assert (done.returncode, done.stdout) == (
        0, f"The SQLite database {db} is at schema version "
        f"{len(MIGRATIONS)}.\n")


def test_deleteuser_stops_a_running_servers_tokens_at_once(
        tmp_path: Path) -> None:
    """The server remembers accounts, yet the first request after
    ``deleteuser`` (another process) is refused."""
    with live_server(tmp_path) as server:
        person = register(ApiClient(server.base_url))
        assert person.client.get("/api/users/me/").status == 200
        done = command("deleteuser", person.user["username"], "--db",
                       str(server.app.services.settings.db_path))
        assert done.returncode == 0, done.stderr
        reply = person.client.get("/api/users/me/")
        assert (reply.status, reply.body) == (
            401, {"detail": "User not found."})


def test_createuser_and_deleteuser(tmp_path: Path) -> None:
    """An admin is made from the command line (password on standard
    input) and deleted again; mistakes are one sentence."""
    db = str(tmp_path / "chat.sqlite3")
    account = ("createuser", "--username", "root1", "--email",
               "root1@example.com", "--first-name", "Root", "--last-name",
               "Admin", "--role", "admin", "--db", db)
    done = command(*account, env=FAST, stdin="a-good-password\n")
    assert (done.returncode, done.stdout) == (0, "Created root1 (admin).\n")
    connection = sqlite3.connect(db)
    assert connection.execute(
        "SELECT role FROM users WHERE username = 'root1'").fetchall() == [
            ("admin",)]
    connection.close()
    again = command(*account, env=FAST, stdin="a-good-password\n")
    assert (again.returncode, again.stderr) == (
        1, "username: A user with that username already exists.\n")
    short = command(*account[:2], "root2", *account[3:], env=FAST,
                    stdin="short\n")
    assert short.stderr == (
        "password: Ensure this field has at least 8 characters.\n")
    done = command("deleteuser", "root1", "--db", db)
    assert (done.returncode, done.stdout) == (0, "Deleted root1.\n")
    done = command("deleteuser", "root1", "--db", db)
    assert (done.returncode, done.stderr) == (1, "No user is called root1.\n")
