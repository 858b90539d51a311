"""JSON Web Tokens with PyJWT: HS256 only, every claim required.

An access token (15 minutes by default) is sent as ``Authorization: Bearer``
on each request; a refresh token (7 days) only buys new tokens. The token
type is a claim, so one kind can never stand in for the other.

Each token also carries ``ver``, the user's token version when it was
issued (a token made before versions existed reads as version 0). A
password change or a logout everywhere raises the user's version, and
every request compares: a version rather than an issue time, because two
machines' clocks never agree to the second, and a token issued in the same
second as a password change would otherwise pass or fail by chance.
"""
import time
import uuid
from typing import NamedTuple

import jwt

ALGORITHM = "HS256"
# Verified tokens remembered at most; a client reuses its access token for
# up to 15 minutes, and decoding it again costs more than the page query.
CACHE_SIZE = 10_000
REQUIRED_CLAIMS = ["sub", "iat", "exp", "jti", "token_type"]
ACCESS = "access"
REFRESH = "refresh"


class InvalidToken(Exception):
    """The token is malformed, tampered with, expired or of the wrong
    type."""


class Verified(NamedTuple):
    """What a valid token says: whose it is, its id, when it expires
    (Unix time) and the user's token version it was issued at."""

    user_id: str
    jti: str
    expires: int
    version: int


class TokenService:
    """Issues and verifies the API's tokens with one secret key."""

    def __init__(self, secret: str, access_seconds: float,
                 refresh_seconds: float) -> None:
        """Sign with ``secret``; tokens live the given number of seconds."""
        self._secret = secret
        self._lifetimes = {ACCESS: access_seconds, REFRESH: refresh_seconds}
        self._verified: dict[str, tuple[Verified, str]] = {}

    def issue(self, user_id: str, token_type: str, version: int = 0) -> str:
        """Return a signed token of ``token_type`` for a user whose tokens
        are at ``version``."""
        now = int(time.time())
        claims = {"sub": user_id, "iat": now,
                  "exp": now + int(self._lifetimes[token_type]),
                  "jti": uuid.uuid4().hex, "token_type": token_type,
                  "ver": version}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def pair(self, user_id: str, version: int = 0) -> dict[str, str]:
        """Return a fresh access and refresh token for a user."""
        return {ACCESS: self.issue(user_id, ACCESS, version),
                REFRESH: self.issue(user_id, REFRESH, version)}

    def verify(self, token: str, token_type: str) -> Verified:
        """Return what a valid token of ``token_type`` says.

        A token verified before is looked up instead of decoded again, as
        long as it has not expired: only the very same bytes match, so a
        forged token is always decoded, and refused.
        """
        remembered = self._verified.get(token)
        if remembered and remembered[1] == token_type \
                and time.time() < remembered[0].expires:
            return remembered[0]
        verified = self._decode(token, token_type)
        if len(self._verified) >= CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (verified, token_type)
        return verified

    def _decode(self, token: str, token_type: str) -> Verified:
        """Decode and check a token.

        Passing ``algorithms`` is what refuses ``alg: none`` and tokens
        signed with another algorithm.
        """
        try:
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM],
                                options={"require": REQUIRED_CLAIMS})
        except jwt.PyJWTError:
            raise InvalidToken() from None
        version = claims.get("ver", 0)
        if claims["token_type"] != token_type or not isinstance(
                claims["sub"], str) or not isinstance(claims["jti"], str) \
                or type(version) is not int:
            raise InvalidToken()
        return Verified(claims["sub"], claims["jti"], claims["exp"],
                        version)
