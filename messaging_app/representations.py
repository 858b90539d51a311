"""How each resource looks on the wire: the one place that shapes the
JSON of users, conversations and messages from storage's records.

The field names are those of the curriculum's Django REST Framework
version, so its clients work unchanged.
"""
from messaging_app.storage import Conversation, Message, Person, User


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
    return {"user_id": someone.user_id, "username": someone.username,
            "first_name": someone.first_name,
            "last_name": someone.last_name}


def conversation(found: Conversation) -> dict:
    """Return a conversation with its participants."""
    return {"conversation_id": found.conversation_id,
            "participants": [person(p) for p in found.participants],
            "created_at": found.created_at}


def message(found: Message) -> dict:
    """Return a message with its sender."""
    return {"message_id": found.message_id,
            "conversation": found.conversation_id,
            "sender": person(found.sender),
            "message_body": found.message_body, "sent_at": found.sent_at,
            "edited_at": found.edited_at}
