"""How each resource looks on the wire: the one place that shapes the
JSON of users, conversations and messages.

The field names are those of the curriculum's Django REST Framework
version, so its clients work unchanged. A message's shape is declared
(``MESSAGE``) rather than written as code, because it is followed twice:
here, to render one record, and by storage, which builds a whole page of
messages as JSON inside the database (see storage/messages.py).
"""
from typing import Any

from messaging_app.storage import (Conversation, Edit, Message,
                                   Notification, Person, ReadState, User)
from messaging_app.storage.records import Field, Shape

PERSON: Shape = (Field("user_id", "user_id"), Field("username", "username"),
                 Field("first_name", "first_name"),
                 Field("last_name", "last_name"))
MESSAGE: Shape = (
    Field("message_id", "message_id"),
    Field("conversation", "conversation_id"),
    Field("sender", "sender", PERSON),
    Field("message_body", "message_body"),
    Field("sent_at", "sent_at"),
    Field("edited_at", "edited_at"),
    Field("edited", "edited"),
    Field("parent_message", "parent_message_id"),
)
# A message in a thread, with its depth below the thread's first message.
THREAD_MESSAGE: Shape = (*MESSAGE, Field("depth", "depth"))
NOTIFICATION: Shape = (
    Field("notification_id", "notification_id"),
    Field("conversation", "conversation_id"),
    Field("message", "message", MESSAGE),
    Field("created_at", "created_at"),
    Field("read", "read"),
    Field("read_at", "read_at"),
)
# One entry of a message's history: the text an edit replaced.
EDIT: Shape = (
    Field("message_body", "message_body"),
    Field("edited_at", "edited_at"),
    Field("edited_by", "edited_by", PERSON),
)
READ_STATE: Shape = (
    Field("conversation", "conversation_id"),
    Field("last_read_message", "last_read_message_id"),
    Field("unread_count", "unread_count"),
)


def render(shape: Shape, record: Any) -> dict:
    """Lay ``record`` out as ``shape`` says."""
    return {field.name: render(field.shape, getattr(record, field.source))
            if field.shape else getattr(record, field.source)
            for field in shape}


def public_user(user: User) -> dict:
    """Return the fields of a user that any logged-in user may see."""
    return {"user_id": user.user_id, "username": user.username,
            "first_name": user.first_name, "last_name": user.last_name,
            "role": user.role, "created_at": user.created_at}


def own_user(user: User) -> dict:
    """Return a user as they see themselves: with email and phone."""
    return dict(public_user(user), email=user.email,
                phone_number=user.phone_number)


def person(someone: Person) -> dict:
    """Return a participant or a sender as a conversation shows them."""
    return render(PERSON, someone)


def conversation(found: Conversation) -> dict:
    """Return a conversation with its participants."""
    return {"conversation_id": found.conversation_id,
            "participants": [person(p) for p in found.participants],
            "created_at": found.created_at,
            "unread_count": found.unread_count}


def message(found: Message) -> dict:
    """Return a message with its sender."""
    return render(MESSAGE, found)


def notification(found: Notification) -> dict:
    """Return a notification with its message."""
    return render(NOTIFICATION, found)


def edit(found: Edit) -> dict:
    """Return one entry of a message's history."""
    return render(EDIT, found)


def read_state(found: ReadState) -> dict:
    """Return how far the caller has read a conversation."""
    return render(READ_STATE, found)
