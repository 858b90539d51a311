"""The curriculum's middleware: rate limits, open hours and a role gate.
The last two are off unless their settings are given. The request log has
a module of its own, ``requestlog.py``.

Every rate limit is counted in the database (``storage.rate_limits``), so
all the processes of a server share the counts. A route names the limit
it counts against (routes.py); the settings hold each limit by name, with
what it counts by: the client's address, the caller or, for logins, the
account named (which the login view counts itself).
"""
import ipaddress
import math
from datetime import datetime

from messaging_app.errors import Forbidden, TooManyRequests
from messaging_app.request import Request
from messaging_app.services import Services
from messaging_app.settings import USER, RateLimit
from messaging_app.storage.ratelimits import RateLimits
from messaging_app.storage.records import User


def check_rate(limits: RateLimits, key: str, rate: RateLimit) -> None:
    """Count one hit of ``key`` against ``rate`` in the database (so every
    process shares the count); 429 with Retry-After past it."""
    wait = limits.hit(key, rate.limit, rate.window_seconds)
    if wait is not None:
        raise TooManyRequests(max(1, math.ceil(wait)), rate.counts)


def check_limit(services: Services, name: str, key: str) -> None:
    """Count one hit of ``key`` against the rate limit called ``name``."""
    check_rate(services.storage.rate_limits, f"{name}:{key}",
               services.settings.rate_limits[name])


def check_route_limit(services: Services, name: str,
                      request: Request) -> None:
    """Count a request against its route's limit, keyed by the caller or
    by the client's address as the limit says."""
    rate = services.settings.rate_limits[name]
    key = (request.caller.user_id if rate.per == USER
           else address_key(request.client_ip))
    check_limit(services, name, key)


def address_key(client_ip: str) -> str:
    """Return what a per-address limit counts by: an IPv4 address as it
    is, an IPv6 address by its /64 network (what one subscriber gets, so
    a client cannot take a fresh address for each request)."""
    try:
        address = ipaddress.ip_address(client_ip.split("%")[0])
    except ValueError:
        return client_ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


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
