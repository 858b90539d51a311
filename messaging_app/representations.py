"""How each resource looks on the wire: the one place that shapes the
JSON of users, conversations and messages.

The field names are those of the curriculum's Django REST Framework
version, so its clients work unchanged; every object also carries its id
as ``id``, where many of those clients read it. A message's shape is
declared (``MESSAGE``) rather than written as code, because it is followed
twice: by ``render`` for one record, and by storage, which has SQLite
build a whole page of messages as JSON (see storage/pages.py).
"""
from messaging_app.storage import (Conversation, Edit, Message,
                                   Notification, Person, ReadState, User)
from messaging_app.storage.records import Field, Shape, render

# How many of its latest messages a conversation's own URL shows.
LATEST_MESSAGES = 20

PERSON: Shape = (Field("id", "user_id"), Field("user_id", "user_id"),
                 Field("username", "username"),
                 Field("first_name", "first_name"),
                 Field("last_name", "last_name"))
MESSAGE: Shape = (
    Field("id", "message_id"),
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
    Field("id", "notification_id"),
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


def public_user(user: User) -> dict:
    """Return the fields of a user that any logged-in user may see."""
    return {"id": user.user_id, "user_id": user.user_id,
            "username": user.username,
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
    return {"id": found.conversation_id,
            "conversation_id": found.conversation_id,
            "participants": [person(p) for p in found.participants],
            "created_at": found.created_at,
            "unread_count": found.unread_count}


def conversation_with_link(found: Conversation, base_url: str) -> dict:
    """Return a conversation as its own URL shows it: with the absolute
    link to the paginated list of all its messages (the view adds its
    latest messages, as the database laid them out)."""
    return dict(conversation(found), messages_url=(
        f"{base_url}api/conversations/{found.conversation_id}/messages/"))


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
