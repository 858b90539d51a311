#!/usr/bin/env python3
"""A throwaway MySQL server and the seeded ``ALX_prodev`` for these tests.

The server lives in a temporary folder for the session and is removed after
it, so the tests never touch the private demo server or a user's server.
``TEST_MYSQL_HOST`` (with ``TEST_MYSQL_PORT``, ``TEST_MYSQL_USER`` and
``TEST_MYSQL_PASSWORD``) names another server to use instead; its
``ALX_prodev`` database is then rewritten by the tests.
"""
import os
from pathlib import Path
from typing import Dict, Iterator

import pytest

from tools.mysql_server import start_throwaway
from tools.scripts import load_script

FOLDER = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def mysql_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        Dict[str, str]]:
    """Yield the ``MYSQL_*`` variables of the test server, seeded once."""
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
    seed = load_script(FOLDER / "seed.py")
    with seed.open_connection() as connection, connection.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS " + seed.DATABASE)
    seed.seed(str(FOLDER / "user_data.csv"))
    try:
        yield env
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if server is not None:
            server.stop()


@pytest.fixture(scope="session")
def seed(mysql_env: Dict[str, str]) -> object:
    """Return the ``seed`` module, connected to the seeded test server."""
    return load_script(FOLDER / "seed.py")


@pytest.fixture
def sql(seed: object) -> Iterator[object]:
    """Return a function that runs one query on ``ALX_prodev``."""
    def run(query: str, params: tuple = ()) -> list:
        """Run ``query`` and return all its rows."""
        with seed.open_connection(database=seed.DATABASE) as connection, \
                connection.cursor() as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall() if cursor.with_rows else []
            connection.commit()
            return rows
    yield run
