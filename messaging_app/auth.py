"""Authentication: who sent this request, from its Bearer token.

Every failure is a 401 whose challenge says whether a token was sent; the
reasons are not told apart, so a client learns nothing about why a forged
token failed.
"""
from collections.abc import Mapping

from messaging_app.errors import Unauthorized
from messaging_app.storage import Storage, User
from messaging_app.tokens import (ACCESS, InvalidToken, TokenService,
                                  Verified)

INVALID = "Given token not valid for any token type"


def bearer_token(headers: Mapping[str, str]) -> str:
    """Return the token of an ``Authorization: Bearer`` header (names in
    lower case)."""
    header = headers.get("authorization")
    if header is None:
        raise Unauthorized()
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization header must contain the word "
                           "Bearer and a token.", token_sent=True)
    return token.strip()


def authenticate(headers: Mapping[str, str], tokens: TokenService,
                 storage: Storage) -> User:
    """Return the user whose valid access token the request carries.

    The user's row is read on every request, which is what refuses the
    token of a deleted user, and of one who has since changed their
    password or logged out everywhere (an older token version).
    """
    try:
        verified = tokens.verify(bearer_token(headers), ACCESS)
    except InvalidToken:
        raise Unauthorized(INVALID, token_sent=True) from None
    return token_owner(storage, verified)


def token_owner(storage: Storage, verified: Verified,
                revoked: str = INVALID) -> User:
    """Return the user a verified token belongs to; 401 when the user is
    gone, or with the sentence ``revoked`` when the token's version has
    been revoked."""
    user = storage.users.by_id(verified.user_id)
    if user is None:
        raise Unauthorized("User not found.", token_sent=True)
    if user.token_version != verified.version:
        raise Unauthorized(revoked, token_sent=True)
    return user
