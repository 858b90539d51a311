"""The curriculum's middleware: rate limit, open hours and a role gate.
The last two are off unless their settings are given. The request log has
a module of its own, ``requestlog.py``.
"""
import math
from datetime import datetime

from messaging_app.errors import Forbidden, TooManyRequests
from messaging_app.settings import RateLimit
from messaging_app.storage.ratelimits import RateLimits
from messaging_app.storage.records import User


def check_rate(limits: RateLimits, key: str, rate: RateLimit) -> None:
    """Count one hit of ``key`` against ``rate`` in the database (so every
    process shares the count); 429 with Retry-After past it."""
    wait = limits.hit(key, rate.limit, rate.window_seconds)
    if wait is not None:
        raise TooManyRequests(max(1, math.ceil(wait)))


def check_open_hours(hours: tuple[int, int] | None,
                     now: datetime | None = None) -> None:
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
        raise Forbidden(f"The chat is open from {start:02d}:00 to "
                        f"{end:02d}:00 only.")


def check_role(allowed: tuple[str, ...], user: User) -> None:
    """Refuse with 403 a user whose role is not among ``allowed``."""
    if allowed and user.role not in allowed:
        raise Forbidden("Your role may not use this API.")
