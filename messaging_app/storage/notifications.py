"""Notifications: every new message, delivered to each other participant.

``Messages.add`` (messages.py) writes them inside the transaction that
stores the message, so a message and its notifications exist together or
not at all; this module reads them and marks them read. The sender gets
none, and nobody outside the conversation does: the recipients are the
conversation's other participants, read in that transaction. A
notification goes with its message (deleted with it) and with its user.

Lists are newest first; the unread ones are an index range of their own,
so reading them, counting them or marking them read never walks the read
ones.
"""
from messaging_app.clock import utc_now
from messaging_app.storage.engine import Engine
from messaging_app.storage.pages import JOIN_SENDER, SELECTED, message_from
from messaging_app.storage.records import Notification

SELECT = (f"SELECT n.notification_id, n.created_at, n.read_at, {SELECTED} "
          f"FROM notifications AS n "
          f"JOIN messages AS m ON m.message_id = n.message_id "
          f"{JOIN_SENDER}")


def notification_from(row: tuple) -> Notification:
    """Build a Notification from a row of SELECT."""
    notification_id, created_at, read_at, *message = row
    return Notification(notification_id, message_from(message),
                        created_at, read_at)


class Notifications:
    """The ``notifications`` table."""

    def __init__(self, engine: Engine) -> None:
        """Work on ``engine``."""
        self._engine = engine

    def page(self, user_id: str, unread_only: bool, limit: int,
             offset: int) -> tuple[int, list[Notification]]:
        """Return how many notifications a user has (unread ones only,
        if asked) and one page of them, newest first."""
        unread = " AND n.read_at IS NULL" if unread_only else ""
        with self._engine.transaction() as transaction:
            count = transaction.value(
                f"SELECT COUNT(*) FROM notifications AS n "
                f"WHERE n.user_id = ?{unread}", (user_id,))
            rows = transaction.rows(
                f"{SELECT}WHERE n.user_id = ?{unread} "
                f"ORDER BY n.seq DESC LIMIT ? OFFSET ?",
                (user_id, limit, offset))
        return int(count), [notification_from(row) for row in rows]

    def mark_read(self, user_id: str,
                  notification_id: str) -> Notification | None:
        """Mark one of a user's notifications read (once: the first time
        stays) and return it; None when the user has no such one."""
        with self._engine.transaction(write=True) as transaction:
            transaction.execute(
                "UPDATE notifications SET read_at = ? "
                "WHERE notification_id = ? AND user_id = ? "
                "AND read_at IS NULL", (utc_now(), notification_id, user_id))
            row = transaction.row(
                f"{SELECT}WHERE n.notification_id = ? AND n.user_id = ?",
                (notification_id, user_id))
        return notification_from(row) if row else None

    def mark_read_up_to(self, user_id: str,
                        notification_id: str) -> int | None:
        """Mark a user's notification and every older one read; return
        how many were unread, or None when the user has no such one."""
        with self._engine.transaction(write=True) as transaction:
            seq = transaction.value(
                "SELECT seq FROM notifications "
                "WHERE notification_id = ? AND user_id = ?",
                (notification_id, user_id))
            if seq is None:
                return None
            return transaction.execute(
                "UPDATE notifications SET read_at = ? "
                "WHERE user_id = ? AND read_at IS NULL AND seq <= ?",
                (utc_now(), user_id, seq))
