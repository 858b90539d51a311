#!/usr/bin/env python3
"""The MariaDB launcher: a user's own server wins, credentials stay private."""
import os
import stat
import subprocess
import sys
from pathlib import Path

from tools.mysql_server import ROOT, read_option_file, write_option_file


def test_a_server_named_by_mysql_host_is_used_and_nothing_starts(
        tmp_path: Path) -> None:
    """With MYSQL_HOST set, ``ensure`` says so and runs no server."""
    env = dict(os.environ, MYSQL_HOST="db.example", MYSQL_PORT="3306")
    done = subprocess.run(
        [sys.executable, "-m", "tools.mysql_server", "ensure"], cwd=ROOT,
        env=env, capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "Using the MySQL server named by MYSQL_HOST=db.example.\n", "")


def test_the_option_file_is_readable_by_its_owner_only(
        tmp_path: Path) -> None:
    """Generated credentials are written 0600 and read back unchanged."""
    path = tmp_path / "client.cnf"
    options = {"host": "127.0.0.1", "port": "40000", "user": "alx",
               "password": "p=ss word"}
    write_option_file(path, options)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().splitlines()[0] == "[client]"
    assert read_option_file(path) == options


def test_an_unknown_command_prints_the_usage() -> None:
    """A mistyped command gets the usage line and status 2."""
    done = subprocess.run(
        [sys.executable, "-m", "tools.mysql_server", "strat"], cwd=ROOT,
        capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("usage: python -m tools.mysql_server")
