"""The views: one function per endpoint of the route table.

A view gets the services and the request (plus the ids of its path), checks
who may do what, reads and validates its input, calls storage and returns a
response. Views never touch the socket and never see SQL.
"""
from messaging_app import openapi
from messaging_app.accounts import create_account
from messaging_app.errors import (Forbidden, NotFound, Unauthorized,
                                  ValidationError)
from messaging_app.pagination import page_body, read_page
from messaging_app.permissions import (NOT_PARTICIPANT, is_admin,
                                       require_participant, require_sender)
from messaging_app.representations import (MESSAGE, conversation, message,
                                           own_user, public_user)
from messaging_app.request import Request
from messaging_app.response import (Response, encode_json,
                                    encoded_json_response, json_response,
                                    json_response_with, no_content)
from messaging_app.services import Services
from messaging_app.storage import Message, MessageFilter
from messaging_app.tokens import ACCESS, REFRESH, InvalidToken
from messaging_app.validation import Fields

MAX_MESSAGE_LENGTH = 10_000
# The body of every successful health check, encoded once.
HEALTHY = encode_json({"status": "ok", "database": "ok"})
ORDERINGS = {"sent_at": False, "-sent_at": True}


# Health

def health(services: Services, request: Request) -> Response:
    """GET /api/health/: the server is up and its database answers (a
    database that does not is a 503 saying why, from the application)."""
    services.storage.ping()
    return encoded_json_response(HEALTHY)


def schema(services: Services, request: Request) -> Response:
    """GET /api/schema/: the OpenAPI 3.1 document of this API."""
    return json_response(openapi.document())


# Users and tokens

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
    user = services.storage.users.by_login(login_field, login)
    if user is None:
        services.passwords.check(password, None)
        raise Unauthorized(
            "No active account found with the given credentials.")
    if not services.passwords.check(password, user.password_hash):
        raise Unauthorized(
            "No active account found with the given credentials.")
    if services.passwords.outdated(user.password_hash):
        services.storage.users.set_password_hash(
            user.user_id, services.passwords.hash(password))
    return json_response(services.tokens.pair(user.user_id))


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


# Conversations

def list_conversations(services: Services, request: Request) -> Response:
    """GET /api/conversations/: the caller's conversations, newest
    first."""
    fields = Fields(request.query_params())
    page = read_page(fields)
    fields.check()
    count, found = services.storage.conversations.of_member(
        request.caller.user_id, page.size, page.offset)
    return json_response(dict(page_body(request, page, count), results=[
        conversation(each) for each in found]))


def create_conversation(services: Services, request: Request) -> Response:
    """POST /api/conversations/: open a conversation; the caller joins."""
    fields = Fields(request.json())
    wanted = fields.uuid_list("participants")
    fields.check()
    caller = request.caller.user_id
    others = [user_id for user_id in wanted if user_id != caller]
    if not others:
        raise ValidationError({"participants": [
            "Add at least one user other than yourself."]})
    existing = services.storage.users.existing_ids(others)
    missing = [user_id for user_id in others if user_id not in existing]
    if missing:
        raise ValidationError({"participants": [
            f"User {user_id} does not exist." for user_id in missing]})
    created = services.storage.conversations.create([caller, *others])
    return json_response(conversation(created), 201)


def conversation_detail(services: Services, request: Request,
                        conversation_id: str) -> Response:
    """GET /api/conversations/{id}/: one of the caller's conversations."""
    require_participant(services.storage, conversation_id, request.caller)
    found = services.storage.conversations.get(conversation_id)
    if found is None:
        raise NotFound("Conversation not found.")
    return json_response(conversation(found))


# Messages

def message_page(services: Services, request: Request,
                 fields: Fields, **scope: str | None) -> Response:
    """Answer a message list within ``scope`` with the query's filters,
    ordering and page."""
    page = read_page(fields)
    selection = MessageFilter(
        sender_id=fields.uuid("sender", required=False),
        sent_after=fields.time("sent_after"),
        sent_before=fields.time("sent_before"), **scope)
    ordering = fields.data.get("ordering", "sent_at")
    if ordering not in ORDERINGS:
        fields.error("ordering", "Use sent_at or -sent_at.")
    fields.check()
    count, results = services.storage.messages.page(
        selection, page.size, page.offset, ORDERINGS[ordering], MESSAGE)
    return json_response_with(page_body(request, page, count), "results",
                              results)


