"""Users: accounts, their login keys, and deleting them.

Usernames and emails are unique by their login key: the text in Unicode
NFKC form, case-folded, so ``Élise``, ``élise`` and a fullwidth
``ｅｌｉｓｅ``... are one name, and logging in with any of them finds it.
The key columns carry the unique indexes on every engine.
"""
import unicodedata
from collections.abc import Sequence
from typing import Literal

from messaging_app.clock import utc_now
from messaging_app.ids import new_id
from messaging_app.storage.cache import touch_lists
from messaging_app.storage.engine import Engine, Transaction, placeholders
from messaging_app.storage.errors import Duplicate, UniqueViolation
from messaging_app.storage.readmarks import count_deleted_sender
from messaging_app.storage.records import User

LoginField = Literal["username", "email"]
COLUMNS = ("user_id, username, email, password_hash, first_name, "
           "last_name, phone_number, role, created_at")
# What a User is read from: its columns, and the version of its tokens.
SELECTED = COLUMNS + ", token_version"
# Only these column names ever reach an SQL string; values use placeholders.
KEY_COLUMNS: dict[LoginField, str] = {"username": "username_key",
                                      "email": "email_key"}


def login_key(text: str) -> str:
    """Return the form of a username or email that uniqueness and login
    compare: NFKC, then case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


class Users:
    """The ``users`` table."""

    def __init__(self, engine: Engine) -> None:
        """Work on ``engine``."""
        self._engine = engine

    def create(self, *, username: str, email: str, password_hash: str,
               first_name: str, last_name: str,
               phone_number: str | None = None,
               role: str = "guest") -> User:
        """Store a new user and return it; raise Duplicate naming the
        field whose key is taken."""
        user = User(new_id(), username, email, password_hash, first_name,
                    last_name, phone_number, role, utc_now())
        keys: dict[LoginField, str] = {"username": login_key(username),
                                       "email": login_key(email)}
        try:
            with self._engine.transaction(write=True) as transaction:
                self._refuse_taken(transaction, keys)
                transaction.execute(
                    f"INSERT INTO users ({COLUMNS}, username_key, "
                    f"email_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (user.user_id, username, email, password_hash,
                     first_name, last_name, phone_number, role,
                     user.created_at, keys["username"], keys["email"]))
        except UniqueViolation:
            # Another process stored the same name since the check.
            with self._engine.transaction() as transaction:
                self._refuse_taken(transaction, keys)
            raise
        return user

    @staticmethod
    def _refuse_taken(transaction: Transaction,
                      keys: dict[LoginField, str]) -> None:
        """Raise Duplicate when a user has one of these keys already."""
        for field, key in keys.items():
            if transaction.row(
                    f"SELECT 1 FROM users WHERE {KEY_COLUMNS[field]} = ?",
                    (key,)):
                raise Duplicate(field)

    def by_id(self, user_id: str) -> User | None:
        """Return the user with this id, or None."""
        rows = self._engine.query(
            f"SELECT {SELECTED} FROM users WHERE user_id = ?", (user_id,))
        return User(*rows[0]) if rows else None

    def by_login(self, field: LoginField, login: str) -> User | None:
        """Return the user whose username (or email) has the login key of
        ``login``, or None."""
        rows = self._engine.query(
            f"SELECT {SELECTED} FROM users WHERE {KEY_COLUMNS[field]} = ?",
            (login_key(login),))
        return User(*rows[0]) if rows else None

    def existing_ids(self, user_ids: Sequence[str]) -> set[str]:
        """Return which of ``user_ids`` belong to existing users."""
        if not user_ids:
            return set()
        rows = self._engine.query(
            f"SELECT user_id FROM users "
            f"WHERE user_id IN ({placeholders(user_ids)})", user_ids)
        return {row[0] for row in rows}

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Replace a user's password hash by one of the same password
        (at a higher cost): the user's tokens stay valid."""
        with self._engine.transaction(write=True) as transaction:
            transaction.execute(
                "UPDATE users SET password_hash = ? WHERE user_id = ?",
                (password_hash, user_id))

    def change_password(self, user_id: str,
                        password_hash: str) -> int | None:
        """Store a new password's hash and void every token issued
        before; return the version new tokens carry, None when the user
        is gone."""
        return self._new_token_version(user_id, password_hash)

    def revoke_tokens(self, user_id: str) -> int | None:
        """Void every token issued to the user so far; return the version
        new tokens carry, None when the user is gone."""
        return self._new_token_version(user_id, None)

    def _new_token_version(self, user_id: str,
                           password_hash: str | None) -> int | None:
        """Raise the user's token version, with a new password hash if
        one is given; return the version, None when the user is gone."""
        with self._engine.transaction(write=True) as transaction:
            if not transaction.execute(
                    "UPDATE users SET token_version = token_version + 1, "
                    "password_hash = COALESCE(?, password_hash) "
                    "WHERE user_id = ?", (password_hash, user_id)):
                return None
            return int(transaction.value(
                "SELECT token_version FROM users WHERE user_id = ?",
                (user_id,)))

    def delete(self, username: str) -> bool:
        """Delete a user with everything that is theirs, in one
        transaction: memberships and read markers, messages with their
        history and notifications, the user's own notifications. False
        when nobody has that username.

        The conversations' message counts and the other participants'
        unread counts lose the user's messages first, and the versions of
        what caches keep change (see cache.py); the database's cascades
        then remove the rows.
        """
        with self._engine.transaction(write=True) as transaction:
            user_id = transaction.value(
                "SELECT user_id FROM users WHERE username_key = ?",
                (login_key(username),))
            if user_id is None:
                return False
            # Named ids rather than subqueries: MariaDB then locks these
            # rows alone.
            conversations = [row[0] for row in transaction.rows(
                "SELECT conversation_id FROM participants WHERE user_id = ?",
                (user_id,))]
            if conversations:
                forget_messages(transaction, user_id, conversations)
            transaction.execute("DELETE FROM users WHERE user_id = ?",
                                (user_id,))
        return True


def forget_messages(transaction: Transaction, user_id: str,
                    conversations: Sequence[str]) -> None:
    """Take a user's messages, about to be deleted, out of the counts of
    their conversations and of the other participants, and make what
    caches keep of those conversations stale."""
    marks = placeholders(conversations)
    transaction.execute(
        f"UPDATE conversations SET message_count = message_count - ("
        f"SELECT p.message_count FROM participants AS p "
        f"WHERE p.conversation_id = conversations.conversation_id "
        f"AND p.user_id = ?), version = version + 1 "
        f"WHERE conversation_id IN ({marks})", [user_id, *conversations])
    touch_lists(transaction, [row[0] for row in transaction.rows(
        f"SELECT user_id FROM participants "
        f"WHERE conversation_id IN ({marks})", conversations)])
    count_deleted_sender(transaction, user_id, conversations)
