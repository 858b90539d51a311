"""The router: a pure function from a method and a path to a view.

No socket is involved, so it is tested directly. A path that no route
matches is a 404; a path that matches with another method is a 405 that
lists the accepted methods. ``HEAD`` goes wherever ``GET`` does (the
server sends the same headers without the body). Path parameters are
UUIDs: a malformed id matches no route, which makes it a 404 rather than a
crash further on.
"""
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from re import Pattern
from typing import NamedTuple

from messaging_app.errors import MethodNotAllowed, NotFound

UUID_PATTERN = (r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
PARAMETER = re.compile(r"\{(\w+)\}")


def compile_pattern(pattern: str) -> Pattern:
    """Turn ``/api/users/{user_id}/`` into a regular expression."""
    parts = PARAMETER.split(pattern)
    # split() alternates literal text and parameter names.
    regex = "".join(
        f"(?P<{part}>{UUID_PATTERN})" if index % 2
        else re.escape(part)
        for index, part in enumerate(parts))
    return re.compile(regex + r"\Z")


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

    def __post_init__(self) -> None:
        """Compile the pattern once, when the table is built."""
        object.__setattr__(self, "regex", compile_pattern(self.pattern))


class Match(NamedTuple):
    """The route a request goes to and the parameters of its path."""

    route: Route
    params: dict[str, str]


def resolve(routes: Sequence[Route], method: str, path: str) -> Match:
    """Find the route for ``method`` and ``path``.

    The slashless form of a path works too. Ids are returned in lower case,
    the form they are stored in. A HEAD request gets the GET route. Only
    the routes of the request's method are tried first; the others only
    when none matches, to tell a 405 from a 404.
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
    raise NotFound()