def list_conversation_messages(services: Services, request: Request,
                               conversation_id: str) -> Response:
    """GET /api/conversations/{id}/messages/: its messages, oldest
    first."""
    require_participant(services.storage, conversation_id, request.caller)
    return message_page(services, request, Fields(request.query_params()),
                        conversation_id=conversation_id)


def list_messages(services: Services, request: Request) -> Response:
    """GET /api/messages/: messages of all the caller's conversations."""
    fields = Fields(request.query_params())
    return message_page(services, request, fields,
                        conversation_id=fields.uuid("conversation",
                                                    required=False),
                        member_id=request.caller.user_id)


def read_message_body(fields: Fields) -> str | None:
    """Read ``message_body``: 1 to 10,000 characters once trimmed."""
    return fields.text("message_body", max_length=MAX_MESSAGE_LENGTH)


def post_message(services: Services, request: Request,
                 conversation_id: str, body: str) -> Response:
    """Store a message from the caller and answer 201 with it."""
    stored = services.storage.messages.add(
        conversation_id, request.caller.user_id, body)
    if stored is None:
        raise Forbidden(NOT_PARTICIPANT)
    return json_response(message(stored), 201)


def create_conversation_message(services: Services, request: Request,
                                conversation_id: str) -> Response:
    """POST /api/conversations/{id}/messages/: send a message."""
    require_participant(services.storage, conversation_id, request.caller)
    fields = Fields(request.json())
    body = read_message_body(fields)
    fields.check()
    return post_message(services, request, conversation_id, body)


def create_message(services: Services, request: Request) -> Response:
    """POST /api/messages/: send a message to the ``conversation`` named
    in the body."""
    fields = Fields(request.json())
    conversation_id = fields.uuid("conversation")
    body = read_message_body(fields)
    fields.check()
    membership = services.storage.conversations.membership(
        conversation_id, request.caller.user_id)
    if membership is None:
        raise ValidationError({"conversation": [
            f"Conversation {conversation_id} does not exist."]})
    if not membership:
        raise Forbidden(NOT_PARTICIPANT)
    return post_message(services, request, conversation_id, body)


def find_message(services: Services, conversation_id: str,
                 message_id: str) -> Message:
    """Return a message of the conversation or raise 404."""
    found = services.storage.messages.get(message_id)
    if found is None or found.conversation_id != conversation_id:
        raise NotFound("Message not found.")
    return found


def message_detail(services: Services, request: Request,
                   conversation_id: str, message_id: str) -> Response:
    """GET /api/conversations/{id}/messages/{message_id}/."""
    require_participant(services.storage, conversation_id, request.caller)
    return json_response(message(find_message(services, conversation_id,
                                              message_id)))


def edit_message(services: Services, request: Request,
                 conversation_id: str, message_id: str) -> Response:
    """PATCH /api/conversations/{id}/messages/{message_id}/: the sender
    rewrites the body; ``edited_at`` is set."""
    require_participant(services.storage, conversation_id, request.caller)
    found = find_message(services, conversation_id, message_id)
    require_sender(found, request.caller)
    fields = Fields(request.json())
    body = read_message_body(fields)
    fields.check()
    edited = services.storage.messages.edit(message_id, body)
    if edited is None:
        raise NotFound("Message not found.")
    return json_response(message(edited))


def delete_message(services: Services, request: Request,
                   conversation_id: str, message_id: str) -> Response:
    """DELETE /api/conversations/{id}/messages/{message_id}/: by its
    sender, or by an admin in any conversation."""
    if not is_admin(request.caller):
        require_participant(services.storage, conversation_id,
                            request.caller)
    found = find_message(services, conversation_id, message_id)
    if not is_admin(request.caller):
        require_sender(found, request.caller)
    if not services.storage.messages.delete(message_id):
        raise NotFound("Message not found.")
    return no_content()
