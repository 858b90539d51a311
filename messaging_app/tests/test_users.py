#!/usr/bin/env python3
"""Registration, login, token refresh and user lookups over real HTTP."""
import uuid
from collections.abc import Callable

import pytest

from messaging_app.client import Client
from messaging_app.testing import UNKNOWN_ID, InProcessApi, Person

CHALLENGE = 'Bearer realm="api"'
PUBLIC_FIELDS = {"id", "user_id", "username", "first_name", "last_name",
                 "role", "created_at"}


def account(name: str, **changes: object) -> dict:
    """Return a valid registration body for ``name``, with changes."""
    body: dict[str, object] = {
        "username": name, "email": name + "@example.com",
        "password": "long-enough-pw", "first_name": "Ada",
        "last_name": "Lovelace"}
    body.update(changes)
    return body


def users_named(api: InProcessApi, username: str) -> int:
    """Count the stored users with this username."""
    return api.rows("SELECT COUNT(*) FROM users WHERE username = ?",
                    username)[0][0]


def test_registration_returns_the_user_without_the_password(
        anonymous: Client, api: InProcessApi) -> None:
    """201 with the user's fields; the password is nowhere, and only a
    salted hash is stored."""
    reply = anonymous.post("/api/users/", account(
        "grace", phone_number="+1 555 0100"))
    assert reply.status == 201
    assert set(reply.body) == PUBLIC_FIELDS | {"email", "phone_number"}
    assert reply.body["username"] == "grace"
    assert reply.body["role"] == "guest"
    assert reply.body["phone_number"] == "+1 555 0100"
    assert uuid.UUID(reply.body["user_id"])
    assert reply.body["id"] == reply.body["user_id"]
    assert b"long-enough-pw" not in reply.raw
    stored = api.rows("SELECT password_hash FROM users WHERE "
                      "username = 'grace'")[0][0]
    assert stored.startswith("pbkdf2_sha256$")
    assert "long-enough-pw" not in stored


def test_a_client_cannot_choose_its_role_or_id(
        anonymous: Client) -> None:
    """``role`` and ``user_id`` in the body are ignored."""
    chosen = str(uuid.uuid4())
    reply = anonymous.post("/api/users/", account(
        "mallory", role="admin", user_id=chosen))
    assert reply.status == 201
    assert reply.body["role"] == "guest"
    assert reply.body["user_id"] != chosen


@pytest.mark.parametrize("changes, errors", [
    ({"username": None, "password": None},
     {"username": ["This field is required."],
      "password": ["This field is required."]}),
    ({"username": 5}, {"username": ["Not a valid string."]}),
    ({"username": "two words"}, {"username": [
        "Enter a valid username: letters, digits and @ . + - _ only."]}),
    ({"username": "x" * 151}, {"username": [
        "Ensure this field has no more than 150 characters."]}),
    ({"email": "not-an-email"}, {"email": ["Enter a valid email address."]}),
    ({"password": "short"}, {"password": [
        "Ensure this field has at least 8 characters."]}),
    ({"password": ["long-enough-pw"]}, {"password": ["Not a valid string."]}),
    ({"first_name": "   "}, {"first_name": ["This field may not be blank."]}),
    ({"phone_number": 254700}, {"phone_number": ["Not a valid string."]}),
])
def test_invalid_fields_are_400_and_nothing_is_stored(
        anonymous: Client, api: InProcessApi, changes: dict,
        errors: dict) -> None:
    """Each invalid field gets its sentence; no user is created."""
    body = {key: value for key, value in account("invalid", **changes)
            .items() if value is not None}
    reply = anonymous.post("/api/users/", body)
    assert reply.status == 400
    assert reply.body == errors
    assert users_named(api, "invalid") == 0


def test_a_taken_username_or_email_is_400(anonymous: Client,
                                          api: InProcessApi) -> None:
    """Usernames and emails are unique, whatever their case."""
    assert anonymous.post("/api/users/", account("taken")).status == 201
    reply = anonymous.post("/api/users/", account(
        "TAKEN", email="other@example.com"))
    assert (reply.status, reply.body) == (400, {"username": [
        "A user with that username already exists."]})
    reply = anonymous.post("/api/users/", account(
        "other", email="Taken@Example.com"))
    assert (reply.status, reply.body) == (400, {"email": [
        "A user with that email already exists."]})
    assert users_named(api, "other") == 0


def test_login_with_username_or_email_gives_two_tokens(
        anonymous: Client, make_person: Callable[[], Person]) -> None:
    """200 with an access and a refresh token; the access token works."""
    person = make_person()
    for login in ({"username": person.user["username"]},
                  {"email": person.user["email"]}):
        reply = anonymous.post("/api/token/", dict(
            login, password=person.password))
        assert reply.status == 200
        assert set(reply.body) == {"access", "refresh"}
        me = anonymous.with_token(reply.body["access"]).get(
            "/api/users/me/")
        assert me.body["user_id"] == person.user_id


@pytest.mark.parametrize("login", ["username", "nobody"])
def test_wrong_credentials_are_401(anonymous: Client,
                                   make_person: Callable[[], Person],
                                   login: str) -> None:
    """A wrong password or an unknown user: the same 401 and sentence."""
    person = make_person()
    username = person.user["username"] if login == "username" else login
    reply = anonymous.post("/api/token/", {"username": username,
                                           "password": "wrong-password"})
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == CHALLENGE
    assert reply.body == {
        "detail": "No active account found with the given credentials."}


def test_login_without_fields_is_400(anonymous: Client) -> None:
    """Missing username and password are reported per field."""
    reply = anonymous.post("/api/token/", {})
    assert reply.status == 400
    assert reply.body == {"username": ["This field is required."],
                          "password": ["This field is required."]}


