"""JSON Web Tokens with PyJWT: HS256 only, every claim required.

An access token (15 minutes by default) is sent as ``Authorization: Bearer``
on each request; a refresh token (7 days) only buys new access tokens. The
token type is a claim, so one kind can never stand in for the other.
"""
import time
import uuid
from typing import Dict, Tuple

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


class TokenService:
    """Issues and verifies the API's tokens with one secret key."""

    def __init__(self, secret: str, access_seconds: float,
                 refresh_seconds: float) -> None:
        """Sign with ``secret``; tokens live the given number of seconds."""
        self._secret = secret
        self._lifetimes = {ACCESS: access_seconds, REFRESH: refresh_seconds}
        self._verified: Dict[str, Tuple[str, str, int]] = {}

    def issue(self, user_id: str, token_type: str) -> str:
        """Return a signed token of ``token_type`` for a user."""
        now = int(time.time())
        claims = {"sub": user_id, "iat": now,
                  "exp": now + int(self._lifetimes[token_type]),
                  "jti": uuid.uuid4().hex, "token_type": token_type}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def pair(self, user_id: str) -> Dict[str, str]:
        """Return a fresh access and refresh token for a user."""
        return {ACCESS: self.issue(user_id, ACCESS),
                REFRESH: self.issue(user_id, REFRESH)}

    def verify(self, token: str, token_type: str) -> str:
        """Return the user id of a valid token of ``token_type``.

        A token verified before is looked up instead of decoded again, as
        long as it has not expired: only the very same bytes match, so a
        forged token is always decoded, and refused.
        """
        remembered = self._verified.get(token)
        if remembered and remembered[1] == token_type \
                and time.time() < remembered[2]:
            return remembered[0]
        user_id, expires = self._decode(token, token_type)
        if len(self._verified) >= CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (user_id, token_type, expires)
        return user_id

    def _decode(self, token: str, token_type: str) -> Tuple[str, int]:
        """Decode and check a token; return its user id and expiry.

        Passing ``algorithms`` is what refuses ``alg: none`` and tokens
        signed with another algorithm.
        """
        try:
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM],
                                options={"require": REQUIRED_CLAIMS})
        except jwt.PyJWTError:
            raise InvalidToken() from None
        if claims["token_type"] != token_type or not isinstance(
                claims["sub"], str):
            raise InvalidToken()
        return claims["sub"], claims["exp"]
