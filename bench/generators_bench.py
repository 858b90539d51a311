"""Benchmark of python-generators-0x00 on a table of 1,000,000 users.

Every figure is a ratio against the ``mariadb`` command-line client dumping
the same rows in the same run (``--quick``: it streams too, so it is the
floor of this machine). Each Python case runs in a child process of its own
(``python -m bench.generators_bench CASE``) so its peak resident memory is
its alone. A throwaway server in a temporary folder holds the data: the demo
database and a user's own server are never touched.

    .venv/bin/python -m bench.generators_bench
"""
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from collections.abc import Callable, Iterable
from types import ModuleType

from bench.harness import (machine_lines, median_child, median_seconds,
                           report, write_results)
from tools.big_user_table import add_generated_users
from tools.mysql_server import find_program, start_throwaway
from tools.scripts import load_script

FOLDER = Path(__file__).resolve().parent.parent / "python-generators-0x00"
MILLION = 1_000_000
PAGE = 100
PAGE_POSITIONS = (0, 100_000, 500_000, 990_000)
USERS_QUERY = "SELECT user_id, name, email, age FROM user_data"


def script(name: str) -> ModuleType:
    """Import one of the folder's scripts by file name."""
    return load_script(FOLDER / name)


def count_rows(make_stream: Callable[[], Iterable[object]]) -> int:
    """Consume a stream of rows (or of lists of rows) and count the rows."""
    count = 0
    for item in make_stream():
        count += len(item) if isinstance(item, list) else 1
    return count


def child_case(case: str, arg: str) -> None:
    """Measure one case in this (child) process and report it as JSON."""
    seed = script("seed.py")
    if case == "first6":
        stream_users = script("0-stream_users.py").stream_users

        def first_six() -> None:
            """Take 6 users and stop, which closes the stream."""
            stream = stream_users()
            list(itertools.islice(stream, 6))
            stream.close()
        report(ms=1000 * median_seconds(first_six, runs=5))
        return
    if case == "average":
        ages = script("4-stream_ages.py")
        start = time.perf_counter()
        ages.average_age(ages.stream_user_ages())
        seconds = time.perf_counter() - start
        report(rows_per_s=MILLION / seconds)
        return
    if case == "sql_avg":
        start = time.perf_counter()
        with seed.open_connection(database=seed.DATABASE) as connection, \
                connection.cursor() as cursor:
            cursor.execute("SELECT AVG(age) FROM user_data")
            cursor.fetchall()
        report(rows_per_s=MILLION / (time.perf_counter() - start))
        return
    streams = {
        "stream_users": lambda: script("0-stream_users.py").stream_users(),
        "batches": lambda: script(
            "1-batch_processing.py").stream_users_in_batches(int(arg)),
        "fetchall": lambda: fetch_all(seed),
    }
    start = time.perf_counter()
    rows = count_rows(streams[case])
    report(rows=rows, rows_per_s=rows / (time.perf_counter() - start))


def fetch_all(seed: ModuleType) -> list[dict]:
    """Read the whole table at once with a buffered cursor: the reference."""
    with seed.open_connection(database=seed.DATABASE) as connection, \
            connection.cursor(dictionary=True, buffered=True) as cursor:
        cursor.execute(USERS_QUERY)
        return cursor.fetchall()


def client_dump(options: dict[str, str], query: str) -> tuple[float, float]:
    """Dump ``query`` with the mariadb client; return (seconds, peak MiB)."""
    client = find_program("mariadb", "mysql")
    assert client is not None
    command = [client, "--no-defaults", "--host=" + options["host"],
               "--port=" + options["port"], "--user=" + options["user"],
               "--password=" + options["password"], "--quick", "--batch",
               "--skip-column-names", "--database=ALX_prodev",
               "--execute=" + query]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError("the mariadb client failed to dump the table")
    return seconds, usage.ru_maxrss / 1024


def median_client(options: dict[str, str], query: str) -> tuple[float, float]:
    """Median seconds and peak memory of 3 client dumps, after a warm-up."""
    client_dump(options, query)
    runs = sorted(client_dump(options, query) for _ in range(3))
    return runs[1]


def paging_times(seed: ModuleType) -> list[tuple[int, float, float]]:
    """Time one page at several depths, by OFFSET and by key."""
    paging = script("2-lazy_paginate.py")
    keyset = script("5-keyset_paginate.py")
    rows = []
    for position in PAGE_POSITIONS:
        with seed.open_connection(database=seed.DATABASE) as connection, \
                connection.cursor() as cursor:
            cursor.execute("SELECT user_id FROM user_data ORDER BY user_id"
                           " LIMIT 1 OFFSET %s", (max(position - 1, 0),))
            before = cursor.fetchall()[0][0]
        last_id = before if position else ""
        by_offset = median_seconds(
            lambda: paging.paginate_users(PAGE, position))
        by_key = median_seconds(
            lambda: keyset.paginate_users_after(PAGE, last_id))
        assert paging.paginate_users(PAGE, position) == \
            keyset.paginate_users_after(PAGE, last_id)
        rows.append((position, by_offset * 1000, by_key * 1000))
    return rows


