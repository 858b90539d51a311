"""Views of conversations: listing the caller's, opening one, one
conversation's details, and moving the caller's read marker in it.

A conversation's own URL shows its latest messages (as every DRF
serializer of this API nests them) and a link to all of them, so that it
never grows with the history; opening one answers the same shape.
"""
from messaging_app.errors import NotFound, ValidationError
from messaging_app.pagination import page_body, read_page
from messaging_app.permissions import require_participant
from messaging_app.representations import (LATEST_MESSAGES, MESSAGE,
                                           conversation,
                                           conversation_with_link,
                                           read_state)
from messaging_app.request import Request
from messaging_app.response import (Response, json_response,
                                    json_response_with)
from messaging_app.services import Services
from messaging_app.storage import MessageFilter
from messaging_app.validation import Fields, body_fields


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
    fields = body_fields(request.json())
    wanted = fields.uuid_list("participants")
    fields.check()
    caller = request.caller.user_id
    others = [user_id for user_id in wanted if user_id != caller]
    if not others:
        fields.error("participants",
                     "Add at least one user other than yourself.")
        fields.check()
    existing = services.storage.users.existing_ids(others)
    for user_id in others:
        if user_id not in existing:
            fields.error("participants", f"User {user_id} does not exist.")
    fields.check()
    created = services.storage.conversations.create([caller, *others])
    return json_response(dict(conversation_with_link(
        created, request.base_url), messages=[]), 201)


def conversation_detail(services: Services, request: Request,
                        conversation_id: str) -> Response:
    """GET /api/conversations/{id}/: one of the caller's conversations,
    with its latest messages, oldest first."""
    version = require_participant(services.storage, conversation_id,
                                  request.caller)
    found = services.storage.conversations.get(conversation_id,
                                               request.caller.user_id)
    if found is None:
        raise NotFound("Conversation not found.")
    _, latest = services.storage.messages.page(
        MessageFilter(conversation_id=conversation_id), LATEST_MESSAGES, 0,
        True, MESSAGE, chronological=True, version=version)
    return json_response_with(conversation_with_link(
        found, request.base_url), "messages", latest)


def mark_read(services: Services, request: Request,
              conversation_id: str) -> Response:
    """POST /api/conversations/{id}/read/: move the caller's read marker
    forward onto ``message``, or onto the latest message for ``null``; a
    marker already past it stays."""
    require_participant(services.storage, conversation_id, request.caller)
    data = request.json()
    fields = Fields(data)
    if "message" not in data:
        fields.error("message", "This field is required: a message id, or "
                                "null for the latest.")
    message_id = fields.uuid("message", required=False)
    fields.check()
    state = services.storage.read_markers.move(
        conversation_id, request.caller.user_id, message_id)
    if state is None:
        raise ValidationError({"message": [
            f"Message {message_id} is not in this conversation."]})
    return json_response(read_state(state))
