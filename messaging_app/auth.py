"""Authentication: who sent this request, from its Bearer token.

Every failure is a 401 whose challenge says whether a token was sent; the
reasons are not told apart, so a client learns nothing about why a forged
token failed.
"""
from typing import Mapping

from messaging_app.errors import Unauthorized
from messaging_app.storage import Storage, User
from messaging_app.tokens import ACCESS, InvalidToken, TokenService

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
    """Return the user whose valid access token the request carries."""
    try:
        user_id = tokens.verify(bearer_token(headers), ACCESS)
    except InvalidToken:
        raise Unauthorized(INVALID, token_sent=True) from None
    user = storage.users.by_id(user_id)
    if user is None:
        raise Unauthorized("User not found.", token_sent=True)
    return user