def fill(seed: ModuleType, count: int) -> None:
    """Make ``ALX_prodev.user_data`` hold exactly ``count`` generated users."""
    with seed.open_connection() as connection:
        seed.create_database(connection)
    with seed.open_connection(database=seed.DATABASE) as connection:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS user_data")
        seed.create_table(connection)
        add_generated_users(connection, count)


def measure(env: dict[str, str], options: dict[str, str]) -> None:
    """Run every case against the server described by ``env``."""
    seed = script("seed.py")
    here = "bench.generators_bench"

    def child(case: str, arg: str = "") -> dict:
        """Median figures of one child case."""
        return median_child(here, case, arg, env=env)

    fill(seed, 10_000)
    small = child("stream_users")
    fill(seed, MILLION)
    client_s, client_mb = median_client(options, USERS_QUERY)
    client_rate = MILLION / client_s
    cases = [("stream_users()", child("stream_users"))]
    cases += [(f"stream_users_in_batches({size})",
               child("batches", str(size))) for size in (100, 1000, 10000)]
    cases.append(("buffered fetchall() (dicts)", child("fetchall")))
    age_s, _ = median_client(options, "SELECT age FROM user_data")
    average = child("average")
    sql_avg = child("sql_avg")
    first6 = child("first6")
    pages = paging_times(seed)
    rows: list[tuple[str, int, str, float | str]] = [
        ("mariadb --quick (the floor)", round(client_rate), "1.00",
         round(client_mb, 1))]
    rows += [(name, round(c["rows_per_s"]),
              f'{c["rows_per_s"] / client_rate:.2f}',
              c["peak_rss_mb"]) for name, c in cases]
    age_rate = MILLION / age_s
    rows += [("mariadb --quick, age column", round(age_rate), "1.00", ""),
             ("average_age(stream_user_ages())",
              round(average["rows_per_s"]),
              f'{average["rows_per_s"] / age_rate:.2f}',
              average["peak_rss_mb"]),
             ("SQL AVG(age) on the server", round(sql_avg["rows_per_s"]),
              f'{sql_avg["rows_per_s"] / age_rate:.2f}', "")]
    by_name = dict(cases)
    batches = by_name["stream_users_in_batches(1000)"]
    stream, fetchall = by_name["stream_users()"], by_name[
        "buffered fetchall() (dicts)"]
    growth = stream["peak_rss_mb"] - small["peak_rss_mb"]
    checks = [
        ("stream_users peak memory growth from 10,000 to 1,000,000 rows",
         f"{growth:.1f} MiB", "< 10 MiB", growth < 10),
        ("stream_users peak memory / fetchall's",
         f'{stream["peak_rss_mb"] / fetchall["peak_rss_mb"]:.3f}',
         "< 0.1", stream["peak_rss_mb"] < fetchall["peak_rss_mb"] / 10),
        ("stream_users rows/s / client's",
         f'{stream["rows_per_s"] / client_rate:.2f}', ">= 0.20",
         stream["rows_per_s"] >= 0.2 * client_rate),
        ("stream_users_in_batches(1000) rows/s / client's",
         f'{batches["rows_per_s"] / client_rate:.2f}', ">= 0.30",
         by_name["stream_users_in_batches(1000)"]["rows_per_s"]
         >= 0.3 * client_rate),
        ("first 6 rows of the million, then close",
         f'{first6["ms"]:.1f} ms', "< 50 ms", first6["ms"] < 50),
        ("streamed average rows/s / client's age dump",
         f'{average["rows_per_s"] / age_rate:.2f}', ">= 0.25",
         average["rows_per_s"] >= 0.25 * age_rate),
    ]
    publish(rows, pages, checks, connection_facts(seed))


def connection_facts(seed: ModuleType) -> list[tuple[str, str]]:
    """Name the server and the connector, with the protocol in use."""
    import mysql.connector
    from mysql.connector.connection_cext import CMySQLConnection
    with seed.open_connection() as connection:
        protocol = ("C extension" if isinstance(connection, CMySQLConnection)
                    else "pure Python")
        return [("server", connection.server_info),
                ("mysql-connector-python", f"{mysql.connector.__version__} "
                                           f"({protocol})")]


def publish(rows: list, pages: list, checks: list,
            facts: list[tuple[str, str]]) -> None:
    """Write the three tables: throughput, paging, targets."""
    machine = machine_lines(facts)
    table = rows + [("", "", "", "")] + [
        (f"page of {PAGE} at offset {position:,}",
         f"OFFSET {offset_ms:.1f} ms", f"key {key_ms:.1f} ms",
         f"x{offset_ms / key_ms:.0f}")
        for position, offset_ms, key_ms in pages]
    notes = [f"target: {name}: {value} (want {want}) "
             f"{'met' if ok else 'MISSED'}"
             for name, value, want, ok in checks]
    write_results(
        "generators", "python-generators-0x00: 1,000,000 rows", machine,
        ["case", "rows/s", "vs client", "peak RSS MiB"], table, notes)


def main() -> None:
    """Start a throwaway server, fill it, measure, and stop it."""
    with tempfile.TemporaryDirectory(prefix="bench-mysql-") as folder:
        server = start_throwaway(Path(folder))
        try:
            env = server.env()
            saved = dict(os.environ)
            os.environ.update(env)
            try:
                measure(env, server.options())
            finally:
                os.environ.clear()
                os.environ.update(saved)
        finally:
            server.stop()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child_case(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
    else:
        main()
