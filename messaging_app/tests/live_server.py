#!/usr/bin/env python3
"""A real API server in a child process, as a user starts it.

The reliability and fuzz tests need a server they can kill with SIGKILL,
restart on the same database and count the threads of, so it runs as
``python -m messaging_app serve --port 0`` in a process of its own. The
load benchmark starts the API, and its bare reference server, the same way.
"""
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Optional, Sequence
from urllib.parse import urlsplit

from messaging_app.tests.helpers import TEST_PASSWORD_COST

ROOT = Path(__file__).resolve().parents[2]


class ChildServer:
    """A server child process that announces ``Serving on URL`` first."""

    def __init__(self, command: Sequence[str],
                 env: Optional[Mapping[str, str]] = None) -> None:
        """Start ``command`` from the repository root; wait for its URL."""
        self.process = subprocess.Popen(
            list(command), cwd=str(ROOT), env=dict(os.environ, **(env or {})),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("Serving on http://"):
            self.kill()
            raise RuntimeError("the server did not start: {!r}".format(line))
        self.url = line.split()[-1]
        parts = urlsplit(self.url)
        self.address = (parts.hostname, parts.port)
        # Before any connection: what the server runs with when idle.
        self.idle_threads = self.thread_count()

    def thread_count(self) -> int:
        """Return how many threads the server process has right now."""
        status = Path("/proc/{}/status".format(self.process.pid)).read_text()
        line = next(x for x in status.splitlines()
                    if x.startswith("Threads:"))
        return int(line.split()[1])

    def stop(self) -> int:
        """Stop the server as Ctrl-C would and return its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        finally:
            self.kill()

    def kill(self) -> None:
        """Kill the server at once, as a crash would, and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process.stdout.close()


class LiveServer(ChildServer):
    """``python -m messaging_app serve`` on a free loopback port."""

    def __init__(self, db_path: Path,
                 env: Optional[Mapping[str, str]] = None) -> None:
        """Start the API on ``db_path`` with the tests' password cost.

        The request log goes beside the database; ``env`` adds settings.
        """
        self.db_path = Path(db_path)
        settings = {"MESSAGING_PASSWORD_COST": str(TEST_PASSWORD_COST),
                    "MESSAGING_LOG_FILE": str(
                        self.db_path.with_suffix(".log"))}
        settings.update(env or {})
        super().__init__(
            [sys.executable, "-m", "messaging_app", "serve", "--port", "0",
             "--db", str(self.db_path)], settings)
