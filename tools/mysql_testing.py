"""Pytest fixture: a throwaway MySQL server with ``ALX_prodev`` seeded.

The server lives in a temporary folder for the session and is removed
after it, so the tests never touch the private demo server or a user's
server. ``TEST_MYSQL_HOST`` (with ``TEST_MYSQL_PORT``, ``TEST_MYSQL_USER``
and ``TEST_MYSQL_PASSWORD``) names another server to use instead; its
``ALX_prodev`` database is then rewritten by the tests. The root
``conftest.py`` loads this plugin, so the generators' tests and the
repository-wide ones share one server; it starts only when a test asks.
"""
import os
import socket
from collections.abc import Iterator

import pytest

from tools.mysql_server import start_throwaway
from tools.scripts import ROOT, load_script

GENERATORS = ROOT / "python-generators-0x00"


def seed_database() -> None:
    """Create ``ALX_prodev`` afresh on the server the environment names."""
    seed = load_script(GENERATORS / "seed.py")
    with seed.open_connection() as connection, connection.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS " + seed.DATABASE)
    seed.seed(str(GENERATORS / "user_data.csv"))


@pytest.fixture(scope="session")
def mysql_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        dict[str, str]]:
    """Yield the ``MYSQL_*`` variables of the test server, seeded once.

    They are in ``os.environ`` too while the session lasts, so scripts
    run by the tests find the server as a user's scripts find theirs.
    """
    if os.environ.get("TEST_MYSQL_HOST"):
        names = ("HOST", "PORT", "USER", "PASSWORD")
        env = {"MYSQL_" + n: os.environ.get("TEST_MYSQL_" + n, "")
               for n in names}
        server = None
    else:
        server = start_throwaway(tmp_path_factory.mktemp("mysql"))
        env = server.env()
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        seed_database()
        yield env
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if server is not None:
            server.stop()


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
