"""The time as the API stores and shows it: UTC, ISO 8601, one width.

Every time is text such as ``2026-12-01T11:37:02.123456Z``: always
microseconds and a ``Z``, so comparing two times as text compares them as
times, on every database engine.
"""
from datetime import datetime, timezone


def iso_utc(moment: datetime) -> str:
    """Format an aware datetime the way the API stores times."""
    text = moment.astimezone(timezone.utc).isoformat(timespec="microseconds")
    return text.removesuffix("+00:00") + "Z"


def utc_now() -> str:
    """Return the current time, formatted by ``iso_utc``."""
    return iso_utc(datetime.now(timezone.utc))
