"""Benchmark of the SQLite task folders: query cache and asyncio.gather.

Two questions, each answered by a ratio measured side by side in one run:

- ``cache_query`` (python-decorators-0x01/4-cache_query.py): how much faster
  is a cached call of the sample stack than the same call uncached?
- ``asyncio.gather`` (python-context-async-perations-0x02/3-concurrent.py):
  how much faster are two queries gathered than awaited one after the other?
  Once with the task's own two queries, whose rows become Python objects,
  and once with two queries that scan the table and return one row each.

Each question is asked of the 36-row sample database and of a large table
(``BIG_TABLE_ROWS`` users) written to a temporary folder and removed after.
Run with ``python -m bench.sqlite_bench``; results go to bench/results/.
"""
import asyncio
import hashlib
import os
import sqlite3
import statistics
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import aiosqlite

from bench.harness import (ROOT, machine_lines, median_seconds,
                           write_results)
from tools.scripts import load_script
from tools.users_db import (DATABASE, SAMPLE_PEOPLE, create_users_db,
                            write_users)

BIG_TABLE_ROWS = 500_000
RUNS = 15
HASHED_BYTES = 32 * 1024 * 1024

decorators = load_script(ROOT / "python-decorators-0x01" / "4-cache_query.py")
concurrent = load_script(
    ROOT / "python-context-async-perations-0x02" / "3-concurrent.py")

# Two queries that make SQLite read the whole table but hand back one row:
# their time is spent inside SQLite, not in building Python objects.
SCANS = ("SELECT COUNT(*), AVG(age) FROM users WHERE email LIKE '%7%'",
         "SELECT COUNT(*), MAX(age) FROM users WHERE name LIKE '%a%e%'")


def big_users(count: int) -> Iterator[tuple[int, str, str, int]]:
    """Yield ``count`` made-up users with varied names and ages."""
    for user_id in range(1, count + 1):
        yield (user_id, f'User {user_id:06d} {"abcde"[user_id % 5]}',
               f"user{user_id}@example.com",
               18 + (user_id * 7919) % 70)


def side_by_side(reference: Callable[[], object],
                 measured: Callable[[], object]) -> tuple[float, float]:
    """Return the median seconds of ``reference`` and of ``measured``.

    After one warm-up call of each, the two are timed in turn, ``RUNS``
    times: other processes sharing the machine then slow both alike,
    instead of whichever happened to run while they were busy.
    """
    pairs = [(median_seconds(reference, runs=1, warmups=int(run == 0)),
              median_seconds(measured, runs=1, warmups=int(run == 0)))
             for run in range(RUNS)]
    return (statistics.median(pair[0] for pair in pairs),
            statistics.median(pair[1] for pair in pairs))


@contextmanager
def working_in(folder: Path) -> Iterator[None]:
    """Run the block with ``folder`` as the current folder.

    The task scripts open ``users.db`` in the current folder.
    """
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def time_cache() -> tuple[float, float]:
    """Time an uncached and a cached call of the sample cache stack.

    Returns the two medians in seconds. Both go through
    ``with_db_connection``, which opens a connection even when the cache
    answers.
    """
    def uncached() -> None:
        """Empty the cache, then call: the query runs."""
        decorators.query_cache.clear()
        decorators.fetch_users_with_cache(query="SELECT * FROM users")

    def cached() -> None:
        """Call again: the cache answers."""
        decorators.fetch_users_with_cache(query="SELECT * FROM users")

    timings = side_by_side(uncached, cached)
    decorators.query_cache.clear()
    return timings


async def scan(query: str) -> list[Any]:
    """Run one of the ``SCANS`` on ``users.db`` with its own connection."""
    async with aiosqlite.connect(DATABASE) as db:
        async with db.execute(query) as cursor:
            return list(await cursor.fetchall())


