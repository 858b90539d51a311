"""Messages: posting, reading, editing, deleting, and pages of them.

A message is stored with the counts that keep pages cheap, in one
transaction: its conversation's ``message_count`` and its sender's in
``participants``. Updating the sender's participant row first also checks,
inside the transaction, that the sender is still a participant; the
conversation's row comes next and the time is taken after it, so the
order of ``sent_at`` in a conversation follows the order of its commits.

Pages are ordered by ``(sent_at, seq)``, which never ties. A page of one
conversation walks its index; a page over several conversations takes the
first rows of each and merges them, so neither reads a long history.
"""
import heapq
from collections.abc import Sequence

from messaging_app.clock import utc_now
from messaging_app.ids import new_id
from messaging_app.storage.engine import Engine, Transaction
from messaging_app.storage.records import Message, MessageFilter, Person
from messaging_app.storage.users import placeholders

SELECT = (
    "SELECT m.message_id, m.conversation_id, u.user_id, u.username, "
    "u.first_name, u.last_name, m.message_body, m.sent_at, m.edited_at, "
    "m.seq FROM messages AS m JOIN users AS u ON u.user_id = m.sender_id ")
# Conversations merged by one statement of a page; more are merged here.
CONVERSATIONS_PER_STATEMENT = 100
Key = tuple[str, int]


def message_from(row: Sequence) -> Message:
    """Build a Message from a row of SELECT."""
    (message_id, conversation_id, user_id, username, first_name, last_name,
     body, sent_at, edited_at) = row[:9]
    return Message(message_id, conversation_id,
                   Person(user_id, username, first_name, last_name), body,
                   sent_at, edited_at)


class Messages:
    """The ``messages`` table and the counts kept beside it."""

    def __init__(self, engine: Engine) -> None:
        """Work on ``engine``."""
        self._engine = engine

    def add(self, conversation_id: str, sender_id: str,
            body: str) -> Message | None:
        """Store a message and return it; None (and nothing stored) when
        the sender is not a participant of the conversation."""
        message_id = new_id()
        with self._engine.transaction(write=True) as transaction:
            if not transaction.execute(
                    "UPDATE participants SET message_count = "
                    "message_count + 1 "
                    "WHERE conversation_id = ? AND user_id = ?",
                    (conversation_id, sender_id)):
                transaction.discard()
                return None
            transaction.execute(
                "UPDATE conversations SET message_count = message_count + 1 "
                "WHERE conversation_id = ?", (conversation_id,))
            transaction.execute(
                "INSERT INTO messages (message_id, conversation_id, "
                "sender_id, message_body, sent_at) VALUES (?, ?, ?, ?, ?)",
                (message_id, conversation_id, sender_id, body, utc_now()))
            row = transaction.row(SELECT + "WHERE m.message_id = ?",
                                  (message_id,))
        assert row is not None
        return message_from(row)

    def get(self, message_id: str) -> Message | None:
        """Return a message, or None."""
        with self._engine.transaction() as transaction:
            row = transaction.row(SELECT + "WHERE m.message_id = ?",
                                  (message_id,))
        return message_from(row) if row else None

    def edit(self, message_id: str, body: str) -> Message | None:
        """Replace a message's body and stamp ``edited_at``; None when the
        message is gone (deleted meanwhile)."""
        with self._engine.transaction(write=True) as transaction:
            if not transaction.execute(
                    "UPDATE messages SET message_body = ?, edited_at = ? "
                    "WHERE message_id = ?", (body, utc_now(), message_id)):
                return None
            row = transaction.row(SELECT + "WHERE m.message_id = ?",
                                  (message_id,))
        return message_from(row) if row else None

    def delete(self, message_id: str) -> bool:
        """Delete a message and take it out of the counts; False when it
        was gone already."""
        with self._engine.transaction(write=True) as transaction:
            row = transaction.row(
                "SELECT conversation_id, sender_id FROM messages "
                "WHERE message_id = ?", (message_id,))
            if row is None:
                return False
            conversation_id, sender_id = row
            transaction.execute(
                "UPDATE participants SET message_count = message_count - 1 "
                "WHERE conversation_id = ? AND user_id = ?",
                (conversation_id, sender_id))
            transaction.execute(
                "UPDATE conversations SET message_count = message_count - 1 "
                "WHERE conversation_id = ?", (conversation_id,))
            if not transaction.execute(
                    "DELETE FROM messages WHERE message_id = ?",
                    (message_id,)):
                transaction.discard()
                return False
        return True

    def page(self, selection: MessageFilter, limit: int, offset: int,
             newest_first: bool = False) -> tuple[int, list[Message]]:
        """Return how many messages match ``selection`` and one page of
        them, read in one transaction so that the two agree."""
        with self._engine.transaction() as transaction:
            conversations = conversations_of(transaction, selection)
            if not conversations:
                return 0, []
            count = count_messages(transaction, selection, conversations)
            keys = page_keys(transaction, selection, conversations,
                             limit + offset, newest_first)[offset:]
            if not keys:
                return count, []
            seqs = [seq for _, seq in keys]
            rows = transaction.rows(
                SELECT + f"WHERE m.seq IN ({placeholders(seqs)})", seqs)
        by_seq = {row[9]: row for row in rows}
        return count, [message_from(by_seq[seq]) for seq in seqs
                       if seq in by_seq]


