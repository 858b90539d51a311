"""Views of messages: pages of them, sending (or replying), reading one,
editing and deleting (also at the flat /api/messages/{id}/ paths), and a
message's edit history and thread."""
from dataclasses import replace

from messaging_app.errors import Forbidden, NotFound, ValidationError
from messaging_app.pagination import page_body, read_page
from messaging_app.permissions import (NOT_PARTICIPANT, is_admin,
                                       require_participant, require_sender)
from messaging_app.representations import (MESSAGE, THREAD_MESSAGE, edit,
                                           message)
from messaging_app.request import Request
from messaging_app.response import (Response, json_response,
                                    json_response_with, no_content)
from messaging_app.services import Services
from messaging_app.storage import MAX_REPLY_DEPTH, Message, MessageFilter
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


def message_page(services: Services, request: Request, fields: Fields,
                 scope: MessageFilter,
                 version: int | None = None) -> Response:
    """Answer a message list within ``scope`` with the query's filters,
    ordering and page (``version``: the conversation's, if read
    already)."""
    page = read_page(fields)
    selection = replace(
        scope, sender_id=fields.uuid("sender", required=False),
        sent_after=fields.time("sent_after"),
        sent_before=fields.time("sent_before"))
    newest_first = read_ordering(fields)
    fields.check()
    count, results = services.storage.messages.page(
        selection, page.size, page.offset, newest_first, MESSAGE,
        version=version)
    return json_response_with(page_body(request, page, count), "results",
                              results)


def list_conversation_messages(services: Services, request: Request,
                               conversation_id: str) -> Response:
    """GET /api/conversations/{id}/messages/: its messages, oldest
    first."""
    version = require_participant(services.storage, conversation_id,
                                  request.caller)
    return message_page(services, request, query_fields(request),
                        MessageFilter(conversation_id=conversation_id),
                        version)


def list_messages(services: Services, request: Request) -> Response:
    """GET /api/messages/: messages of all the caller's conversations;
    ``?unread=true``: only those after the caller's read markers."""
    fields = query_fields(request)
    return message_page(services, request, fields, MessageFilter(
        conversation_id=fields.uuid("conversation", required=False),
        member_id=request.caller.user_id, unread=fields.flag("unread")))


def read_message_body(fields: Fields) -> str | None:
    """Read ``message_body``: 1 to 10,000 characters once trimmed."""
    return fields.text("message_body", max_length=MAX_MESSAGE_LENGTH)


def post_message(services: Services, request: Request,
                 conversation_id: str, body: str,
                 parent_id: str | None) -> Response:
    """Store a message from the caller (a reply to ``parent_id``, a
    message of the same conversation, if given) and answer 201 with
    it."""
    depth = 0
    if parent_id is not None:
        depth = reply_depth(services, conversation_id, parent_id)
    stored = services.storage.messages.add(
        conversation_id, request.caller.user_id, body, parent_id, depth)
    if stored is None:
        raise Forbidden(NOT_PARTICIPANT)
    return json_response(message(stored), 201)


def reply_depth(services: Services, conversation_id: str,
                parent_id: str) -> int:
    """Return the depth of a reply to ``parent_id``; 400 when that is no
    message of the conversation (the same sentence whether it exists
    elsewhere or not), or when replies would nest too deep."""
    parent_depth = services.storage.messages.reply_depth(parent_id,
                                                         conversation_id)
    if parent_depth is None:
        raise ValidationError({"parent_message": [
            f"Message {parent_id} is not in this conversation."]})
    if parent_depth >= MAX_REPLY_DEPTH:
        raise ValidationError({"parent_message": [
            f"Replies nest at most {MAX_REPLY_DEPTH} deep; reply to a "
            f"message higher up the thread."]})
    return parent_depth + 1


def read_parent(fields: Fields) -> str | None:
    """Read the optional ``parent_message``: the id of the message this
    one replies to."""
    return fields.uuid("parent_message", required=False)


def create_conversation_message(services: Services, request: Request,
                                conversation_id: str) -> Response:
    """POST /api/conversations/{id}/messages/: send a message, or a
    reply."""
    require_participant(services.storage, conversation_id, request.caller)
    fields = body_fields(request.json())
    body = read_message_body(fields)
    parent_id = read_parent(fields)
    fields.check()
    assert body is not None  # check() refuses a missing one
    return post_message(services, request, conversation_id, body,
                        parent_id)


def create_message(services: Services, request: Request) -> Response:
    """POST /api/messages/: send a message (or a reply) to the
    ``conversation`` named in the body."""
    fields = body_fields(request.json())
    conversation_id = fields.uuid("conversation")
    body = read_message_body(fields)
    parent_id = read_parent(fields)
    fields.check()
    assert conversation_id is not None and body is not None
    membership = services.storage.conversations.membership(
        conversation_id, request.caller.user_id)
    if membership is None:
        fields.error("conversation",
                     f"Conversation {conversation_id} does not exist.")
        fields.check()
    if not membership:
        raise Forbidden(NOT_PARTICIPANT)
    return post_message(services, request, conversation_id, body,
                        parent_id)


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
    rewrites the body (the old one goes to its history); ``edited_at`` is
    set."""
    require_participant(services.storage, conversation_id, request.caller)
    found = find_message(services, conversation_id, message_id)
    require_sender(found, request.caller)
    fields = body_fields(request.json())
    body = read_message_body(fields)
    fields.check()
    assert body is not None  # check() refuses a missing one
    edited = services.storage.messages.edit(message_id, body,
                                            request.caller.user_id)
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


def message_history(services: Services, request: Request,
                    conversation_id: str, message_id: str) -> Response:
    """GET .../messages/{message_id}/history/: the texts its edits
    replaced, oldest first."""
    require_participant(services.storage, conversation_id, request.caller)
    find_message(services, conversation_id, message_id)
    fields = Fields(request.query_params())
    page = read_page(fields)
    fields.check()
    count, found = services.storage.edits.page(message_id, page.size,
                                               page.offset)
    return json_response(dict(page_body(request, page, count),
                              results=[edit(each) for each in found]))


def message_thread(services: Services, request: Request,
                   conversation_id: str, message_id: str) -> Response:
    """GET .../messages/{message_id}/thread/: the message and every reply
    below it, depth first, each with its depth."""
    require_participant(services.storage, conversation_id, request.caller)
    find_message(services, conversation_id, message_id)
    fields = Fields(request.query_params())
    page = read_page(fields)
    fields.check()
    count, results = services.storage.threads.page(
        message_id, page.size, page.offset, THREAD_MESSAGE)
    return json_response_with(page_body(request, page, count), "results",
                              results)
