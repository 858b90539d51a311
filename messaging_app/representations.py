"""How each resource looks on the wire: the one place that shapes the
JSON of users, conversations and messages.

The field names are those of the curriculum's Django REST Framework
version, so its clients work unchanged. A message's shape is declared
(``MESSAGE``) rather than written as code, because it is followed twice:
by ``render`` for one record, and by storage, which has SQLite build a
whole page of messages as JSON (see storage/messages.py).
"""
from messaging_app.storage import Conversation, Message, Person, User
from messaging_app.storage.records import Field, Shape, render

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
)


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
            "created_at": found.created_at}


def message(found: Message) -> dict:
    """Return a message with its sender."""
    return render(MESSAGE, found)