def time_pair(first: Callable[[], Awaitable[Any]],
              second: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """Time two coroutines awaited in turn, then gathered.

    Returns the two medians in seconds.
    """
    async def in_turn() -> None:
        """Await the first query, then the second."""
        await first()
        await second()

    async def gathered() -> None:
        """Await both queries at once."""
        await asyncio.gather(first(), second())

    return side_by_side(lambda: asyncio.run(in_turn()),
                        lambda: asyncio.run(gathered()))


def time_threads_ceiling() -> tuple[float, float]:
    """Time two GIL-free jobs in turn, then in two threads.

    Hashing a large buffer releases the GIL, so this shows how much two
    threads can gain on this machine right now (other processes share the
    cores): the ceiling for any gain of gather through aiosqlite's threads.
    """
    data = bytes(HASHED_BYTES)

    def hash_data() -> None:
        """Hash the buffer once."""
        hashlib.sha256(data).digest()

    def in_turn() -> None:
        """Hash the buffer twice, one after the other."""
        hash_data()
        hash_data()

    def in_threads() -> None:
        """Hash the buffer in two threads at once."""
        workers = [threading.Thread(target=hash_data) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    return side_by_side(in_turn, in_threads)


def row(comparison: str, table_rows: str,
        timings: tuple[float, float]) -> list[str]:
    """Format one line of the results table."""
    reference, measured = timings
    return [comparison, table_rows,
            f"{reference * 1000:.2f} ms",
            f"{measured * 1000:.2f} ms",
            f"{reference / measured:.2f}x"]


def measure(size: int) -> list[list[str]]:
    """Measure every comparison on the database in the current folder."""
    table_rows = f"{size:,}"
    return [
        row("cache: uncached call -> cached call", table_rows, time_cache()),
        row("task queries: in turn -> gathered", table_rows,
            time_pair(concurrent.async_fetch_users,
                      concurrent.async_fetch_older_users)),
        row("two table scans: in turn -> gathered", table_rows,
            time_pair(lambda: scan(SCANS[0]), lambda: scan(SCANS[1]))),
    ]


NOTES: Sequence[str] = (
    f"reference = uncached call, or the two queries awaited one after the "
    f"other; measured = cached call, or the two queries gathered; speed-up = "
    f"reference / measured. Medians of {RUNS} runs after one warm-up, the "
    f"reference and the measured case taking turns.",
    "The cached call still opens and closes a connection: with_db_connection "
    "sits above cache_query in the sample stack.",
    "Each aiosqlite connection runs its queries in a thread of its own. "
    "sqlite3 releases the GIL while SQLite works through a statement, but "
    "turning each result row into a Python tuple needs the GIL: gather gains "
    "when the time is spent inside SQLite (table scans returning one row, "
    "up to the two-thread ceiling), and loses when it goes into building "
    "rows: the two threads then take turns holding the GIL, so the work "
    "stays serial and the hand-overs add to it. On the 36-row sample a "
    "pair takes a millisecond or two either way, mostly starting a thread "
    "per connection and passing results between threads: gather changes "
    "little there, and the ratio swings from run to run with the machine's "
    "other work.",
    "Other processes share the machine: read each speed-up against the "
    "ceiling line of the same run, and the load average above.",
)


def measure_in(folder: Path, table_rows: int) -> list[list[str]]:
    """Measure every comparison on ``folder/users.db``."""
    with working_in(folder):
        return measure(table_rows)


def main() -> None:
    """Run every comparison on both databases and write the results."""
    # Other processes on the machine change what threads can gain: say so.
    load_average = " ".join(f"{load:.2f}" for load in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="sqlite-bench-") as scratch:
        sample, big = Path(scratch, "sample"), Path(scratch, "big")
        sample.mkdir()
        big.mkdir()
        create_users_db(sample / DATABASE)
        write_users(big / DATABASE, big_users(BIG_TABLE_ROWS))
        rows = (measure_in(sample, len(SAMPLE_PEOPLE))
                + measure_in(big, BIG_TABLE_ROWS))
    rows.append(row("ceiling: two GIL-free hashes, in turn -> threads", "-",
                    time_threads_ceiling()))
    write_results(
        "sqlite", "SQLite task folders: query cache and asyncio.gather",
        machine_lines([("sqlite", sqlite3.sqlite_version),
                       ("load average at start", load_average)]),
        ["comparison", "rows in table", "reference", "measured", "speed-up"],
        rows, NOTES)


if __name__ == "__main__":
    main()
