#!/usr/bin/env python3
"""Fixtures of the generators' tests, on the seeded test server.

The server itself (``mysql_env``) comes from ``tools.mysql_testing``,
which the root ``conftest.py`` loads: a throwaway MariaDB in a temporary
folder, or the one named by ``TEST_MYSQL_HOST``.
"""
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tools.scripts import load_script

FOLDER = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def seed(mysql_env: dict[str, str]) -> ModuleType:
    """Return the ``seed`` module, connected to the seeded test server."""
    return load_script(FOLDER / "seed.py")


@pytest.fixture
def sql(seed: ModuleType) -> Iterator[Callable[..., list]]:
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
