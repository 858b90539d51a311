#!/usr/bin/env python3
"""Fixtures of the API tests: the session's live server and new users."""
from typing import Callable, Iterator

import pytest

from messaging_app.client import ApiClient
from messaging_app.server import ApiServer
from messaging_app.tests.helpers import Person, live_server, register


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """Return the session's shared live server."""
    with live_server(tmp_path_factory.mktemp("api")) as running:
        yield running


@pytest.fixture
def anonymous(server: ApiServer) -> ApiClient:
    """Return a client without a token."""
    return ApiClient(server.base_url)


@pytest.fixture
def make_person(server: ApiServer) -> Callable[[], Person]:
    """Return a function that registers and logs in a new user."""
    return lambda: register(server.base_url)
