"""Messages: posting, reading, editing and deleting them.

A message is stored with the counts that keep pages cheap, in one
transaction: its conversation's ``message_count`` and its sender's in
``participants``. Every write of a conversation's messages or of its
participants' rows updates the conversation's row first, then the list
versions of its participants (their ``users`` rows, in the order of their
ids), before any foreign key check reads a user's row: on MariaDB these
locks then come in one order in every transaction, so that none waits for
another in a cycle (SQLite has one writer). The time is taken after
them, so the order of ``sent_at`` in a conversation follows the order of
its commits. Updating the sender's participant row also checks, inside
the transaction, that the sender is still a participant.

The same transaction notifies the other participants, counts the message
as unread for them (readmarks.py) and adds 1 to the versions that tell
kept pages from stale ones (cache.py); an edit keeps the replaced text
(edits.py) and a delete takes the message out of every count, all in the
transaction of the change.

A reply names its parent message, which the caller has checked to be in
the same conversation (``reply_depth``). Deleting a message keeps its
replies: they still name it, as replies to a deleted message.

A page of messages comes from pages.py, and from the cache while its
conversation is unchanged.
"""
from collections.abc import Sequence

from messaging_app.clock import utc_now
from messaging_app.ids import new_id
from messaging_app.storage.cache import (VersionedCache, conversation_version,
                                         touch_lists)
from messaging_app.storage.edits import record_edit
from messaging_app.storage.engine import Engine, Transaction
from messaging_app.storage.pages import SELECT, message_from, read_page
from messaging_app.storage.readmarks import (count_deleted_message,
                                             count_new_message)
from messaging_app.storage.records import Message, MessageFilter, Shape


def members(transaction: Transaction, conversation_id: str) -> list[str]:
    """Return the ids of a conversation's participants."""
    return [row[0] for row in transaction.rows(
        "SELECT user_id FROM participants WHERE conversation_id = ?",
        (conversation_id,))]


def notify(transaction: Transaction, recipients: Sequence[str],
           message_id: str, sent_at: str) -> None:
    """Notify the recipients of a new message (see notifications.py,
    which reads them)."""
    if recipients:
        transaction.executemany(
            "INSERT INTO notifications (notification_id, user_id, "
            "message_id, created_at) VALUES (?, ?, ?, ?)",
            [(new_id(), user_id, message_id, sent_at)
             for user_id in recipients])


