#!/usr/bin/env python3
"""Fixtures of the API tests: the API on each storage engine, people, and
a live HTTP server.

``api`` is the Application in this process on a database of its own,
once on SQLite and once on a throwaway MariaDB: every test that uses it
(through ``anonymous`` or ``make_person``) runs on both engines. ``chat`` is
two of them in a conversation. ``server`` is a real HTTP server, for the
tests where the socket is the point.
"""
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from messaging_app.client import Client
from messaging_app.server import ApiServer
from messaging_app.testing import (InProcessApi, Person,
                                   conversation_between, fast_settings,
                                   in_process_api, live_server, register)
from tools.mysql_testing import mysql_url

ENGINES = ("sqlite", "mariadb")


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Return the name of the storage engine a test runs on."""
    return str(request.param)


@pytest.fixture(scope="session")
def new_database(engine: str, request: pytest.FixtureRequest
                 ) -> Callable[[Path], str]:
    """Return a function giving the database URL of a new, empty
    database for files in a folder (empty for SQLite: the file goes in
    the folder)."""
    if engine == "sqlite":
        return lambda folder: ""
    env = request.getfixturevalue("mariadb_env")
    return lambda folder: mysql_url(env, "chat")


@pytest.fixture(scope="session")
def api(new_database: Callable[[Path], str],
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    """Return the session's API in this process, on the engine's
    database."""
    folder = tmp_path_factory.mktemp("api")
    settings = fast_settings(folder, database_url=new_database(folder))
    with in_process_api(settings) as running:
        yield running


@pytest.fixture
def anonymous(api: InProcessApi) -> Client:
    """Return a client without a token."""
    return api.client()


@pytest.fixture
def make_person(api: InProcessApi) -> Callable[[], Person]:
    """Return a function that registers and logs in a new user."""
    return lambda: register(api.client())


@pytest.fixture
def chat(make_person: Callable[[], Person]) -> tuple[Person, Person, str]:
    """Return two people and the messages path of their conversation."""
    alice, bob = make_person(), make_person()
    return alice, bob, conversation_between(alice, bob)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """Return the session's live HTTP server (SQLite)."""
    with live_server(tmp_path_factory.mktemp("http")) as running:
        yield running
