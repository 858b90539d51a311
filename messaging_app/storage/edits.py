"""Edit history: the text every edit of a message replaced.

``record_edit`` runs inside the transaction of the edit, before the new
text is written, so an edit and its history entry exist together or not
at all. The entries go with their message when it is deleted. A history
is read oldest first.
"""
from messaging_app.storage.engine import Engine, Transaction
from messaging_app.storage.records import Edit, Person


def record_edit(transaction: Transaction, message_id: str, editor_id: str,
                edited_at: str) -> None:
    """Keep the current text of a message, about to be replaced by
    ``editor_id`` at ``edited_at``."""
    transaction.execute(
        "INSERT INTO message_edits (message_id, editor_id, message_body, "
        "edited_at) SELECT message_id, ?, message_body, ? FROM messages "
        "WHERE message_id = ?", (editor_id, edited_at, message_id))


class Edits:
    """The ``message_edits`` table."""

    def __init__(self, engine: Engine) -> None:
        """Work on ``engine``."""
        self._engine = engine

    def page(self, message_id: str, limit: int,
             offset: int) -> tuple[int, list[Edit]]:
        """Return how many times a message was edited and one page of its
        history, oldest first."""
        with self._engine.transaction() as transaction:
            count = transaction.value(
                "SELECT COUNT(*) FROM message_edits WHERE message_id = ?",
                (message_id,))
            rows = transaction.rows(
                "SELECT e.message_body, e.edited_at, u.user_id, u.username, "
                "u.first_name, u.last_name FROM message_edits AS e "
                "JOIN users AS u ON u.user_id = e.editor_id "
                "WHERE e.message_id = ? ORDER BY e.seq LIMIT ? OFFSET ?",
                (message_id, limit, offset))
        return int(count), [Edit(body, edited_at, Person(*editor))
                            for body, edited_at, *editor in rows]
