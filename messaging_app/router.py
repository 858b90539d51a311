"""The router: a pure function from a method and a path to a view.

No socket is involved, so it is tested directly. A path that no route
matches is a 404; a path that matches with another method is a 405 that
lists the accepted methods. ``HEAD`` goes wherever ``GET`` does (the
server sends the same headers without the body). Path parameters are
UUIDs: a malformed id matches no route, which makes it a 404 rather than a
crash further on; when the path has the shape of a route that needs a
token, the 404 says so (``ProtectedNotFound``), so that the application can
ask for credentials first, as Django REST Framework does.
"""
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from re import Pattern
from typing import NamedTuple

from messaging_app.errors import MethodNotAllowed, NotFound

UUID_PATTERN = (r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
PARAMETER = re.compile(r"\{(\w+)\}")
# What a path parameter looks like to a client: anything up to a slash.
SEGMENT_PATTERN = r"[^/]+"


def compile_pattern(pattern: str, parameter: str = UUID_PATTERN) -> Pattern:
    """Turn ``/api/users/{user_id}/`` into a regular expression whose
    parameters match ``parameter``."""
    parts = PARAMETER.split(pattern)
    # split() alternates literal text and parameter names.
    regex = "".join(
        f"(?P<{part}>{parameter})" if index % 2
        else re.escape(part)
        for index, part in enumerate(parts))
    return re.compile(regex + r"\Z")


class ProtectedNotFound(NotFound):
    """No route matches, but the path has the shape of a route that needs
    a token (its id is malformed): a client without valid credentials is
    told that first, as it is for a well-formed id."""


@dataclass(frozen=True)
class Route:
    """One line of the route table: method, path pattern and view.

    ``public`` routes need no token; ``limit`` names the rate limit a
    request counts against (see settings.RATE_LIMITS), if any.
    """

    method: str
    pattern: str
    view: Callable = field(compare=False)
    public: bool = False
    limit: str | None = None
    regex: Pattern = field(init=False, repr=False, compare=False)
    shape: Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Compile the pattern once, when the table is built: strictly,
        and with any segment for an id (the shape of its paths)."""
        object.__setattr__(self, "regex", compile_pattern(self.pattern))
        object.__setattr__(self, "shape", compile_pattern(
            self.pattern, SEGMENT_PATTERN))


def also_at(routes: Sequence[Route], method: str, pattern: str,
            other: str) -> Route:
    """Return a copy of the route of ``method`` and ``pattern`` at the path
    ``other``: the same view, audience and limits under another name."""
    found = next(route for route in routes
                 if (route.method, route.pattern) == (method, pattern))
    return replace(found, pattern=other)


class Match(NamedTuple):
    """The route a request goes to and the parameters of its path."""

    route: Route
    params: dict[str, str]


def resolve(routes: Sequence[Route], method: str, path: str) -> Match:
    """Find the route for ``method`` and ``path``.

    The slashless form of a path works too. Ids are returned in lower case,
    the form they are stored in. A HEAD request gets the GET route. Only
    the routes of the request's method are tried first; the others only
    when none matches, to tell a 405 from a 404. A 404 for a path shaped
    like a route that needs a token is a ``ProtectedNotFound``.
    """
    if not path.endswith("/"):
        path += "/"
    wanted = "GET" if method == "HEAD" else method
    for route in routes:
        if route.method != wanted:
            continue
        found = route.regex.match(path)
        if found is not None:
            params = {name: value.lower()
                      for name, value in found.groupdict().items()}
            return Match(route, params)
    allowed = {route.method for route in routes if route.regex.match(path)}
    if "GET" in allowed:
        allowed.add("HEAD")
    if allowed:
        raise MethodNotAllowed(method, allowed)
    if any(not route.public and route.shape.match(path) for route in routes):
        raise ProtectedNotFound()
    raise NotFound()
