"""Conversations: creating them, listing a user's, and membership.

Participants are fixed when a conversation is created; each participant's
row also counts the messages they sent in it (see messages.py).
"""
from collections.abc import Sequence

from messaging_app.clock import utc_now
from messaging_app.ids import new_id
from messaging_app.storage.engine import Engine, Transaction
from messaging_app.storage.records import Conversation, Person
from messaging_app.storage.users import placeholders


class Conversations:
    """The ``conversations`` and ``participants`` tables."""

    def __init__(self, engine: Engine) -> None:
        """Work on ``engine``."""
        self._engine = engine

    def create(self, user_ids: Sequence[str]) -> Conversation:
        """Store a conversation between ``user_ids`` and return it."""
        conversation_id = new_id()
        with self._engine.transaction(write=True) as transaction:
            transaction.execute(
                "INSERT INTO conversations (conversation_id, created_at) "
                "VALUES (?, ?)", (conversation_id, utc_now()))
            transaction.executemany(
                "INSERT INTO participants (conversation_id, user_id) "
                "VALUES (?, ?)",
                [(conversation_id, user_id) for user_id in user_ids])
            return load(transaction, [conversation_id])[0]

    def get(self, conversation_id: str) -> Conversation | None:
        """Return one conversation with its participants, or None."""
        with self._engine.transaction() as transaction:
            found = load(transaction, [conversation_id])
        return found[0] if found else None

    def of_member(self, user_id: str, limit: int,
                  offset: int) -> tuple[int, list[Conversation]]:
        """Return how many conversations a user is in, and one page of
        them, newest first."""
        with self._engine.transaction() as transaction:
            count = transaction.value(
                "SELECT COUNT(*) FROM participants WHERE user_id = ?",
                (user_id,))
            ids = [row[0] for row in transaction.rows(
                "SELECT c.conversation_id FROM conversations AS c "
                "JOIN participants AS p "
                "ON p.conversation_id = c.conversation_id "
                "WHERE p.user_id = ? ORDER BY c.seq DESC LIMIT ? OFFSET ?",
                (user_id, limit, offset))]
            return int(count), load(transaction, ids)

    def membership(self, conversation_id: str,
                   user_id: str) -> bool | None:
        """Tell whether a user is in a conversation; None when the
        conversation does not exist."""
        rows = self._engine.query(
            "SELECT EXISTS (SELECT 1 FROM participants "
            "WHERE conversation_id = ? AND user_id = ?) "
            "FROM conversations WHERE conversation_id = ?",
            (conversation_id, user_id, conversation_id))
        return bool(rows[0][0]) if rows else None


def load(transaction: Transaction,
         ids: Sequence[str]) -> list[Conversation]:
    """Load conversations with their participants, in ``ids`` order."""
    if not ids:
        return []
    marks = placeholders(ids)
    created = dict(transaction.rows(
        f"SELECT conversation_id, created_at FROM conversations "
        f"WHERE conversation_id IN ({marks})", ids))
    people: dict[str, list[Person]] = {key: [] for key in created}
    for conversation_id, *person in transaction.rows(
            f"SELECT p.conversation_id, u.user_id, u.username, "
            f"u.first_name, u.last_name FROM participants AS p "
            f"JOIN users AS u ON u.user_id = p.user_id "
            f"WHERE p.conversation_id IN ({marks}) "
            f"ORDER BY u.username_key", ids):
        people[conversation_id].append(Person(*person))
    return [Conversation(key, created[key], tuple(people[key]))
            for key in ids if key in created]
