#!/usr/bin/env python3
"""The request log without a server: lines in request order with the
outcome of their response, a sanitized method, and a file that cannot be
written (``/dev/full``, or one that fails for a while) reported once,
retried by a flusher that survives, and a clean close."""
import errno
import io
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from messaging_app import requestlog
from messaging_app.requestlog import RequestLog
from messaging_app.tests.helpers import wait_until

if TYPE_CHECKING:
    # _typeshed exists only for type checkers: the buffer types of io.
    from _typeshed import ReadableBuffer


class FlakyFile(io.BytesIO):
    """A log file that fails like a full disk while ``full`` is set."""

    full = True

    def write(self, data: "ReadableBuffer") -> int:
        """Refuse to write while full; take everything otherwise."""
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)

    def close(self) -> None:
        """Keep the content readable after the log is closed."""


def write_elsewhere(log: RequestLog, method: str, path: str) -> None:
    """Log a request from another thread, outside this one's ``held``."""
    other = threading.Thread(target=log.write,
                             args=(None, method, path, 405, 0.001))
    other.start()
    other.join()


def fields(line: str) -> list[str]:
    """Return a line's method, path, status and anything after the
    duration (its first field, the time, changes)."""
    parts = line.split()
    return parts[2:5] + parts[6:]


def test_lines_keep_the_order_of_requests_and_their_outcome(
        tmp_path: Path) -> None:
    """A held line keeps its place until its response is sent, then says
    how that went; a method with terminal escapes is percent-encoded."""
    log = RequestLog(tmp_path / "requests.log")
    with log.held() as held:
        log.write("u1", "GET", "/api/big/", 200, 0.001)
        write_elsewhere(log, "G\x1b[31mET", "/a b")
        log.flush()
        assert (tmp_path / "requests.log").read_text() == ""
        held.outcome = "cut-off"
    log.close()
    lines = (tmp_path / "requests.log").read_text().splitlines()
    assert [fields(line) for line in lines] == [
        ["GET", "/api/big/", "200", "cut-off"],
        ["G%1B%5B31mET", "/a%20b", "405"]]
    assert lines[0].split()[1] == "user=u1"


def test_a_slow_send_does_not_hold_the_lines_after_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A line held longer than a flush interval lets the later ones
    through; it follows when its response is done."""
    monkeypatch.setattr(requestlog, "HOLD_SECONDS", 0)
    log = RequestLog(tmp_path / "requests.log")
    with log.held():
        log.write(None, "GET", "/slow/", 200, 0.001)
        write_elsewhere(log, "GET", "/fast/")
        log.flush()
        assert "/fast/" in (tmp_path / "requests.log").read_text()
    log.close()
    lines = (tmp_path / "requests.log").read_text().splitlines()
    assert [fields(line)[1] for line in lines] == ["/fast/", "/slow/"]


def test_a_full_disk_is_reported_once_and_shutdown_is_clean(
        caplog: pytest.LogCaptureFixture) -> None:
    """Every failed write is counted, the failure reported once; closing
    reports the lines lost and raises nothing."""
    with caplog.at_level(logging.WARNING, logger="messaging_app"):
        log = RequestLog(Path("/dev/full"))
        for number in range(3):
            log.write(None, "GET", f"/api/{number}/", 200, 0.001)
            log.flush()
        assert log.failed_writes >= 3
        log.close()
    messages = [record.getMessage() for record in caplog.records]
    assert len([m for m in messages if "cannot be written" in m]) == 1
    assert messages[-1] == "The request log /dev/full lost its last 3 lines."


def test_the_flusher_retries_until_the_file_takes_the_lines(
        caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines queued while the disk is full are written, in order, by the
    flushing thread once it has room again, and the recovery is said."""
    monkeypatch.setattr(requestlog, "LOG_FLUSH_SECONDS", 0.05)
    file = FlakyFile()
    with caplog.at_level(logging.WARNING, logger="messaging_app"):
        log = RequestLog(Path("flaky.log"), file)
        log.write(None, "GET", "/first/", 200, 0.001)
        wait_until(lambda: log.failed_writes >= 1)
        log.write(None, "GET", "/second/", 200, 0.001)
        file.full = False
        wait_until(lambda: file.getvalue().count(b"\n") == 2)
        log.close()
    lines = file.getvalue().decode().splitlines()
    assert [fields(line)[1] for line in lines] == ["/first/", "/second/"]
    assert [record.levelname for record in caplog.records] == [
        "ERROR", "WARNING"]


def test_the_backlog_of_a_failing_log_is_bounded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the backlog's bound, lines are counted as lost rather than
    kept in memory."""
    monkeypatch.setattr(requestlog, "MAX_BACKLOG_BYTES", 1000)
    log = RequestLog(Path("full.log"), FlakyFile())
    for number in range(100):
        log.write(None, "GET", f"/api/{number}/", 200, 0.001)
    assert log.lost_lines > 80
    log.close()
