"""Messages: posting, reading, editing, deleting, and pages of them.

A message is stored with the counts that keep pages cheap, in one
transaction: its conversation's ``message_count`` and its sender's in
``participants``. Updating the sender's participant row first also checks,
inside the transaction, that the sender is still a participant; the
conversation's row comes next and the time is taken after it, so the
order of ``sent_at`` in a conversation follows the order of its commits.

Pages are ordered by ``(sent_at, seq)``, which never ties. A page of one
conversation walks its index; a page over several conversations takes the
first rows of each and merges them, so neither reads a long history. The
database returns a page as one JSON text in the shape it is given (see
representations.py), with its count: one row rather than one per
message, and no decoding and encoding in Python.
"""
import heapq
from collections.abc import Sequence

from messaging_app.clock import utc_now
from messaging_app.ids import new_id
from messaging_app.storage.engine import Dialect, Engine
from messaging_app.storage.records import (Message, MessageFilter, Person,
                                           Shape)
from messaging_app.storage.users import placeholders

# Where each attribute of a Message comes from, in the order message_from
# reads them; a page names them by alias() (``sender.user_id`` becomes
# ``sender_user_id``).
COLUMNS = {
    "message_id": "m.message_id", "conversation_id": "m.conversation_id",
    "sender.user_id": "u.user_id", "sender.username": "u.username",
    "sender.first_name": "u.first_name", "sender.last_name": "u.last_name",
    "message_body": "m.message_body", "sent_at": "m.sent_at",
    "edited_at": "m.edited_at", "seq": "m.seq"}
SELECTED = ", ".join(COLUMNS.values())
ALIASED = ", ".join(f"{column} AS {attribute.replace('.', '_')}"
                    for attribute, column in COLUMNS.items())
# A LEFT JOIN (every message has its sender) keeps MariaDB from reading a
# page by the sender's whole history: the sender comes after the page's
# rows, never before.
JOIN_SENDER = "LEFT JOIN users AS u ON u.user_id = m.sender_id "
SELECT = f"SELECT {SELECTED} FROM messages AS m {JOIN_SENDER}"
# Conversations merged by one statement of a page; more are merged here.
CONVERSATIONS_PER_STATEMENT = 100


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
        rows = self._engine.query(SELECT + "WHERE m.message_id = ?",
                                  (message_id,))
        return message_from(rows[0]) if rows else None

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
             newest_first: bool, shape: Shape) -> tuple[int, str]:
        """Return how many messages match ``selection`` and one page of
        them as the text of a JSON array of objects laid out as ``shape``
        says. Both come from one statement, so they agree."""
        conversations = self._conversations(selection)
        if not conversations:
            return 0, "[]"
        count_sql, count_params = count_query(selection, conversations)
        if len(conversations) > CONVERSATIONS_PER_STATEMENT:
            return self._page_in_parts(selection, conversations, limit,
                                       offset, newest_first, shape)
        firsts_sql, firsts_params = firsts_query(
            selection, conversations, limit + offset, newest_first)
        rows_sql = (f"SELECT {ALIASED} FROM ({firsts_sql} LIMIT ? OFFSET ?)"
                    f" AS page JOIN messages AS m ON m.seq = page.seq "
                    f"{JOIN_SENDER}{ordering(newest_first, 'm.')}")
        count, text = self._engine.query(
            f"SELECT ({count_sql}), "
            f"{json_array(self._engine.dialect, shape, newest_first)} "
            f"FROM ({rows_sql}) AS page_rows",
            [*count_params, *firsts_params, limit, offset])[0]
        return int(count or 0), text

    def _conversations(self, selection: MessageFilter) -> list[str]:
        """Return the conversations a selection reads from."""
        if selection.member_id is None:
            return [selection.conversation_id] \
                if selection.conversation_id else []
        sql = "SELECT conversation_id FROM participants WHERE user_id = ?"
        params = [selection.member_id]
        if selection.conversation_id is not None:
            sql += " AND conversation_id = ?"
            params.append(selection.conversation_id)
        return [row[0] for row in self._engine.query(sql, params)]

    def _page_in_parts(self, selection: MessageFilter,
                       conversations: list[str], limit: int, offset: int,
                       newest_first: bool,
                       shape: Shape) -> tuple[int, str]:
        """Page a member of more conversations than one statement merges:
        the first rows of each group of them, merged here, in one
        transaction."""
        wanted = limit + offset
        with self._engine.transaction() as transaction:
            count_sql, count_params = count_query(selection, conversations)
            count = int(transaction.value(count_sql, count_params) or 0)
            parts: list[list[tuple[str, int]]] = []
            for start in range(0, len(conversations),
                               CONVERSATIONS_PER_STATEMENT):
                sql, params = firsts_query(
                    selection, conversations[
                        start:start + CONVERSATIONS_PER_STATEMENT],
                    wanted, newest_first)
                parts.append([(sent_at, seq) for sent_at, seq in
                              transaction.rows(f"{sql} LIMIT ?",
                                               [*params, wanted])])
            keys = list(heapq.merge(*parts, reverse=newest_first))
            seqs = [seq for _, seq in keys[offset:wanted]] or [-1]
            array = json_array(transaction.dialect, shape, newest_first)
            text = transaction.value(
                f"SELECT {array} FROM (SELECT {ALIASED} FROM messages AS m "
                f"{JOIN_SENDER}"
                f"WHERE m.seq IN ({placeholders(seqs)})"
                f"{ordering(newest_first, 'm.')}) AS page_rows", seqs)
        return count, text


