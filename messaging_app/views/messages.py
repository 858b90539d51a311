"""Views of messages: pages of them, sending, reading one, editing and
deleting."""
from messaging_app.errors import Forbidden, NotFound
from messaging_app.pagination import page_body, read_page
from messaging_app.permissions import (NOT_PARTICIPANT, is_admin,
                                       require_participant, require_sender)
from messaging_app.representations import MESSAGE, message
from messaging_app.request import Request
from messaging_app.response import (Response, json_response,
                                    json_response_with, no_content)
from messaging_app.services import Services
from messaging_app.storage import Message, MessageFilter
from messaging_app.validation import Fields, body_fields

MAX_MESSAGE_LENGTH = 10_000
# Whether each known ``ordering`` lists the newest first.
ORDERINGS = {"sent_at": False, "-sent_at": True}
# The filters of message lists: one sent empty is no filter, as
# django-filter, which DRF versions of this API use, ignores it.
FILTERS = ("conversation", "sender", "sent_after", "sent_before")


def query_fields(request: Request) -> Fields:
    """Return the fields of a message list's query, without the filters
    sent empty."""
    return Fields({name: value
                   for name, value in request.query_params().items()
                   if value or name not in FILTERS})


def read_ordering(fields: Fields) -> bool:
    """Tell whether a list goes newest first, reading ``ordering`` as
    DRF's OrderingFilter does: a comma-separated list whose known fields
    count and whose unknown ones are ignored (none known: oldest first)."""
    value = fields.value("ordering")
    terms = value.split(",") if isinstance(value, str) else []
    known = [term.strip() for term in terms if term.strip() in ORDERINGS]
    return ORDERINGS[known[0]] if known else False


def message_page(services: Services, request: Request,
                 fields: Fields, **scope: str | None) -> Response:
    """Answer a message list within ``scope`` with the query's filters,
    ordering and page."""
    page = read_page(fields)
    selection = MessageFilter(
        sender_id=fields.uuid("sender", required=False),
        sent_after=fields.time("sent_after"),
        sent_before=fields.time("sent_before"), **scope)
    newest_first = read_ordering(fields)
    fields.check()
    count, results = services.storage.messages.page(
        selection, page.size, page.offset, newest_first, MESSAGE)
    return json_response_with(page_body(request, page, count), "results",
                              results)


def list_conversation_messages(services: Services, request: Request,
                               conversation_id: str) -> Response:
    """GET /api/conversations/{id}/messages/: its messages, oldest
    first."""
    require_participant(services.storage, conversation_id, request.caller)
    return message_page(services, request, query_fields(request),
                        conversation_id=conversation_id)


def list_messages(services: Services, request: Request) -> Response:
    """GET /api/messages/: messages of all the caller's conversations."""
    fields = query_fields(request)
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
    fields = body_fields(request.json())
    body = read_message_body(fields)
    fields.check()
    return post_message(services, request, conversation_id, body)


def create_message(services: Services, request: Request) -> Response:
    """POST /api/messages/: send a message to the ``conversation`` named
    in the body."""
    fields = body_fields(request.json())
    conversation_id = fields.uuid("conversation")
    body = read_message_body(fields)
    fields.check()
    membership = services.storage.conversations.membership(
        conversation_id, request.caller.user_id)
    if membership is None:
        fields.error("conversation",
                     f"Conversation {conversation_id} does not exist.")
        fields.check()
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
    fields = body_fields(request.json())
    body = read_message_body(fields)
    fields.check()
    edited = services.storage.messages.edit(message_id, body)
    if edited is None:
        raise NotFound("Message not found.")
    return json_response(message(edited))


def conversation_of(services: Services, message_id: str) -> str:
    """Return the conversation of a message, or raise 404: the flat
    routes name a message without its conversation."""
    found = services.storage.messages.get(message_id)
    if found is None:
        raise NotFound("Message not found.")
    return found.conversation_id


def flat_message_detail(services: Services, request: Request,
                        message_id: str) -> Response:
    """GET /api/messages/{message_id}/: as under its conversation."""
    return message_detail(services, request,
                          conversation_of(services, message_id), message_id)


def flat_edit_message(services: Services, request: Request,
                      message_id: str) -> Response:
    """PATCH /api/messages/{message_id}/: as under its conversation."""
    return edit_message(services, request,
                        conversation_of(services, message_id), message_id)


def flat_delete_message(services: Services, request: Request,
                        message_id: str) -> Response:
    """DELETE /api/messages/{message_id}/: as under its conversation."""
    return delete_message(services, request,
                          conversation_of(services, message_id), message_id)


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