def conversations_of(transaction: Transaction,
                     selection: MessageFilter) -> list[str]:
    """Return the conversations a selection reads from."""
    if selection.member_id is None:
        return [selection.conversation_id] \
            if selection.conversation_id else []
    sql = "SELECT conversation_id FROM participants WHERE user_id = ?"
    params = [selection.member_id]
    if selection.conversation_id is not None:
        sql += " AND conversation_id = ?"
        params.append(selection.conversation_id)
    return [row[0] for row in transaction.rows(sql, params)]


def narrowing(selection: MessageFilter) -> tuple[str, list[str]]:
    """Return the conditions on sender and time, and their values."""
    sql, params = "", []
    for condition, value in (("sender_id = ?", selection.sender_id),
                             ("sent_at > ?", selection.sent_after),
                             ("sent_at < ?", selection.sent_before)):
        if value is not None:
            sql += " AND " + condition
            params.append(value)
    return sql, params


def count_messages(transaction: Transaction, selection: MessageFilter,
                   conversations: list[str]) -> int:
    """Count the matching messages: from the kept counts when no time
    filter applies, otherwise over the index range of the times."""
    marks = placeholders(conversations)
    if selection.sent_after is None and selection.sent_before is None:
        if selection.sender_id is None:
            sql = (f"SELECT SUM(message_count) FROM conversations "
                   f"WHERE conversation_id IN ({marks})")
            params = conversations
        else:
            sql = (f"SELECT SUM(message_count) FROM participants "
                   f"WHERE conversation_id IN ({marks}) AND user_id = ?")
            params = [*conversations, selection.sender_id]
    else:
        conditions, values = narrowing(selection)
        sql = (f"SELECT COUNT(*) FROM messages "
               f"WHERE conversation_id IN ({marks}){conditions}")
        params = [*conversations, *values]
    return int(transaction.value(sql, params) or 0)


def page_keys(transaction: Transaction, selection: MessageFilter,
              conversations: list[str], wanted: int,
              newest_first: bool) -> list[Key]:
    """Return the ``(sent_at, seq)`` of the first ``wanted`` matching
    messages in order: the first ``wanted`` of each conversation, from
    its index, merged."""
    direction = "DESC" if newest_first else "ASC"
    order = f" ORDER BY sent_at {direction}, seq {direction}"
    conditions, values = narrowing(selection)
    first_of_one = (
        f"SELECT * FROM (SELECT sent_at, seq FROM messages "
        f"WHERE conversation_id = ?{conditions}{order} LIMIT ?) AS firsts")
    merged: list[list[Key]] = []
    for start in range(0, len(conversations), CONVERSATIONS_PER_STATEMENT):
        chunk = conversations[start:start + CONVERSATIONS_PER_STATEMENT]
        sql = " UNION ALL ".join([first_of_one] * len(chunk))
        params = [value for conversation_id in chunk
                  for value in (conversation_id, *values, wanted)]
        rows = transaction.rows(f"{sql}{order} LIMIT ?", [*params, wanted])
        merged.append([(sent_at, seq) for sent_at, seq in rows])
    if len(merged) == 1:
        return merged[0]
    return list(heapq.merge(*merged, reverse=newest_first))[:wanted]
