#!/usr/bin/env python3
"""The MariaDB launcher: a user's own server wins, credentials stay private,
a server counts as running only when it answers, two starts at once make
one server, and a restart keeps the port."""
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.mysql_server import (ROOT, Server, last_line, read_option_file,
                                status, write_option_file)

START = ("import sys; from tools.mysql_server import Server; "
         "Server(sys.argv[1]).start()")


def servers_on(folder: Path) -> list[int]:
    """Return the pids of the live server processes on ``folder``'s data."""
    marker = f"--datadir={folder / 'data'}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if entry.name.isdigit() and marker in arguments:
            pids.append(int(entry.name))
    return pids


def wait_until_gone(pid: int) -> None:
    """Wait (at most 30 s) until process ``pid`` no longer exists."""
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists():
        assert time.monotonic() < deadline, f"process {pid} is still there"
        time.sleep(0.05)


@pytest.fixture
def server_folder(memory_path: Path) -> Iterator[Path]:
    """Yield a folder for a server of the test's own; stop it afterwards."""
    folder = memory_path / "mysql"
    try:
        yield folder
    finally:
        Server(folder).stop()
        for pid in servers_on(folder):
            os.kill(pid, signal.SIGKILL)


def test_a_server_named_by_mysql_host_is_used_and_nothing_starts() -> None:
    """With MYSQL_HOST set, ``ensure`` says so and runs no server."""
    env = dict(os.environ, MYSQL_HOST="db.example", MYSQL_PORT="3306")
    done = subprocess.run(
        [sys.executable, "-m", "tools.mysql_server", "ensure"], cwd=ROOT,
        env=env, capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "MySQL: using the server named by MYSQL_HOST=db.example.\n", "")


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


def test_a_program_error_becomes_part_of_a_sentence() -> None:
    """apt-get's last line, without "E: ", goes into the message."""
    output = ("Reading package lists...\n"
              "E: Unable to locate package mariadb-server\n\n")
    assert last_line(output) == "Unable to locate package mariadb-server"
    assert last_line("") == "it printed nothing"


def test_status_of_a_server_never_started(tmp_path: Path) -> None:
    """No server: status 3 and the command that starts one."""
    assert status(Server(tmp_path / "none")) == (
        3, "Private MariaDB is not running: start it with `make db-start`.")


def test_a_folder_with_spaces_in_its_path_gets_a_server(
        memory_path: Path) -> None:
    """A clone in "My Projects": the server is set up and answers, its
    data in the folder itself (MariaDB's installer splits such paths at
    their spaces; it reaches the folder through a link that is gone
    after)."""
    folder = memory_path / "My Projects" / "mysql"
    server = Server(folder)
    try:
        assert server.start() is True
        assert server.running()
        assert (folder / "data" / "mysql").is_dir()
    finally:
        server.stop()
    assert servers_on(folder) == []


def test_two_starts_at_once_make_one_server(server_folder: Path) -> None:
    """Two processes start the same folder: one server, one port for both.

    Without the start lock both would find no server and launch one each
    on the same data directory. The server keeps its temporary tables in
    its own folder: MariaDB deletes every "#sql*" file of its temporary
    folder when it starts, which broke setups running beside it in /tmp.
    """
    other = Path(tempfile.gettempdir()) / f"#sql-of-another-{os.getpid()}"
    other.touch()
    try:
        starts = [subprocess.Popen([sys.executable, "-c", START,
                                    str(server_folder)], cwd=ROOT,
                                   stdout=subprocess.PIPE, text=True)
                  for _ in range(2)]
        outputs = [start.communicate(timeout=120)[0] for start in starts]
        survived = other.exists()
    finally:
        other.unlink(missing_ok=True)
    assert [start.returncode for start in starts] == [0, 0]
    assert len(servers_on(server_folder)) == 1
    assert Server(server_folder).running()
    assert survived
    # One that had to wait says so, in one line.
    assert set(outputs) <= {
        "", "MySQL: waiting for another start of this server to finish...\n"}


def test_a_killed_server_is_not_running_and_restarts_on_its_port(
        server_folder: Path) -> None:
    """After kill -9 the pid file remains, but nothing answers: not running.

    The next start launches a new server on the port the first one had.
    """
    subprocess.run([sys.executable, "-c", START, str(server_folder)],
                   cwd=ROOT, check=True)
    server = Server(server_folder)
    port = server.options()["port"]
    pid = server.pid()
    os.kill(pid, signal.SIGKILL)
    wait_until_gone(pid)
    assert server.pid_file.exists()
    assert (server.pid(), server.running()) == (None, False)
    assert server.start() is True
    assert server.running()
    assert server.options()["port"] == port
    # Stopped cleanly and started again, it keeps the port too.
    assert server.stop() is True
    assert not server.running()
    assert server.start() is True
    assert server.options()["port"] == port
