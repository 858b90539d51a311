"""Object-level permissions: who may touch which conversation or message.

Every view that takes an id calls one of these before reading or writing,
which is what stops one user from reading another's conversation by
guessing its id (OWASP API1, broken object-level authorization).
"""
from messaging_app.errors import Forbidden, NotFound
from messaging_app.storage import Message, Storage, User

NOT_PARTICIPANT = "You are not a participant of this conversation."


def require_participant(storage: Storage, conversation_id: str,
                        user: User) -> int:
    """Pass when the user is in the conversation, returning the version
    of its messages (for the cache of pages, read in the same query);
    404 or 403 otherwise."""
    access = storage.conversations.access(conversation_id, user.user_id)
    if access is None:
        raise NotFound("Conversation not found.")
    member, version = access
    if not member:
        raise Forbidden(NOT_PARTICIPANT)
    return version


def require_sender(message: Message, user: User) -> None:
    """Pass when the user sent the message; 403 otherwise."""
    if message.sender.user_id != user.user_id:
        raise Forbidden("Only the sender may change this message.")


def is_admin(user: User) -> bool:
    """Tell whether the user has the ``admin`` role."""
    return user.role == "admin"
