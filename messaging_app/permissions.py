"""Object-level permissions: who may touch which conversation or message.

Every view that takes an id calls one of these before reading or writing,
which is what stops one user from reading another's conversation by
guessing its id (OWASP API1, broken object-level authorization).
"""
from messaging_app.errors import Forbidden, NotFound
from messaging_app.storage import Message, Storage, User

NOT_PARTICIPANT = "You are not a participant of this conversation."


def require_participant(storage: Storage, conversation_id: str,
                        user: User) -> None:
    """Pass when the user is in the conversation; 404 or 403 otherwise."""
    membership = storage.conversations.membership(conversation_id,
                                                  user.user_id)
    if membership is None:
        raise NotFound("Conversation not found.")
    if not membership:
        raise Forbidden(NOT_PARTICIPANT)


def require_sender(message: Message, user: User) -> None:
    """Pass when the user sent the message; 403 otherwise."""
    if message.sender.user_id != user.user_id:
        raise Forbidden("Only the sender may change this message.")


def is_admin(user: User) -> bool:
    """Tell whether the user has the ``admin`` role."""
    return user.role == "admin"