def test_a_refresh_token_buys_new_tokens_once(
        anonymous: Client, make_person: Callable[[], Person]) -> None:
    """200 with a new access and a new refresh token, which both work;
    the refresh token sent is spent (refresh tokens rotate)."""
    person = make_person()
    reply = anonymous.post("/api/token/refresh/",
                           {"refresh": person.refresh})
    assert reply.status == 200
    assert set(reply.body) == {"access", "refresh"}
    me = anonymous.with_token(reply.body["access"]).get(
        "/api/users/me/")
    assert (me.status, me.body["user_id"]) == (200, person.user_id)
    again = anonymous.post("/api/token/refresh/",
                           {"refresh": person.refresh})
    assert (again.status, again.body) == (401, {
        "detail": "Token is blacklisted."})
    assert again.headers["WWW-Authenticate"] == (
        CHALLENGE + ', error="invalid_token"')
    assert anonymous.post("/api/token/refresh/", {
        "refresh": reply.body["refresh"]}).status == 200


def test_an_access_token_cannot_be_refreshed(
        anonymous: Client, make_person: Callable[[], Person]) -> None:
    """Only refresh tokens are accepted by the refresh endpoint."""
    reply = anonymous.post("/api/token/refresh/",
                           {"refresh": make_person().client.token})
    assert reply.status == 401
    assert reply.body == {"detail": "Token is invalid or expired."}
    assert reply.headers["WWW-Authenticate"] == (
        CHALLENGE + ', error="invalid_token"')


def test_refresh_without_a_token_is_400(anonymous: Client) -> None:
    """The ``refresh`` field is required and must be a string."""
    reply = anonymous.post("/api/token/refresh/", {"refresh": 12})
    assert (reply.status, reply.body) == (400, {
        "refresh": ["Not a valid string."]})


def test_me_shows_the_callers_private_fields(
        make_person: Callable[[], Person]) -> None:
    """The caller sees their email and phone number."""
    person = make_person()
    reply = person.client.get("/api/users/me")
    assert reply.status == 200
    assert reply.body == person.user


def test_another_user_shows_public_fields_only(
        make_person: Callable[[], Person]) -> None:
    """No email or phone of others; one's own id shows everything."""
    viewer, other = make_person(), make_person()
    reply = viewer.client.get(f"/api/users/{other.user_id}/")
    assert reply.status == 200
    assert set(reply.body) == PUBLIC_FIELDS
    assert reply.body["username"] == other.user["username"]
    own = viewer.client.get(f"/api/users/{viewer.user_id}/")
    assert own.body == viewer.user


@pytest.mark.parametrize("user_id", [UNKNOWN_ID, "42", "not-a-uuid"])
def test_an_unknown_or_malformed_user_id_is_404(
        make_person: Callable[[], Person], user_id: str) -> None:
    """Unknown and malformed ids alike are a JSON 404."""
    reply = make_person().client.get(f"/api/users/{user_id}/")
    assert reply.status == 404
    assert set(reply.body) == {"detail"}


def test_user_endpoints_need_a_token(anonymous: Client) -> None:
    """401 with the plain challenge when no token is sent."""
    for path in ("/api/users/me/", f"/api/users/{uuid.uuid4()}/"):
        reply = anonymous.get(path)
        assert reply.status == 401
        assert reply.headers["WWW-Authenticate"] == CHALLENGE
        assert reply.body == {
            "detail": "Authentication credentials were not provided."}


UNSAFE = ("Control characters and text direction overrides are not "
          "allowed.")


@pytest.mark.parametrize("field", ["username", "first_name", "last_name",
                                   "email"])
def test_names_refuse_control_and_direction_characters(
        anonymous: Client, api: InProcessApi, field: str) -> None:
    """A right-to-left override (which would show ``evil\\u202egnp.exe``
    as ``evilexe.png``), an isolate, a terminal escape or a line break
    inside a name is a 400 naming the field; nothing is stored."""
    for bad in ("ali\u202ece", "ali\u2067ce", "ali\x1b[31mce",
                "ali\nce"):
        value = f"{bad}@example.com" if field == "email" else bad
        reply = anonymous.post("/api/users/", account(
            "unsafe", **{field: value}))
        assert (reply.status, reply.body) == (400, {field: [UNSAFE]})
    assert users_named(api, "unsafe") == 0


def test_names_differing_in_unicode_form_or_case_are_one_name(
        anonymous: Client, api: InProcessApi) -> None:
    """Usernames are compared by their NFKC, case-folded form: another
    case of an accented name and the fullwidth forms of a name are taken
    already, and logging in with any of them finds the one account."""
    suffix = str(uuid.uuid4().int)[:8]
    elise, zoe = f"Élise{suffix}", f"zoe{suffix}"
    for name in (elise, zoe):
        assert anonymous.post("/api/users/", account(
            name, email=f"{suffix}{len(name)}@example.com")).status == 201
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in "zoe") + suffix
    for taken in (f"élise{suffix}", f"ÉLISE{suffix}", fullwidth,
                  fullwidth.upper()):
        reply = anonymous.post("/api/users/", account(
            taken, email=f"other{suffix}@example.com"))
        assert (reply.status, reply.body) == (400, {"username": [
            "A user with that username already exists."]}), taken
    reply = anonymous.post("/api/token/", {
        "username": f"ÉLISE{suffix}", "password": "long-enough-pw"})
    assert reply.status == 200
    assert api.rows("SELECT username FROM users WHERE username_key = ?",
                    f"élise{suffix}") == [(elise,)]
