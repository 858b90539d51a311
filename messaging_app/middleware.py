"""The curriculum's middleware: request log, rate limit, open hours and a
role gate. The last two are off unless their settings are given.
"""
import math
import re
import threading
from datetime import datetime
from pathlib import Path
from typing import Optional, Tuple
from urllib.parse import quote

from messaging_app.errors import Forbidden, TooManyRequests
from messaging_app.clock import utc_now
from messaging_app.settings import RateLimit
from messaging_app.storage.ratelimits import RateLimits
from messaging_app.storage.records import User

# Characters of a path that are written to the log as they are; anything
# else (spaces, newlines) is percent-encoded so one request is one line.
LOG_SAFE = "/:@!$&'()*+,;=-._~%"
LOG_SAFE_PATH = re.compile(r"[A-Za-z0-9{}]*\Z".format(re.escape(LOG_SAFE)))
# The request log reaches the file at most this long after a request.
LOG_FLUSH_SECONDS = 0.5


class RequestLog:
    """Appends one line per request: time, user, method, path, status and
    duration. Never a header or a body.

    Lines are buffered and a background thread flushes them every
    ``LOG_FLUSH_SECONDS`` (and at close): a write to the file per request
    took a quarter of the time of a health check under load. A killed
    process loses at most that last half second of log lines.
    """

    def __init__(self, path: Path) -> None:
        """Open the log file for appending, creating its folder, and start
        the flushing thread."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._flusher = threading.Thread(target=self._flush_often,
                                         name="request-log", daemon=True)
        self._flusher.start()

    def _flush_often(self) -> None:
        """Flush the buffered lines until the log is closed."""
        while not self._closing.wait(LOG_FLUSH_SECONDS):
            with self._lock:
                self._file.flush()

    def write(self, user_id: Optional[str], method: str, path: str,
              status: int, seconds: float) -> None:
        """Append the line of one finished request."""
        if not LOG_SAFE_PATH.match(path):
            path = quote(path, safe=LOG_SAFE)
        line = "{} user={} {} {} {} {:.1f}ms\n".format(
            utc_now(), user_id or "Anonymous", method, path, status,
            seconds * 1000)
        with self._lock:
            self._file.write(line)

    def close(self) -> None:
        """Stop the flushing thread and close the log file."""
        self._closing.set()
        self._flusher.join()
        with self._lock:
            self._file.close()


def check_rate(limits: RateLimits, key: str, rate: RateLimit) -> None:
    """Count one hit of ``key`` against ``rate`` in the database (so every
    process shares the count); 429 with Retry-After past it."""
    wait = limits.hit(key, rate.limit, rate.window_seconds)
    if wait is not None:
        raise TooManyRequests(max(1, math.ceil(wait)))


def check_open_hours(hours: Optional[Tuple[int, int]],
                     now: Optional[datetime] = None) -> None:
    """Refuse with 403 outside the open hours (server's local time).

    ``(21, 6)`` is open through the night.
    """
    if hours is None:
        return
    start, end = hours
    hour = (now or datetime.now()).hour
    is_open = (start <= hour < end if start < end
               else hour >= start or hour < end)
    if not is_open:
        raise Forbidden("The chat is open from {:02d}:00 to {:02d}:00 only."
                        .format(start, end))


def check_role(allowed: Tuple[str, ...], user: User) -> None:
    """Refuse with 403 a user whose role is not among ``allowed``."""
    if allowed and user.role not in allowed:
        raise Forbidden("Your role may not use this API.")