def json_array(dialect: Dialect, shape: Shape, newest_first: bool) -> str:
    """Return the aggregate that builds a page's JSON array from the
    aliased columns of its rows, each object laid out as ``shape``."""
    return dialect.json_array(json_object(dialect, shape),
                              ordering(newest_first).removeprefix(
                                  " ORDER BY "))


def json_object(dialect: Dialect, shape: Shape, prefix: str = "") -> str:
    """Return the expression building one message's JSON object from the
    aliased columns of a page's row."""
    return dialect.json_object([
        (field.name, json_object(dialect, field.shape,
                                 f"{prefix}{field.source}.")
         if field.shape else f"{prefix}{field.source}".replace(".", "_"))
        for field in shape])


def ordering(newest_first: bool, prefix: str = "") -> str:
    """Return the ORDER BY of a list: by time, then by ``seq``."""
    direction = "DESC" if newest_first else "ASC"
    return f" ORDER BY {prefix}sent_at {direction}, {prefix}seq {direction}"


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


def count_query(selection: MessageFilter,
                conversations: list[str]) -> tuple[str, list[str]]:
    """Return the query counting the matching messages: a sum of the kept
    counts when no time filter applies, else a count over the index range
    of the times."""
    marks = placeholders(conversations)
    if selection.sent_after is None and selection.sent_before is None:
        if selection.sender_id is None:
            return (f"SELECT SUM(message_count) FROM conversations "
                    f"WHERE conversation_id IN ({marks})", conversations)
        return (f"SELECT SUM(message_count) FROM participants "
                f"WHERE conversation_id IN ({marks}) AND user_id = ?",
                [*conversations, selection.sender_id])
    conditions, values = narrowing(selection)
    return (f"SELECT COUNT(*) FROM messages "
            f"WHERE conversation_id IN ({marks}){conditions}",
            [*conversations, *values])


def firsts_query(selection: MessageFilter, conversations: list[str],
                 wanted: int, newest_first: bool) -> tuple[str, list]:
    """Return a query of the ``(sent_at, seq)`` of the first ``wanted``
    matching messages of each conversation, each read from its index,
    merged in order (the caller adds the LIMIT)."""
    order = ordering(newest_first)
    conditions, values = narrowing(selection)
    first_of_one = (
        f"SELECT * FROM (SELECT sent_at, seq FROM messages "
        f"WHERE conversation_id = ?{conditions}{order} LIMIT ?) AS firsts")
    params = [value for conversation_id in conversations
              for value in (conversation_id, *values, wanted)]
    return " UNION ALL ".join([first_of_one] * len(conversations)) + order, \
        params
