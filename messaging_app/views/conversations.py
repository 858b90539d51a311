"""Views of conversations: listing the caller's, opening one, one
conversation's details, and moving the caller's read marker in it."""
from messaging_app.errors import NotFound, ValidationError
from messaging_app.pagination import page_body, read_page
from messaging_app.permissions import require_participant
from messaging_app.representations import conversation, read_state
from messaging_app.request import Request
from messaging_app.response import Response, json_response
from messaging_app.services import Services
from messaging_app.validation import Fields


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
    found = services.storage.conversations.get(conversation_id,
                                               request.caller.user_id)
    if found is None:
        raise NotFound("Conversation not found.")
    return json_response(conversation(found))


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
