"""Views of accounts and tokens: registration, login, refreshing and
giving up tokens, changing one's password, and looking users up."""
from messaging_app.accounts import create_account
from messaging_app.auth import token_owner
from messaging_app.errors import NotFound, Unauthorized, ValidationError
from messaging_app.middleware import check_limit
from messaging_app.passwords import HashingBusy
from messaging_app.representations import own_user, public_user
from messaging_app.request import Request
from messaging_app.response import Response, json_response
from messaging_app.services import Services
from messaging_app.storage import User
from messaging_app.storage.users import LoginField, login_key
from messaging_app.tokens import REFRESH, InvalidToken, Verified
from messaging_app.validation import Fields

# simplejwt's sentences, which the curriculum's clients may show.
INVALID_REFRESH = "Token is invalid or expired."
BLACKLISTED = "Token is blacklisted."
WRONG_OLD_PASSWORD = ("Your old password was entered incorrectly. Please "
                      "enter it again.")


def register_user(services: Services, request: Request) -> Response:
    """POST /api/users/: create an account; the role is always guest."""
    return json_response(own_user(create_account(services, request.json())),
                         201)


def obtain_token(services: Services, request: Request) -> Response:
    """POST /api/token/: trade a username (or email) and password for an
    access and a refresh token."""
    data = request.json()
    fields = Fields(data)
    login_field: LoginField = "email" \
        if "username" not in data and "email" in data else "username"
    login = fields.text(login_field, max_length=254)
    password = fields.text("password", max_length=1024)
    fields.check()
    assert login is not None and password is not None
    user = services.storage.users.by_login(login_field, login)
    # Attempts on one account count together, whichever name or address
    # they come from; an unknown name counts the same way, so the limit
    # does not tell which accounts exist.
    check_limit(services, "login_account", user.user_id if user else
                f"{login_field}:{login_key(login)}")
    if not services.passwords.check(
            password, user.password_hash if user else None) or not user:
        raise Unauthorized(
            "No active account found with the given credentials.")
    if services.passwords.outdated(user.password_hash):
        upgrade_hash(services, user.user_id, password)
    return json_response(services.tokens.pair(user.user_id,
                                              user.token_version))


def upgrade_hash(services: Services, user_id: str, password: str) -> None:
    """Store the password hashed at the current cost, when a hashing slot
    is free (else at a later login: the login itself has succeeded)."""
    try:
        password_hash = services.passwords.hash(password)
    except HashingBusy:
        return
    services.storage.users.set_password_hash(user_id, password_hash)


def refresh_owner(services: Services,
                  token: str | None) -> tuple[Verified, User]:
    """Verify a refresh token and return it with its user; 401 when it
    is invalid, expired or revoked, or its user is gone."""
    try:
        verified = services.tokens.verify(token or "", REFRESH)
    except InvalidToken:
        raise Unauthorized(INVALID_REFRESH, token_sent=True) from None
    return verified, token_owner(services.storage, verified, BLACKLISTED)


def refresh_token(services: Services, request: Request) -> Response:
    """POST /api/token/refresh/: trade a refresh token for a new access
    token and a new refresh token. The refresh token rotates: the one
    sent is revoked, so a second use of it (a stolen copy) is a 401."""
    fields = Fields(request.json())
    token = fields.text("refresh", max_length=4096)
    fields.check()
    verified, user = refresh_owner(services, token)
    if not services.storage.revocations.revoke(verified.jti,
                                               verified.expires):
        raise Unauthorized(BLACKLISTED, token_sent=True)
    return json_response(services.tokens.pair(user.user_id,
                                              user.token_version))


def log_out(services: Services, request: Request) -> Response:
    """POST /api/token/logout/ (and simplejwt's /api/token/blacklist/):
    give up a refresh token; with ``"everywhere": true``, every token of
    the account issued so far, access tokens included."""
    fields = Fields(request.json())
    token = fields.text("refresh", max_length=4096)
    everywhere = fields.boolean("everywhere")
    fields.check()
    verified, user = refresh_owner(services, token)
    if everywhere:
        services.storage.users.revoke_tokens(user.user_id)
    elif not services.storage.revocations.revoke(verified.jti,
                                                 verified.expires):
        raise Unauthorized(BLACKLISTED, token_sent=True)
    return json_response({})


def change_password(services: Services, request: Request) -> Response:
    """POST /api/users/me/password/: with the old password, set a new
    one. Every token issued before stops working, on every device; the
    answer carries a new pair for this one."""
    fields = Fields(request.json())
    old_password = fields.password("old_password", min_length=1)
    new_password = fields.password("new_password")
    fields.check()
    assert old_password is not None and new_password is not None
    caller = request.caller
    if not services.passwords.check(old_password, caller.password_hash):
        raise ValidationError({"old_password": [WRONG_OLD_PASSWORD]})
    version = services.storage.users.change_password(
        caller.user_id, services.passwords.hash(new_password))
    if version is None:
        raise Unauthorized("User not found.", token_sent=True)
    return json_response(services.tokens.pair(caller.user_id, version))


def current_user(services: Services, request: Request) -> Response:
    """GET /api/users/me/: the caller, with their private fields."""
    return json_response(own_user(request.caller))


def user_detail(services: Services, request: Request,
                user_id: str) -> Response:
    """GET /api/users/{user_id}/: another user's public fields."""
    user = services.storage.users.by_id(user_id)
    if user is None:
        raise NotFound("User not found.")
    if user_id == request.caller.user_id:
        return json_response(own_user(user))
    return json_response(public_user(user))
