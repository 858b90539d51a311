#!/usr/bin/env python3
"""Schema-driven fuzzing: schemathesis against a live server.

Schemathesis reads the OpenAPI document from ``GET /api/schema/`` and sends
generated valid and invalid requests to every operation, with a fixed seed
and a bounded number of examples. Its checks fail the test on any 5xx, any
response outside the documented statuses, headers and schemas, and any
operation that answers without the token it requires (or with a broken
one). The first run pins path parameters to real objects of the logged-in
user, so every operation is exercised past its 404; the second chains
operations through the links schemathesis infers (create a message, then
read, edit and delete it). Schemathesis spends its time generating
requests, on one core per process: the first run's phases go to two
processes at once, each as a user of its own.
"""
import os
import subprocess
import sys
from pathlib import Path
from collections.abc import Iterator, Sequence

import pytest

from messaging_app.client import ApiClient
from messaging_app.testing import LiveServer, conversation_between, register
from tools.scripts import ROOT

EXAMPLES = 15
SEED = 20240101
TIMEOUT = 300
# The phases of the run on pinned ids, as the processes that run them.
PINNED_PHASES = (("examples", "coverage"), ("fuzzing",))
# Hypothesis keeps the Unicode tables it derives (seconds of work) in its
# storage folder; the repository's own, which pytest's runs share, spares
# each run of schemathesis from deriving them again. Examples are not
# kept there ("--generation-database none"), so runs stay independent.
HYPOTHESIS_FOLDER = ROOT / ".hypothesis"
# Posting many messages must meet the API's checks, not its rate limit.
NO_RATE_LIMIT = {"MESSAGING_RATE_LIMIT": "1000000/60"}
# The /api/auth/ paths are copies of the registration and token routes,
# with the same view and the same documentation (routes.py and openapi.py
# copy both; test_drf_clients compares the lines): fuzzing them again would
# add time and find nothing new.
AUTH_COPIES = """
[[operations]]
include-path-regex = "^/api/auth/"
enabled = false
"""
# A schema cannot say that a user id must name an existing user, that a
# username must be new, or that an old password must be the caller's:
# such bodies are schema-valid and still get the API's documented 400, so
# these operations may refuse valid data with it. Nor can it say that two
# spellings of one field must agree, or that password_confirm must match
# the password: the same holds for the operations that take those.
REFUSING_VALID_DATA = "users|conversations|messages|users_me_password"
REFERENCES_AND_UNIQUE_FIELDS = f"""
[[operations]]
include-operation-id-regex = "^post_api_({REFUSING_VALID_DATA})$"

[operations.checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "401", "403", "404", "429"]

[[operations]]
include-operation-id-regex = "^(post|patch)_api_.*messages.*$"

[operations.checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "401", "403", "404", "429"]

# A parent message, a message to read up to, a notification: each must be
# one of the caller's, which no schema can say.
[[operations]]
include-operation-id-regex = \
"^post_api_(conversations_by_conversation_id_read|notifications_read)$"

[operations.checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "401", "403", "404", "429"]
""" + AUTH_COPIES


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Run one server for both fuzz runs; it must stop cleanly after."""
    live = LiveServer(tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3",
                      NO_RATE_LIMIT)
    yield live
    assert live.stop() == 0


def seed_objects(server: LiveServer) -> dict[str, str]:
    """Create two users, a conversation and a message; return their ids.

    The access token of the first user is returned as ``token``.
    """
    client = ApiClient(server.url)
    owner, friend = register(client), register(client)
    messages = conversation_between(owner, friend)
    reply = owner.client.post(messages, {"message_body": "The first one."})
    assert reply.status == 201, reply.body
    return {"token": owner.client.token, "user_id": friend.user_id,
            "conversation_id": reply.body["conversation"],
            "message_id": reply.body["message_id"]}


def config_text(objects: dict[str, str], pinned: bool) -> str:
    """Write schemathesis's configuration: the token, maybe pinned ids."""
    lines = [f'headers = {{ Authorization = "Bearer {objects["token"]}" }}']
    if pinned:
        lines += ["", "[parameters]"]
        lines += [f'"path.{name}" = "{objects[name]}"'
                  for name in ("user_id", "conversation_id", "message_id")]
    return "\n".join(lines) + "\n" + REFERENCES_AND_UNIQUE_FIELDS


def schemathesis(server: LiveServer, folder: Path, pinned: bool,
                 phases: Sequence[str]) -> subprocess.Popen[str]:
    """Start schemathesis's every check on ``phases`` against ``server``,
    as a user of its own, in ``folder`` (made here)."""
    program = Path(sys.executable).with_name("schemathesis")
    assert program.exists(), (
        "schemathesis is missing: install requirements-dev.txt.")
    folder.mkdir()
    config = folder / "schemathesis.toml"
    config.write_text(config_text(seed_objects(server), pinned))
    return subprocess.Popen(
        [str(program),
         "--config-file", str(config), "--no-color", "run",
         server.url + "api/schema/", "--checks", "all",
         "--phases", ",".join(phases), "--max-examples", str(EXAMPLES),
         "--seed", str(SEED), "--generation-database", "none",
         "--workers", "1", "--request-timeout", "10",
         "--max-failures", "5"],
        cwd=str(folder), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
        env={**os.environ,
             "HYPOTHESIS_STORAGE_DIRECTORY": str(HYPOTHESIS_FOLDER)})


def outcome(run: subprocess.Popen[str]) -> tuple[int, str]:
    """Wait for ``run`` (killed if it outlasts ``TIMEOUT``); return its
    status and the end of what it printed."""
    try:
        out, err = run.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        run.kill()
        out, err = run.communicate()
    return run.returncode, out[-6000:] + err[-2000:]


def test_every_operation_on_real_objects(server: LiveServer,
                                         tmp_path: Path) -> None:
    """Generated requests, valid and not, against pinned real ids."""
    runs = [schemathesis(server, tmp_path / "-".join(phases), True, phases)
            for phases in PINNED_PHASES]
    for status, output in [outcome(run) for run in runs]:
        assert status == 0, output


def test_chains_of_operations(server: LiveServer, tmp_path: Path) -> None:
    """Sequences that create objects and then read, edit, delete them."""
    status, output = outcome(
        schemathesis(server, tmp_path / "stateful", False, ("stateful",)))
    assert status == 0, output
