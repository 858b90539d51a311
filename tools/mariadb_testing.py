"""A throwaway MariaDB server for the test session, as a pytest plugin.

The root ``conftest.py`` loads it, so any folder's tests can ask for the
``mariadb_env`` fixture: the ``MYSQL_*`` settings of a server started in a
temporary folder on first use and stopped after the session, or of the
server named by ``TEST_MYSQL_HOST`` (with ``TEST_MYSQL_PORT``,
``TEST_MYSQL_USER``, ``TEST_MYSQL_PASSWORD``). Tests never touch the
private demo server or a user's own.
"""
import itertools
import os
from collections.abc import Iterator
from urllib.parse import quote

import mysql.connector
import pytest

from tools.mysql_server import start_throwaway

DATABASE_NUMBERS = itertools.count(1)


@pytest.fixture(scope="session")
def mariadb_env(tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[dict[str, str]]:
    """Yield the ``MYSQL_*`` variables of the session's test server."""
    names = ("HOST", "PORT", "USER", "PASSWORD")
    if os.environ.get("TEST_MYSQL_HOST"):
        yield {f"MYSQL_{name}": os.environ.get(f"TEST_MYSQL_{name}", "")
               for name in names}
        return
    server = start_throwaway(tmp_path_factory.mktemp("mariadb"))
    try:
        relax_durability(server.env())
        yield server.env()
    finally:
        server.stop()


def relax_durability(env: dict[str, str]) -> None:
    """Write InnoDB's log at each commit and flush it to disk once a
    second, as SQLite's WAL with ``synchronous=NORMAL`` does: a crash of
    the server process loses nothing, only a power cut may. A throwaway
    server never meets a power cut, and its tests run far faster."""
    connection = mysql.connector.connect(
        host=env["MYSQL_HOST"], port=int(env["MYSQL_PORT"]),
        user=env["MYSQL_USER"], password=env["MYSQL_PASSWORD"])
    try:
        cursor = connection.cursor()
        cursor.execute("SET GLOBAL innodb_flush_log_at_trx_commit = 2")
        cursor.close()
    finally:
        connection.close()


def mysql_url(env: dict[str, str], prefix: str = "test") -> str:
    """Return the URL of a new, unused database on the server of ``env``
    (created by the application on first use)."""
    user = quote(env["MYSQL_USER"], safe="")
    password = quote(env["MYSQL_PASSWORD"], safe="")
    number = next(DATABASE_NUMBERS)
    return (f"mysql://{user}:{password}@{env['MYSQL_HOST']}:"
            f"{env['MYSQL_PORT'] or 3306}/{prefix}_{os.getpid()}_{number}")
