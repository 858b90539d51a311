"""Views of accounts and tokens: registration, login, refresh, and
looking users up."""
from messaging_app.accounts import create_account
from messaging_app.errors import NotFound, Unauthorized
from messaging_app.middleware import check_limit
from messaging_app.passwords import HashingBusy
from messaging_app.representations import own_user, public_user
from messaging_app.request import Request
from messaging_app.response import Response, json_response
from messaging_app.services import Services
from messaging_app.storage.users import login_key
from messaging_app.tokens import ACCESS, REFRESH, InvalidToken
from messaging_app.validation import Fields


def register_user(services: Services, request: Request) -> Response:
    """POST /api/users/: create an account; the role is always guest."""
    return json_response(own_user(create_account(services, request.json())),
                         201)


def obtain_token(services: Services, request: Request) -> Response:
    """POST /api/token/: trade a username (or email) and password for an
    access and a refresh token."""
    data = request.json()
    fields = Fields(data)
    login_field = "email" if "username" not in data and "email" in data \
        else "username"
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
    return json_response(services.tokens.pair(user.user_id))


def upgrade_hash(services: Services, user_id: str, password: str) -> None:
    """Store the password hashed at the current cost, when a hashing slot
    is free (else at a later login: the login itself has succeeded)."""
    try:
        password_hash = services.passwords.hash(password)
    except HashingBusy:
        return
    services.storage.users.set_password_hash(user_id, password_hash)


def refresh_token(services: Services, request: Request) -> Response:
    """POST /api/token/refresh/: trade a refresh token for an access
    token."""
    fields = Fields(request.json())
    token = fields.text("refresh", max_length=4096)
    fields.check()
    try:
        user_id = services.tokens.verify(token, REFRESH)
    except InvalidToken:
        raise Unauthorized("Token is invalid or expired.",
                           token_sent=True) from None
    if services.storage.users.by_id(user_id) is None:
        raise Unauthorized("User not found.", token_sent=True)
    return json_response({ACCESS: services.tokens.issue(user_id, ACCESS)})


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
