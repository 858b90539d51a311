#!/usr/bin/env python3
"""Forged, expired and misused tokens: every one is a 401 with a Bearer
challenge, on a live server over HTTP."""
import base64
import json
import threading
import time
import uuid
from collections.abc import Callable

import jwt
import pytest

from messaging_app.client import Client
from messaging_app.settings import load_secret_key
from messaging_app.tokens import ACCESS, REFRESH, InvalidToken, TokenService
from messaging_app.testing import (InProcessApi, Person,
                                   conversation_between)

INVALID = 'Bearer realm="api", error="invalid_token"'


def segment(data: dict) -> str:
    """Encode a JWT header or payload as unpadded base64url."""
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def claims(user_id: str, **changes: object) -> dict[str, object]:
    """Return an access token's claims for ``user_id``, with changes;
    a change to None removes the claim."""
    now = int(time.time())
    found = {"sub": user_id, "iat": now, "exp": now + 600,
             "jti": uuid.uuid4().hex, "token_type": "access"}
    found.update(changes)
    return {name: value for name, value in found.items()
            if value is not None}


def forge(kind: str, secret: str, user_id: str) -> str:
    """Make the token of one attack against the server's ``secret``."""
    if kind == "alg none":
        header = segment({"alg": "none", "typ": "JWT"})
        return f"{header}.{segment(claims(user_id))}."
    if kind == "RS256 header":
        header = segment({"alg": "RS256", "typ": "JWT"})
        return f"{header}.{segment(claims(user_id))}.c2lnbmF0dXJl"
    if kind == "HS512":
        return jwt.encode(claims(user_id), secret, algorithm="HS512")
    if kind == "wrong signature":
        return jwt.encode(claims(user_id), "x" * 48, algorithm="HS256")
    if kind == "tampered payload":
        header, _, signature = jwt.encode(
            claims(user_id), secret, algorithm="HS256").split(".")
        stranger = segment(claims(str(uuid.uuid4())))
        return f"{header}.{stranger}.{signature}"
    changes: dict[str, dict[str, object]] = {
        "expired": {"iat": int(time.time()) - 7200,
                    "exp": int(time.time()) - 3600},
        "no exp": {"exp": None}, "no sub": {"sub": None},
        "no jti": {"jti": None}, "no token type": {"token_type": None},
        "refresh as access": {"token_type": "refresh"},
        "numeric sub": {"sub": 12},
        "sub not a uuid": {"sub": "1 OR 1=1"},
        "unknown user": {"sub": str(uuid.uuid4())},
        "revoked version": {"ver": 1},
        "version not a number": {"ver": "0"},
    }
    return jwt.encode(claims(user_id, **changes[kind]), secret,
                      algorithm="HS256")


ATTACKS = ["alg none", "RS256 header", "HS512", "wrong signature",
           "tampered payload", "expired", "no exp", "no sub", "no jti",
           "no token type", "refresh as access", "numeric sub",
           "sub not a uuid", "unknown user", "revoked version",
           "version not a number"]


@pytest.mark.parametrize("kind", ATTACKS)
def test_a_forged_or_misused_token_is_401(
        api: InProcessApi, make_person: Callable[[], Person],
        kind: str) -> None:
    """The attack's token is refused on a route that needs a token."""
    person = make_person()
    secret = load_secret_key(api.app.services.settings)
    forged = api.client(forge(kind, secret, person.user_id))
    reply = forged.get("/api/conversations/")
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == INVALID
    assert set(reply.body) == {"detail"}


def test_the_genuine_token_of_the_same_test_passes(
        api: InProcessApi, make_person: Callable[[], Person]) -> None:
    """The forging helper signs a valid token when nothing is changed,
    so the attacks above fail for their change alone."""
    person = make_person()
    secret = load_secret_key(api.app.services.settings)
    token = jwt.encode(claims(person.user_id), secret, algorithm="HS256")
    reply = api.client(token).get("/api/conversations/")
    assert reply.status == 200


def test_a_refresh_token_of_a_forged_kind_is_refused(
        api: InProcessApi, make_person: Callable[[], Person]) -> None:
    """The refresh endpoint refuses alg none and expired tokens too."""
    person = make_person()
    secret = load_secret_key(api.app.services.settings)
    expired = jwt.encode(claims(person.user_id, token_type="refresh",
                                exp=int(time.time()) - 1), secret,
                         algorithm="HS256")
    refresh_claims = claims(person.user_id, token_type="refresh")
    unsigned = f"{segment({'alg': 'none'})}.{segment(refresh_claims)}."
    anonymous = api.client()
    for token in (expired, unsigned, "garbage"):
        reply = anonymous.post("/api/token/refresh/", {"refresh": token})
        assert reply.status == 401
        assert reply.headers["WWW-Authenticate"] == INVALID


def test_a_deleted_users_tokens_stop_working(
        api: InProcessApi, make_person: Callable[[], Person]) -> None:
    """Access and refresh tokens of a user that no longer exists: 401."""
    person = make_person()
    assert api.app.services.storage.users.delete(person.user["username"])
    reply = person.client.get("/api/users/me/")
    assert (reply.status, reply.body) == (401, {"detail": "User not found."})
    assert reply.headers["WWW-Authenticate"] == INVALID
    reply = api.client().post(
        "/api/token/refresh/", {"refresh": person.refresh})
    assert reply.status == 401


def test_a_deleted_participant_cannot_read_the_conversation_again(
        api: InProcessApi, make_person: Callable[[], Person]) -> None:
    """A participant who could read a conversation is refused with 401
    once the account is deleted; the other participant still reads it."""
    person, other = make_person(), make_person()
    path = conversation_between(person, other)
    assert person.client.get(path).status == 200
    assert api.app.services.storage.users.delete(person.user["username"])
    reply = person.client.get(path)
    assert (reply.status, reply.body) == (401, {"detail": "User not found."})
    assert other.client.get(path).status == 200


@pytest.mark.parametrize("header", [
    "Token abc", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "abc.def.ghi"])
def test_a_malformed_authorization_header_is_401(
        anonymous: Client, header: str) -> None:
    """Another scheme or no token after Bearer: 401, token refused."""
    reply = anonymous.get("/api/conversations/",
                          headers={"Authorization": header})
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == INVALID


def test_a_remembered_token_still_expires_and_keeps_its_type() -> None:
    """Verified tokens are remembered for speed, but an expired one is
    refused and an access token never passes as a refresh token."""
    tokens = TokenService("s" * 40, access_seconds=1, refresh_seconds=60)
    user_id = str(uuid.uuid4())
    access = tokens.issue(user_id, ACCESS)
    assert tokens.verify(access, ACCESS).user_id == user_id
    with pytest.raises(InvalidToken):
        tokens.verify(access, REFRESH)
    expiry = jwt.decode(access, options={"verify_signature": False})["exp"]
    # Real time must pass the expiry; nothing here can stand in for it.
    threading.Event().wait(max(0.0, expiry - time.time()) + 0.05)
    with pytest.raises(InvalidToken):
        tokens.verify(access, ACCESS)
