"""What storage returns: plain records, one class per kind of row.

Views turn them into the API's JSON with ``messaging_app.representations``;
storage never decides how a resource looks on the wire.
"""
from dataclasses import dataclass
from typing import Any, NamedTuple


@dataclass(frozen=True, slots=True)
class User:
    """An account, with the private fields (email, phone, password hash).

    ``token_version`` is carried by every token issued to the user; a
    password change or a logout everywhere raises it, and tokens of an
    older version stop working.
    """

    user_id: str
    username: str
    email: str
    password_hash: str
    first_name: str
    last_name: str
    phone_number: str | None
    role: str
    created_at: str
    token_version: int = 0


@dataclass(frozen=True, slots=True)
class Person:
    """A user as the other people of a conversation see them."""

    user_id: str
    username: str
    first_name: str
    last_name: str


@dataclass(frozen=True, slots=True)
class Conversation:
    """A conversation and its participants, ordered by username."""

    conversation_id: str
    created_at: str
    participants: tuple[Person, ...]
    # How many of its messages the user who asked has not read yet.
    unread_count: int = 0


@dataclass(frozen=True, slots=True)
class Message:
    """A message with its sender, and the message it replies to, if
    any."""

    message_id: str
    conversation_id: str
    sender: Person
    message_body: str
    sent_at: str
    edited_at: str | None
    edited: bool = False
    parent_message_id: str | None = None


@dataclass(frozen=True, slots=True)
class ThreadMessage(Message):
    """A message of a thread, with its depth below the thread's first
    message."""

    depth: int = 0


@dataclass(frozen=True, slots=True)
class Edit:
    """One edit of a message: the text it replaced, when and by whom."""

    message_body: str
    edited_at: str
    edited_by: Person


@dataclass(frozen=True, slots=True)
class Notification:
    """A message delivered to one of the other participants, and when
    they read it (None while unread)."""

    notification_id: str
    message: Message
    created_at: str
    read_at: str | None

    @property
    def conversation_id(self) -> str:
        """Return the conversation of the message."""
        return self.message.conversation_id

    @property
    def read(self) -> bool:
        """Tell whether the notification was marked as read."""
        return self.read_at is not None


@dataclass(frozen=True, slots=True)
class ReadState:
    """How far a user has read a conversation: the message their read
    marker is on (None before any, or once that message is deleted) and
    how many messages come after it."""

    conversation_id: str
    last_read_message_id: str | None
    unread_count: int


@dataclass(frozen=True, slots=True)
class MessageFilter:
    """Which messages a list shows: one conversation, or every
    conversation of ``member_id``, narrowed by sender and time (both
    times exclusive)."""

    conversation_id: str | None = None
    member_id: str | None = None
    sender_id: str | None = None
    sent_after: str | None = None
    sent_before: str | None = None
    # Only the messages after ``member_id``'s read marker of each
    # conversation.
    unread: bool = False


class Field(NamedTuple):
    """One member of a JSON object: its ``name`` on the wire, the record
    attribute it comes from, and for a nested record its own shape."""

    name: str
    source: str
    shape: "tuple[Field, ...] | None" = None


# How a record is laid out as a JSON object, member by member. The shapes
# themselves belong to the API (representations.py); storage follows one
# when it builds a page's JSON in the database.
Shape = tuple[Field, ...]


def render(shape: Shape, record: Any) -> dict:
    """Lay ``record`` out as a JSON object the way ``shape`` says."""
    return {field.name: render(field.shape, getattr(record, field.source))
            if field.shape else getattr(record, field.source)
            for field in shape}
