"""The request log: one line per request, written by a thread of its own.

A line holds the time, the user, the method, the path, the status and the
duration, and a last word when the response did not reach the client
whole: ``cut-off`` (the client stopped reading or went away while it was
sent) or ``gone`` (the client left before it could be answered). Never a
header or a body.

Requests only queue their line; the flushing thread writes the queue every
``LOG_FLUSH_SECONDS``, so the log never decides whether or when a response
is sent. When the file cannot be written (a full disk), the lines stay
queued up to a bound and are tried again, the failure is reported once on
the server log, and the flusher carries on.
"""
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from messaging_app.clock import utc_now
from messaging_app.files import make_folder, owner_only_opener
from messaging_app.http11 import is_token

logger = logging.getLogger("messaging_app")

# Characters of a path that are written to the log as they are; anything
# else (spaces, newlines) is percent-encoded so one request is one line.
LOG_SAFE = "/:@!$&'()*+,;=-._~%"
LOG_SAFE_PATH = re.compile(rf"[A-Za-z0-9{re.escape(LOG_SAFE)}]*\Z")
# The flushing thread writes the queued lines this often.
LOG_FLUSH_SECONDS = 0.5
# A line held this long (its response still being sent) stops holding back
# the lines after it.
HOLD_SECONDS = LOG_FLUSH_SECONDS
# While the file cannot be written, at most this many bytes of lines wait;
# later lines are counted as lost.
MAX_BACKLOG_BYTES = 4 << 20


@dataclass
class LogLine:
    """The line of one request in the queue. A held line waits for the
    word that tells how its response went before it is written."""

    text: str
    queued_at: float
    outcome: str = ""
    done: bool = True

    def render(self) -> str:
        """Return the line as written to the file."""
        ending = f" {self.outcome}" if self.outcome else ""
        return f"{self.text}{ending}\n"


@dataclass
class Held:
    """What the server learns of a response it sent: ``outcome`` is the
    last word of the request's line (empty when it all went out)."""

    outcome: str = ""
    line: LogLine | None = None


class RequestLog:
    """Queues one line per request and appends them to a file from a
    flushing thread. ``file`` replaces the file at ``path`` (a test can
    pass one that fails)."""

    def __init__(self, path: Path, file: BinaryIO | None = None) -> None:
        """Open the log file for appending (created owner-only, with its
        folder), and start the flushing thread."""
        self.path = path
        if file is None:
            make_folder(path.parent)
            file = open(path, "ab", buffering=0, opener=owner_only_opener)
        self._file = file
        self._lock = threading.Lock()
        # One flush at a time, so that lines reach the file in order.
        self._flushing = threading.Lock()
        self._queued: list[LogLine] = []
        self._backlog = 0
        self._unwritten = b""
        self._local = threading.local()
        self.failed_writes = 0
        self.lost_lines = 0
        self._failing = False
        self._closing = threading.Event()
        self._flusher = threading.Thread(target=self._flush_often,
                                         name="request-log", daemon=True)
        self._flusher.start()

    def write(self, user_id: str | None, method: str, path: str,
              status: int, seconds: float) -> None:
        """Queue the line of one finished request; inside ``held``, the
        line keeps its place but waits for the block's outcome."""
        if not is_token(method):
            method = quote(method, safe="")
        if not LOG_SAFE_PATH.match(path):
            path = quote(path, safe=LOG_SAFE)
        line = LogLine(f"{utc_now()} user={user_id or 'Anonymous'} "
                       f"{method} {path} {status} {seconds * 1000:.1f}ms",
                       time.monotonic())
        held = getattr(self._local, "held", None)
        if held is not None:
            self._settle(held)
            line.done = False
            held.line = line
        with self._lock:
            if self._backlog >= MAX_BACKLOG_BYTES:
                self.lost_lines += 1
                return
            self._queued.append(line)
            self._backlog += len(line.text)

    @contextmanager
    def held(self) -> Iterator[Held]:
        """Hold the line this thread writes inside the block until the
        block ends, then give it the outcome the block set: the server
        learns whether a response reached the client only after the
        application has logged it."""
        held = Held()
        self._local.held = held
        try:
            yield held
        finally:
            self._local.held = None
            self._settle(held)

    def _settle(self, held: Held) -> None:
        """Let the held line be written, with the outcome known so far."""
        with self._lock:
            if held.line is not None:
                held.line.outcome = held.outcome
                held.line.done = True

    def _take(self, everything: bool) -> list[LogLine]:
        """Take from the queue, in order, the lines that may be written.

        A line held for less than ``HOLD_SECONDS`` holds back the lines
        after it, so that the file keeps the order of the requests; one
        held longer (a slow client) is passed and comes when it is done.
        """
        now = time.monotonic()
        ready: list[LogLine] = []
        waiting: list[LogLine] = []
        blocked = False
        for line in self._queued:
            if everything or (line.done and not blocked):
                ready.append(line)
                continue
            waiting.append(line)
            if not line.done and now - line.queued_at < HOLD_SECONDS:
                blocked = True
        self._queued = waiting
        return ready

    def _flush_often(self) -> None:
        """Flush the queued lines until the log is closed."""
        while not self._closing.wait(LOG_FLUSH_SECONDS):
            self.flush()

    def flush(self, everything: bool = False) -> None:
        """Write the lines that may be written; what cannot be written now
        stays for the next try. Called by the flushing thread, and at close
        for ``everything``."""
        with self._flushing:
            with self._lock:
                ready = self._take(everything)
                data = self._unwritten + "".join(
                    line.render() for line in ready).encode("utf-8",
                                                            "replace")
            written = self._write(data)
            with self._lock:
                self._unwritten = data[written:]
                self._backlog = len(self._unwritten) + sum(
                    len(line.text) for line in self._queued)

    def _write(self, data: bytes) -> int:
        """Write ``data`` to the file; return how much of it was written.

        The first failure of a run of failures is reported, and the
        recovery after it; every failed write is counted.
        """
        written = 0
        view = memoryview(data)
        try:
            while written < len(data):
                written += self._file.write(view[written:]) or 0
        except OSError as error:
            self.failed_writes += 1
            if not self._failing:
                logger.error("The request log %s cannot be written (%s); "
                             "its lines are kept and tried again.",
                             self.path, error)
            self._failing = True
            return written
        if self._failing:
            self._failing = False
            logger.warning("The request log %s is written again; %d lines "
                           "were lost meanwhile.", self.path,
                           self.lost_lines)
        return written

    def close(self) -> None:
        """Stop the flushing thread, write what is queued and close the
        file; lines that still cannot be written are reported lost."""
        self._closing.set()
        self._flusher.join()
        self.flush(everything=True)
        if self._unwritten:
            self.lost_lines += self._unwritten.count(b"\n")
            logger.error("The request log %s lost its last %d lines.",
                         self.path, self._unwritten.count(b"\n"))
        try:
            self._file.close()
        except OSError:
            pass
