"""Pytest fixtures: one throwaway MariaDB server for the whole session.

The server lives in a temporary folder for the session and is removed
after it, so the tests never touch the private demo server or a user's
server; it starts only when a test asks for it. ``TEST_MYSQL_HOST`` (with
``TEST_MYSQL_PORT``, ``TEST_MYSQL_USER`` and ``TEST_MYSQL_PASSWORD``)
names another server to use instead. The root ``conftest.py`` loads this
plugin, so every folder's tests share the one server:

- ``mariadb_env``: its ``MYSQL_*`` settings (the chat API's tests make
  databases of their own on it, see ``mysql_url``);
- ``mysql_env``: the same with ``ALX_prodev`` seeded and the settings in
  ``os.environ``, for the generators' scripts (the database is then
  rewritten, also on a server named by ``TEST_MYSQL_HOST``);
- ``memory_path``: an in-memory folder for a test's own server.
"""
import itertools
import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.mysql_server import database_url, start_throwaway
from tools.scripts import ROOT, load_script

GENERATORS = ROOT / "python-generators-0x00"
DATABASE_NUMBERS = itertools.count(1)


@pytest.fixture(scope="session")
def mariadb_env() -> Iterator[dict[str, str]]:
    """Yield the ``MYSQL_*`` variables of the session's test server."""
    names = ("HOST", "PORT", "USER", "PASSWORD")
    if os.environ.get("TEST_MYSQL_HOST"):
        yield {f"MYSQL_{name}": os.environ.get(f"TEST_MYSQL_{name}", "")
               for name in names}
        return
    with tempfile.TemporaryDirectory(prefix="mysql-",
                                     dir=memory_folder()) as folder:
        server = start_throwaway(Path(folder))
        try:
            # InnoDB's log written at each commit and flushed once a
            # second, as SQLite's WAL with synchronous=NORMAL does: a crash
            # of the server process loses nothing, only a power cut may,
            # which a throwaway server never meets.
            server.set_global("innodb_flush_log_at_trx_commit", 2)
            yield server.env()
        finally:
            server.stop()


def memory_folder() -> str | None:
    """Return /dev/shm when it is a writable tmpfs (on Linux), where a
    throwaway server's data costs no disk writes: InnoDB makes every
    CREATE or ALTER durable with a write to disk, and the chat API's
    tests create a database per test of its storage; else None (the
    system's temporary folder)."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


@pytest.fixture
def memory_path() -> Iterator[Path]:
    """Yield a temporary folder in memory where there is one, for a
    server of a test's own: its data is over 100 MB, which a disk would
    take seconds to write. Removed after the test."""
    with tempfile.TemporaryDirectory(dir=memory_folder()) as folder:
        yield Path(folder)


def mysql_url(env: dict[str, str], prefix: str = "test") -> str:
    """Return the URL of a new, unused database on the server of ``env``
    (created by the application on first use)."""
    number = next(DATABASE_NUMBERS)
    return database_url(env, f"{prefix}_{os.getpid()}_{number}")


def seed_database() -> None:
    """Create ``ALX_prodev`` afresh on the server the environment names."""
    seed = load_script(GENERATORS / "seed.py")
    with seed.open_connection() as connection, connection.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS " + seed.DATABASE)
    seed.seed(str(GENERATORS / "user_data.csv"))


@pytest.fixture(scope="session")
def mysql_env(mariadb_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """Yield the ``MYSQL_*`` variables of the test server, ``ALX_prodev``
    seeded once.

    They are in ``os.environ`` too while the session lasts, so scripts
    run by the tests find the server as a user's scripts find theirs.
    """
    saved = {name: os.environ.get(name) for name in mariadb_env}
    os.environ.update(mariadb_env)
    try:
        seed_database()
        yield mariadb_env
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def closed_port() -> Iterator[int]:
    """Yield a loopback port that refuses every connection.

    The socket is bound but does not listen, so connecting is refused at
    once, and nobody else can take the port while the test runs: a server
    that is down, without stopping one.
    """
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]
