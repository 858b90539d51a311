"""Read markers: how far each participant has read each conversation.

A participant's marker is the position ``(last_read_at, last_read_seq)``
of the last message they read: the ``(sent_at, seq)`` that orders a
conversation's pages. The row keeps ``unread_count``, the number of
messages after the marker, so that no list counts a history. Every write
that adds or removes a message, or moves a marker, updates the counts in
its own transaction:

- a new message adds 1 for every participant whose marker is before it,
  and moves its sender's marker onto it: sending reads the conversation up
  to one's own message (as Matrix does), so one's own messages are never
  unread;
- a deleted message takes 1 from every participant whose marker is before
  it (a marker on a deleted message keeps its position);
- a marker only moves forward, and then counts the messages after its new
  position: an index range of the unread messages only;
- a deleted user's messages leave the counts of the other participants.
"""
from collections.abc import Sequence

from messaging_app.storage.cache import touch_list
from messaging_app.storage.engine import Engine, Transaction, placeholders
from messaging_app.storage.records import ReadState

Position = tuple[str, int]


def later_than(sent_at: str, seq: str, prefix: str = "") -> str:
    """Return the condition "a message after the position (sent_at,
    seq)", two SQL expressions; written so that the ``sent_at`` index
    finds the range."""
    return (f"{prefix}sent_at >= {sent_at} AND ({prefix}sent_at > {sent_at}"
            f" OR {prefix}seq > {seq})")


def after(position: Position, prefix: str = "") -> tuple[str, list]:
    """Return the condition "a message after ``position``", and its
    values."""
    sent_at, seq = position
    return later_than("?", "?", prefix), [sent_at, sent_at, seq]


def marker_before(position: Position) -> tuple[str, list]:
    """Return the condition "the participant's marker is before
    ``position``", and its values."""
    sent_at, seq = position
    return ("(last_read_at < ? OR (last_read_at = ? AND last_read_seq < ?))",
            [sent_at, sent_at, seq])


class ReadMarkers:
    """The read markers and unread counts kept in ``participants``."""

    def __init__(self, engine: Engine) -> None:
        """Work on ``engine``."""
        self._engine = engine

    def move(self, conversation_id: str, user_id: str,
             message_id: str | None) -> ReadState | None:
        """Move a participant's marker forward onto a message of the
        conversation (its latest when ``message_id`` is None) and return
        the read state; None when the conversation has no such message.
        A marker already past it stays where it is."""
        with self._engine.transaction(write=True) as transaction:
            # The conversation's lock first, as every writer of its
            # participants takes it (see messages.py).
            transaction.execute(
                "UPDATE conversations SET version = version "
                "WHERE conversation_id = ?", (conversation_id,))
            if message_id is None:
                row = transaction.row(
                    "SELECT sent_at, seq FROM messages "
                    "WHERE conversation_id = ? "
                    "ORDER BY sent_at DESC, seq DESC LIMIT 1",
                    (conversation_id,))
            else:
                row = transaction.row(
                    "SELECT sent_at, seq FROM messages "
                    "WHERE message_id = ? AND conversation_id = ?",
                    (message_id, conversation_id))
                if row is None:
                    transaction.discard()
                    return None
            if row is not None and move_marker(
                    transaction, conversation_id, user_id, (row[0], row[1])):
                touch_list(transaction, user_id)
            return read_state(transaction, conversation_id, user_id)


def read_state(transaction: Transaction, conversation_id: str,
               user_id: str) -> ReadState:
    """Return a participant's read state of a conversation."""
    row = transaction.row(
        "SELECT p.unread_count, m.message_id FROM participants AS p "
        "LEFT JOIN messages AS m ON m.seq = p.last_read_seq "
        "WHERE p.conversation_id = ? AND p.user_id = ?",
        (conversation_id, user_id))
    unread, message_id = row if row else (0, None)
    return ReadState(conversation_id, message_id, int(unread))


def move_marker(transaction: Transaction, conversation_id: str,
                user_id: str, position: Position) -> bool:
    """Move a participant's marker onto ``position`` if it is before it,
    counting the messages after it; tell whether it moved."""
    later, later_values = after(position)
    before, before_values = marker_before(position)
    return bool(transaction.execute(
        f"UPDATE participants SET last_read_at = ?, last_read_seq = ?, "
        f"unread_count = (SELECT COUNT(*) FROM messages "
        f"WHERE conversation_id = ? AND {later}) "
        f"WHERE conversation_id = ? AND user_id = ? AND {before}",
        [*position, conversation_id, *later_values, conversation_id,
         user_id, *before_values]))


def count_new_message(transaction: Transaction, conversation_id: str,
                      sender_id: str, position: Position) -> None:
    """Count a new message as unread for the other participants, and
    as read up to it for its sender."""
    before, values = marker_before(position)
    transaction.execute(
        f"UPDATE participants SET unread_count = unread_count + 1 "
        f"WHERE conversation_id = ? AND user_id <> ? AND {before}",
        [conversation_id, sender_id, *values])
    move_marker(transaction, conversation_id, sender_id, position)


def count_deleted_message(transaction: Transaction, conversation_id: str,
                          position: Position) -> None:
    """Take a deleted message out of the counts of those who had not
    read it."""
    before, values = marker_before(position)
    transaction.execute(
        f"UPDATE participants SET unread_count = unread_count - 1 "
        f"WHERE conversation_id = ? AND {before}",
        [conversation_id, *values])


def count_deleted_sender(transaction: Transaction, user_id: str,
                         conversation_ids: Sequence[str]) -> None:
    """Take the messages of a user about to be deleted out of the other
    participants' counts in these conversations (for each, an index range
    of that user's messages after the marker)."""
    transaction.execute(
        "UPDATE participants SET unread_count = unread_count - ("
        "SELECT COUNT(*) FROM messages AS m "
        "WHERE m.conversation_id = participants.conversation_id "
        "AND m.sender_id = ? AND "
        + later_than("participants.last_read_at",
                     "participants.last_read_seq", "m.") +
        f") WHERE conversation_id IN ({placeholders(conversation_ids)}) "
        f"AND user_id <> ?", [user_id, *conversation_ids, user_id])
