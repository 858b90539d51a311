#!/usr/bin/env python3
"""Tests of the pure router and the route table, without a socket."""
import pytest

from messaging_app.errors import MethodNotAllowed, NotFound
from messaging_app.router import Route, resolve
from messaging_app.routes import ROUTES
from messaging_app.settings import RATE_LIMITS

ID = "0A1B2C3D-0000-4000-8000-00000000000F"


def view() -> None:
    """Stand in for a view; the router never calls it."""


TABLE = [Route("GET", "/api/things/", view, public=True),
         Route("POST", "/api/things/", view),
         Route("GET", "/api/things/{thing_id}/", view),
         Route("DELETE", "/api/things/{thing_id}/", view),
         Route("POST", "/api/nothing-but-post/", view)]


def test_a_path_and_method_find_their_route() -> None:
    """The route with the same method and pattern is returned."""
    match = resolve(TABLE, "POST", "/api/things/")
    assert match.route is TABLE[1]
    assert match.params == {}


def test_parameters_come_back_in_lower_case() -> None:
    """Ids are stored in lower case, so the router hands them so."""
    match = resolve(TABLE, "DELETE", f"/api/things/{ID}/")
    assert match.route is TABLE[3]
    assert match.params == {"thing_id": ID.lower()}


def test_the_slashless_form_works_too() -> None:
    """``/api/things`` is ``/api/things/``."""
    assert resolve(TABLE, "GET", "/api/things").route is TABLE[0]


@pytest.mark.parametrize("path", [
    "/", "/api/", "/api/thing/", "/api/things/x/", "/api/things//",
    f"/api/things/{ID}/extra/", f"/api/things/{ID}x/",
    "/api/things/not-a-uuid/", "/API/THINGS/"])
def test_an_unknown_path_is_404(path: str) -> None:
    """No route matches: NotFound, also for a malformed id."""
    with pytest.raises(NotFound):
        resolve(TABLE, "GET", path)


def test_a_known_path_with_another_method_is_405_with_allow() -> None:
    """The error lists every method the path accepts, sorted, HEAD with
    GET."""
    with pytest.raises(MethodNotAllowed) as raised:
        resolve(TABLE, "PUT", f"/api/things/{ID}/")
    assert raised.value.status == 405
    assert raised.value.headers() == [("Allow", "DELETE, GET, HEAD")]
    assert raised.value.body() == {"detail": 'Method "PUT" not allowed.'}
    with pytest.raises(MethodNotAllowed) as raised:
        resolve(TABLE, "HEAD", "/api/nothing-but-post/")
    assert raised.value.headers() == [("Allow", "POST")]


def test_head_goes_to_the_get_route() -> None:
    """HEAD is answered by the view of GET, with the same parameters."""
    match = resolve(TABLE, "HEAD", f"/api/things/{ID}/")
    assert match.route is TABLE[2]
    assert match.params == {"thing_id": ID.lower()}


def test_every_route_of_the_table_is_reachable() -> None:
    """Each entry resolves to itself with ids in its parameters."""
    for route in ROUTES:
        path = route.pattern.replace("{conversation_id}", ID).replace(
            "{message_id}", ID).replace("{user_id}", ID).replace(
            "{notification_id}", ID)
        assert resolve(ROUTES, route.method, path).route is route


def test_the_table_has_one_entry_per_method_and_pattern() -> None:
    """No two routes clash, and every pattern ends with a slash."""
    keys = [(route.method, route.pattern) for route in ROUTES]
    assert len(keys) == len(set(keys))
    assert all(route.pattern.endswith("/") for route in ROUTES)


def test_me_is_not_taken_for_a_user_id() -> None:
    """``/api/users/me/`` goes to the caller, not to a user lookup."""
    match = resolve(ROUTES, "GET", "/api/users/me/")
    assert match.route.view.__name__ == "current_user"


def test_only_accounts_tokens_health_and_schema_are_public() -> None:
    """Every other route needs a token."""
    public = {(r.method, r.pattern) for r in ROUTES if r.public}
    assert public == {("GET", "/api/health/"), ("GET", "/api/schema/"),
                      ("POST", "/api/users/"), ("POST", "/api/token/"),
                      ("POST", "/api/token/refresh/"),
                      ("POST", "/api/token/logout/"),
                      ("POST", "/api/token/blacklist/"),
                      ("POST", "/api/auth/register/"),
                      ("POST", "/api/auth/login/"),
                      ("POST", "/api/auth/token/"),
                      ("POST", "/api/auth/token/refresh/")}


def test_every_write_and_public_route_names_a_known_rate_limit() -> None:
    """Every route that writes, and every public one but the health
    check, counts against a rate limit that the settings define."""
    unlimited = {(r.method, r.pattern) for r in ROUTES if r.limit is None
                 and (r.public or r.method not in ("GET", "HEAD"))}
    assert unlimited == {("GET", "/api/health/")}
    assert {r.limit for r in ROUTES} - {None} <= set(RATE_LIMITS)
    # A limit per user needs a caller; one per account is the login
    # view's to count, once it knows the account.
    for route in ROUTES:
        per = RATE_LIMITS[route.limit].per if route.limit else None
        assert per != "account" and not (per == "user" and route.public)
