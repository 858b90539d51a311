#!/usr/bin/env python3
"""The generators stream: early stops are cheap and leave nothing open.

A million-row table is made on the test server for this module, and
``ALX_prodev`` is seeded afresh after it. Whether the rest of the table was
read is told by the server's own count of bytes sent, not by a clock.
"""
import itertools
import time
from pathlib import Path
from collections.abc import Callable, Iterator

import pytest

from tools.big_user_table import add_generated_users
from tools.mysql_testing import seed_database
from tools.scripts import load_script

FOLDER = Path(__file__).resolve().parent.parent
TOTAL = 1_000_000 + 1000


@pytest.fixture(scope="module")
def million(seed: object) -> Iterator[None]:
    """Grow ``user_data`` by a million rows for the tests of this module.

    Seeding afresh after them drops the table at once, where a DELETE of
    the million would log each row and purge it in the background.
    """
    with seed.open_connection(database=seed.DATABASE) as connection:
        add_generated_users(connection, 1_000_000)
    yield
    seed_database()


def server_status(sql: Callable, name: str) -> int:
    """Return a global status counter of the server."""
    return int(sql("SHOW GLOBAL STATUS LIKE %s", (name,))[0][1])


def client_connections(sql: Callable) -> dict[int, tuple]:
    """Return the server's client connections, the asking one aside."""
    return {row[0]: row for row in sql("SHOW PROCESSLIST")
            if row[4] not in ("Daemon", "Binlog Dump")
            and row[7] != "SHOW PROCESSLIST"}


@pytest.fixture
def left_open(sql: Callable) -> Callable[[], list[tuple]]:
    """Return a function listing the connections opened since the test
    began and still open.

    Other tests of the session may keep connections of their own (a pool
    of the chat API's tests, on the same server); only new ones count. The
    server ends a closed or killed connection's thread on its own time, so
    the function waits (at most 10 s, never in a passing run's normal
    course) for them to go before reporting what is left.
    """
    before = set(client_connections(sql))

    def left() -> list[tuple]:
        """List the new connections still open after the wait."""
        deadline = time.monotonic() + 10
        while True:
            new = [row for number, row in client_connections(sql).items()
                   if number not in before]
            if not new or time.monotonic() > deadline:
                return new
            time.sleep(0.05)
    return left


STREAMS = {
    "stream_users": lambda: load_script(
        FOLDER / "0-stream_users.py").stream_users(),
    "stream_users_in_batches": lambda: load_script(
        FOLDER / "1-batch_processing.py").stream_users_in_batches(100),
    "stream_user_ages": lambda: load_script(
        FOLDER / "4-stream_ages.py").stream_user_ages(),
    "lazy_paginate": lambda: load_script(
        FOLDER / "2-lazy_paginate.py").lazy_paginate(100),
}


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_taking_six_items_of_a_million_reads_little_and_leaves_nothing(
        million: None, sql: Callable, left_open: Callable[[], list],
        name: str) -> None:
    """Six items, then stop: no error, no open connection, little sent."""
    table_bytes = int(sql(
        "SELECT SUM(LENGTH(user_id) + LENGTH(name) + LENGTH(email) + 4)"
        " FROM user_data")[0][0])
    sent_before = server_status(sql, "Bytes_sent")
    stream = STREAMS[name]()
    assert len(list(itertools.islice(stream, 6))) == 6
    stream.close()
    sent = server_status(sql, "Bytes_sent") - sent_before
    assert left_open() == []
    # A full read sends about the table's size; a cancelled one, what fits
    # in the socket buffers before the server stops.
    assert sent < table_bytes / 10


def test_breaking_out_of_a_for_loop_closes_the_stream(
        million: None, sql: Callable,
        left_open: Callable[[], list]) -> None:
    """A consumer's ``break`` ends the query like ``islice`` does."""
    stream_users = load_script(FOLDER / "0-stream_users.py").stream_users
    for number, user in enumerate(stream_users()):
        if number == 5:
            break
    del user
    assert left_open() == []


def test_a_full_stream_yields_every_row_once(
        million: None, sql: Callable,
        left_open: Callable[[], list]) -> None:
    """Streamed to the end, the million and the CSV users all arrive once."""
    ages = load_script(FOLDER / "4-stream_ages.py").stream_user_ages()
    count, total = 0, 0
    for count, age in enumerate(ages, start=1):
        total += age
    assert (count, total) == tuple(
        int(value) for value in
        sql("SELECT COUNT(*), SUM(age) FROM user_data")[0])
    assert count == TOTAL
    assert left_open() == []
