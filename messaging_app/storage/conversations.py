"""Conversations: creating them, listing a user's, and membership.

Participants are fixed when a conversation is created; each participant's
row also counts the messages they sent in it (see messages.py) and keeps
their read marker with the count of messages they have not read
(readmarks.py), which every conversation shows to the user who asks.

The first page of a user's list may come from a cache, while the user's
``list_version`` is unchanged (see cache.py).
"""
from collections.abc import Sequence

from messaging_app.clock import utc_now
from messaging_app.ids import new_id
from messaging_app.storage.cache import (VersionedCache, list_version,
                                         touch_lists)
from messaging_app.storage.engine import Engine, Transaction, placeholders
from messaging_app.storage.records import Conversation, Person


class Conversations:
    """The ``conversations`` and ``participants`` tables."""

    def __init__(self, engine: Engine,
                 cache: VersionedCache | None = None) -> None:
        """Work on ``engine``; keep first pages of lists in ``cache`` if
        given."""
        self._engine = engine
        self._cache = cache

    def create(self, user_ids: Sequence[str]) -> Conversation:
        """Store a conversation between ``user_ids`` and return it as the
        first of them, who opens it, sees it."""
        conversation_id = new_id()
        with self._engine.transaction(write=True) as transaction:
            transaction.execute(
                "INSERT INTO conversations (conversation_id, created_at) "
                "VALUES (?, ?)", (conversation_id, utc_now()))
            # The users' rows before the foreign key checks read them (see
            # messages.py).
            touch_lists(transaction, user_ids)
            transaction.executemany(
                "INSERT INTO participants (conversation_id, user_id) "
                "VALUES (?, ?)",
                [(conversation_id, user_id) for user_id in user_ids])
            return load(transaction, [conversation_id], user_ids[0])[0]

    def get(self, conversation_id: str,
            viewer_id: str) -> Conversation | None:
        """Return one conversation with its participants, as
        ``viewer_id`` sees it (their unread count), or None."""
        with self._engine.transaction() as transaction:
            found = load(transaction, [conversation_id], viewer_id)
        return found[0] if found else None

    def of_member(self, user_id: str, limit: int,
                  offset: int) -> tuple[int, list[Conversation]]:
        """Return how many conversations a user is in, and one page of
        them, newest first; the first from the cache, if any, while the
        user's list version is unchanged."""
        if self._cache is None or offset:
            return self._of_member(user_id, limit, offset)
        version = list_version(self._engine, user_id)
        if version is None:
            return 0, []
        key = ("conversations", user_id, limit)
        found = self._cache.get(key, version)
        if found is None:
            found = self._of_member(user_id, limit, 0)
            self._cache.put(key, version, found, size_of(found[1]))
        return found

    def _of_member(self, user_id: str, limit: int,
                   offset: int) -> tuple[int, list[Conversation]]:
        """Read a page of a user's conversations (see ``of_member``)."""
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
            return int(count), load(transaction, ids, user_id)

    def membership(self, conversation_id: str,
                   user_id: str) -> bool | None:
        """Tell whether a user is in a conversation; None when the
        conversation does not exist."""
        found = self.access(conversation_id, user_id)
        return None if found is None else found[0]

    def access(self, conversation_id: str,
               user_id: str) -> tuple[bool, int] | None:
        """Tell whether a user is in a conversation, with the version of
        its messages (which a cached page must match, see cache.py); None
        when the conversation does not exist."""
        rows = self._engine.query(
            "SELECT EXISTS (SELECT 1 FROM participants "
            "WHERE conversation_id = ? AND user_id = ?), version "
            "FROM conversations WHERE conversation_id = ?",
            (conversation_id, user_id, conversation_id))
        return (bool(rows[0][0]), int(rows[0][1])) if rows else None


def size_of(conversations: list[Conversation]) -> int:
    """Estimate the characters of JSON a list of conversations makes."""
    return sum(100 + 150 * len(each.participants) for each in conversations)


def load(transaction: Transaction, ids: Sequence[str],
         viewer_id: str) -> list[Conversation]:
    """Load conversations with their participants, in ``ids`` order, and
    ``viewer_id``'s unread count of each."""
    if not ids:
        return []
    marks = placeholders(ids)
    created = dict(transaction.rows(
        f"SELECT conversation_id, created_at FROM conversations "
        f"WHERE conversation_id IN ({marks})", ids))
    unread = dict(transaction.rows(
        f"SELECT conversation_id, unread_count FROM participants "
        f"WHERE user_id = ? AND conversation_id IN ({marks})",
        [viewer_id, *ids]))
    people: dict[str, list[Person]] = {key: [] for key in created}
    for conversation_id, *person in transaction.rows(
            f"SELECT p.conversation_id, u.user_id, u.username, "
            f"u.first_name, u.last_name FROM participants AS p "
            f"JOIN users AS u ON u.user_id = p.user_id "
            f"WHERE p.conversation_id IN ({marks}) "
            f"ORDER BY u.username_key", ids):
        people[conversation_id].append(Person(*person))
    return [Conversation(key, created[key], tuple(people[key]),
                         int(unread.get(key, 0)))
            for key in ids if key in created]
