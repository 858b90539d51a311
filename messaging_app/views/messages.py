"""Views of messages: pages of them, sending (or replying), reading one,
editing and deleting, and a message's edit history and thread."""
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
from messaging_app.validation import Fields

MAX_MESSAGE_LENGTH = 10_000
ORDERINGS = {"sent_at": False, "-sent_at": True}


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
    ordering = fields.data.get("ordering", "sent_at")
    if ordering not in ORDERINGS:
        fields.error("ordering", "Use sent_at or -sent_at.")
    fields.check()
    count, results = services.storage.messages.page(
        selection, page.size, page.offset, ORDERINGS[ordering], MESSAGE,
        version)
    return json_response_with(page_body(request, page, count), "results",
                              results)


def list_conversation_messages(services: Services, request: Request,
                               conversation_id: str) -> Response:
    """GET /api/conversations/{id}/messages/: its messages, oldest
    first."""
    version = require_participant(services.storage, conversation_id,
                                  request.caller)
    return message_page(services, request, Fields(request.query_params()),
                        MessageFilter(conversation_id=conversation_id),
                        version)


def list_messages(services: Services, request: Request) -> Response:
    """GET /api/messages/: messages of all the caller's conversations;
    ``?unread=true``: only those after the caller's read markers."""
    fields = Fields(request.query_params())
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
    fields = Fields(request.json())
    body = read_message_body(fields)
    parent_id = read_parent(fields)
    fields.check()
    return post_message(services, request, conversation_id, body,
                        parent_id)


def create_message(services: Services, request: Request) -> Response:
    """POST /api/messages/: send a message (or a reply) to the
    ``conversation`` named in the body."""
    fields = Fields(request.json())
    conversation_id = fields.uuid("conversation")
    body = read_message_body(fields)
    parent_id = read_parent(fields)
    fields.check()
    membership = services.storage.conversations.membership(
        conversation_id, request.caller.user_id)
    if membership is None:
        raise ValidationError({"conversation": [
            f"Conversation {conversation_id} does not exist."]})
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
    rewrites the body; ``edited_at`` is set."""
    require_participant(services.storage, conversation_id, request.caller)
    found = find_message(services, conversation_id, message_id)
    require_sender(found, request.caller)
    fields = Fields(request.json())
    body = read_message_body(fields)
    fields.check()
    edited = services.storage.messages.edit(message_id, body,
                                            request.caller.user_id)
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