class Messages:
    """The ``messages`` table and the counts kept beside it."""

    def __init__(self, engine: Engine,
                 cache: VersionedCache | None = None) -> None:
        """Work on ``engine``; keep first pages in ``cache`` if given."""
        self._engine = engine
        self._cache = cache

    def add(self, conversation_id: str, sender_id: str, body: str,
            parent_id: str | None = None,
            reply_depth: int = 0) -> Message | None:
        """Store a message (a reply to ``parent_id``, ``reply_depth`` below
        the top of its thread) and return it; None (and nothing stored)
        when the sender is not a participant of the conversation."""
        message_id = new_id()
        with self._engine.transaction(write=True) as transaction:
            transaction.execute(
                "UPDATE conversations SET message_count = message_count + 1,"
                " version = version + 1 WHERE conversation_id = ?",
                (conversation_id,))
            everyone = members(transaction, conversation_id)
            touch_lists(transaction, everyone)
            if not transaction.execute(
                    "UPDATE participants SET message_count = "
                    "message_count + 1 "
                    "WHERE conversation_id = ? AND user_id = ?",
                    (conversation_id, sender_id)):
                transaction.discard()
                return None
            transaction.execute(
                "INSERT INTO messages (message_id, conversation_id, "
                "sender_id, message_body, sent_at, parent_message_id, "
                "reply_depth) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (message_id, conversation_id, sender_id, body, utc_now(),
                 parent_id, reply_depth))
            row = transaction.row(SELECT + "WHERE m.message_id = ?",
                                  (message_id,))
            assert row is not None
            message = message_from(row)
            count_new_message(transaction, conversation_id, sender_id,
                              (message.sent_at, row[-1]))
            notify(transaction, [user_id for user_id in everyone
                                 if user_id != sender_id],
                   message_id, message.sent_at)
        return message

    def get(self, message_id: str) -> Message | None:
        """Return a message, or None."""
        rows = self._engine.query(SELECT + "WHERE m.message_id = ?",
                                  (message_id,))
        return message_from(rows[0]) if rows else None

    def reply_depth(self, message_id: str,
                    conversation_id: str) -> int | None:
        """Return how deep below the top of its thread a message of the
        conversation is; None when the conversation has no such
        message."""
        rows = self._engine.query(
            "SELECT reply_depth FROM messages "
            "WHERE message_id = ? AND conversation_id = ?",
            (message_id, conversation_id))
        return int(rows[0][0]) if rows else None

    def edit(self, message_id: str, body: str,
             editor_id: str) -> Message | None:
        """Replace a message's body, keeping the old one in its history,
        and stamp ``edited_at``; None when the message is gone (deleted
        meanwhile)."""
        edited_at = utc_now()
        with self._engine.transaction(write=True) as transaction:
            conversation_id = transaction.value(
                "SELECT conversation_id FROM messages WHERE message_id = ?",
                (message_id,))
            if conversation_id is None:
                return None
            # The conversation's row first, as a delete takes it: an edit
            # and a delete of one message then queue there, rather than
            # each holding a lock on the message that the other waits for
            # (a deadlock on MariaDB).
            transaction.execute(
                "UPDATE conversations SET version = version + 1 "
                "WHERE conversation_id = ?", (conversation_id,))
            record_edit(transaction, message_id, editor_id, edited_at)
            if not transaction.execute(
                    "UPDATE messages SET message_body = ?, edited_at = ? "
                    "WHERE message_id = ?", (body, edited_at, message_id)):
                transaction.discard()
                return None
            row = transaction.row(SELECT + "WHERE m.message_id = ?",
                                  (message_id,))
        return message_from(row) if row else None

    def delete(self, message_id: str) -> bool:
        """Delete a message with its notifications and history, and take
        it out of the counts; False when it was gone already."""
        with self._engine.transaction(write=True) as transaction:
            row = transaction.row(
                "SELECT conversation_id, sender_id, sent_at, seq "
                "FROM messages WHERE message_id = ?", (message_id,))
            if row is None:
                return False
            conversation_id, sender_id, sent_at, seq = row
            transaction.execute(
                "UPDATE conversations SET message_count = message_count - 1,"
                " version = version + 1 WHERE conversation_id = ?",
                (conversation_id,))
            touch_lists(transaction, members(transaction, conversation_id))
            transaction.execute(
                "UPDATE participants SET message_count = message_count - 1 "
                "WHERE conversation_id = ? AND user_id = ?",
                (conversation_id, sender_id))
            count_deleted_message(transaction, conversation_id,
                                  (sent_at, seq))
            if not transaction.execute(
                    "DELETE FROM messages WHERE message_id = ?",
                    (message_id,)):
                transaction.discard()
                return False
        return True

    def page(self, selection: MessageFilter, limit: int, offset: int,
             newest_first: bool, shape: Shape, chronological: bool = False,
             version: int | None = None) -> tuple[int, str]:
        """Return how many messages match ``selection`` and one page of
        them as the text of a JSON array of objects laid out as ``shape``
        says. Both come from one statement, so they agree.

        ``chronological`` lays the page out oldest first even when it is
        taken from the newest end: the latest messages, in the order they
        were sent.

        The first page of a whole conversation comes from the cache, if
        any, while the conversation's version is unchanged: ``version``,
        when the caller has just read it (see ``Conversations.access``),
        or read here. (Its messages look the same to every participant; a
        member that differed per reader would have to join the key.)
        """
        if self._cache is None or offset or selection != MessageFilter(
                conversation_id=selection.conversation_id):
            return read_page(self._engine, selection, limit, offset,
                             newest_first, shape, chronological)
        if version is None:
            version = conversation_version(self._engine,
                                           str(selection.conversation_id))
        if version is None:
            return 0, "[]"
        key = ("messages", selection.conversation_id, limit, newest_first,
               chronological, shape)
        found = self._cache.get(key, version)
        if found is None:
            found = read_page(self._engine, selection, limit, 0,
                              newest_first, shape, chronological)
            self._cache.put(key, version, found, len(found[1]))
        return found
