"""The schema and its migrations, written once for every engine.

Each migration is a function of a transaction; column types and table
options come from the engine's dialect (``{id}``, ``{time}``...). A
database records the last migration it ran (see each engine's
``schema_version``), and ``migrate`` runs the newer ones at start.

Times are fixed-width UTC text (see clock.py), so text order is time order.
Messages are listed by ``(sent_at, seq)``: ``seq`` never repeats, so the
order never ties, and one index serves both the order and the time
filters. Counts are kept beside the rows they count (a conversation's
messages; a participant's messages in it), updated in the transaction that
adds or removes a message, so a page never counts a long history.
"""
from collections.abc import Callable

from messaging_app.storage.engine import Engine, Transaction
from messaging_app.storage.errors import SchemaTooNew, StorageError
from messaging_app.storage.users import login_key

Migration = Callable[[Transaction], None]


def run(transaction: Transaction, script: str) -> None:
    """Run the ``;``-separated statements of ``script``, with the
    dialect's types filled in."""
    for statement in script.format(**transaction.dialect.types).split(";"):
        if statement.strip():
            transaction.execute(statement)


def create_tables(transaction: Transaction) -> None:
    """1: users, conversations, their participants and messages.

    (Databases made before migration 2 also had two SQLite triggers that
    kept ``message_count``; migration 2 drops them.)
    """
    run(transaction, """
        CREATE TABLE users (
            user_id {id} PRIMARY KEY,
            username {name} NOT NULL UNIQUE {nocase},
            email {name} NOT NULL UNIQUE {nocase},
            password_hash {name} NOT NULL,
            first_name {name} NOT NULL,
            last_name {name} NOT NULL,
            phone_number {name},
            role {name} NOT NULL DEFAULT 'guest'
                CHECK (role IN ('guest', 'host', 'admin')),
            created_at {time} NOT NULL
        ) {table};
        CREATE TABLE conversations (
            seq {serial},
            conversation_id {id} NOT NULL UNIQUE,
            created_at {time} NOT NULL,
            message_count INTEGER NOT NULL DEFAULT 0
        ) {table};
        CREATE TABLE participants (
            conversation_id {id} NOT NULL,
            user_id {id} NOT NULL,
            PRIMARY KEY (conversation_id, user_id),
            FOREIGN KEY (conversation_id)
                REFERENCES conversations (conversation_id) ON DELETE CASCADE,
            FOREIGN KEY (user_id) REFERENCES users (user_id)
                ON DELETE CASCADE
        ) {table_without_rowid};
        CREATE INDEX participants_by_user ON participants (user_id);
        CREATE TABLE messages (
            seq {serial},
            message_id {id} NOT NULL UNIQUE,
            conversation_id {id} NOT NULL,
            sender_id {id} NOT NULL,
            message_body {text} NOT NULL,
            sent_at {time} NOT NULL,
            edited_at {time},
            FOREIGN KEY (conversation_id)
                REFERENCES conversations (conversation_id) ON DELETE CASCADE,
            FOREIGN KEY (sender_id) REFERENCES users (user_id)
                ON DELETE CASCADE
        ) {table};
        CREATE INDEX messages_by_conversation
            ON messages (conversation_id, seq);
        CREATE INDEX messages_by_sender ON messages (sender_id)
    """)


def keys_counts_and_rate_limits(transaction: Transaction) -> None:
    """2: login keys, counts kept by the application, time-ordered
    indexes and the rate limit counters.

    - ``username_key`` and ``email_key`` (NFKC, case-folded; see users.py)
      carry the uniqueness rule the same way on every engine.
    - A participant's ``message_count`` makes a sender filter's count a
      lookup. The triggers that kept ``conversations.message_count`` on
      SQLite go: storage now updates both counts with the message.
    - Messages are ordered by ``(sent_at, seq)`` in each conversation,
      overall and for one sender; the sender's index leads with the
      sender, so it also serves their deletion (a third index fewer to
      write at every post).
    - ``rate_counts`` holds the hits of every rate limit (ratelimits.py).
    """
    run(transaction, """
        DROP TRIGGER IF EXISTS message_added;
        DROP TRIGGER IF EXISTS message_removed;
        ALTER TABLE users ADD COLUMN username_key {name};
        ALTER TABLE users ADD COLUMN email_key {name};
        ALTER TABLE participants
            ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0
    """)
    users = transaction.rows("SELECT user_id, username, email FROM users")
    transaction.executemany(
        "UPDATE users SET username_key = ?, email_key = ? WHERE user_id = ?",
        [(login_key(username), login_key(email), user_id)
         for user_id, username, email in users])
    for field in ("username", "email"):
        clash = transaction.row(
            f"SELECT MIN({field}), MAX({field}) FROM users "
            f"GROUP BY {field}_key HAVING COUNT(*) > 1")
        if clash:
            raise StorageError(
                f"The users {clash[0]!r} and {clash[1]!r} differ only in "
                f"case or Unicode form, which the new schema forbids: "
                f"rename one with deleteuser and createuser, then start "
                f"again.")
    run(transaction, """
        CREATE UNIQUE INDEX users_by_username_key ON users (username_key);
        CREATE UNIQUE INDEX users_by_email_key ON users (email_key);
        UPDATE participants SET message_count = (
            SELECT COUNT(*) FROM messages AS m
            WHERE m.conversation_id = participants.conversation_id
              AND m.sender_id = participants.user_id);
        UPDATE conversations SET message_count = (
            SELECT COUNT(*) FROM messages AS m
            WHERE m.conversation_id = conversations.conversation_id);
        CREATE INDEX messages_in_order
            ON messages (conversation_id, sent_at, seq);
        CREATE INDEX messages_by_sender_in_order
            ON messages (sender_id, conversation_id, sent_at, seq);
        CREATE TABLE rate_counts (
            limit_key {name} NOT NULL,
            bucket BIGINT NOT NULL,
            expires BIGINT NOT NULL,
            hits INTEGER NOT NULL,
            PRIMARY KEY (limit_key, bucket)
        ) {table};
        CREATE INDEX rate_counts_by_expiry ON rate_counts (expires)
    """)
    for replaced in ("messages_by_conversation", "messages_by_sender"):
        transaction.execute(transaction.dialect.drop_index(
            replaced, "messages"))


def notifications_history_replies_and_read_state(
        transaction: Transaction) -> None:
    """3: notifications, edit history, replies, read markers and the
    version numbers that tell a cached page from a stale one.

    - ``notifications``: one row per message and other participant;
      ``message_edits``: the text each edit replaced. Both go with their
      message (and a notification with its user). The editor needs no
      foreign key: only a message's sender edits it, and deleting the
      sender deletes the message with its history.
    - A reply names its ``parent_message_id`` (no foreign key: replies
      stay when their parent is deleted) and keeps its ``reply_depth``.
    - A participant's read marker is the position ``(last_read_at,
      last_read_seq)`` of the last message read, with the count of the
      messages after it; existing conversations start read to the end.
    - ``conversations.version`` and ``users.list_version`` grow with every
      write that changes a conversation's messages or a user's list of
      conversations (see cache.py).
    """
    run(transaction, """
        ALTER TABLE messages ADD COLUMN parent_message_id {id};
        ALTER TABLE messages
            ADD COLUMN reply_depth INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX messages_by_parent ON messages (parent_message_id);
        ALTER TABLE participants
            ADD COLUMN unread_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE participants
            ADD COLUMN last_read_at {time} NOT NULL DEFAULT '';
        ALTER TABLE participants
            ADD COLUMN last_read_seq BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE conversations
            ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE users ADD COLUMN list_version BIGINT NOT NULL DEFAULT 0;
        CREATE TABLE notifications (
            seq {serial},
            notification_id {id} NOT NULL UNIQUE,
            user_id {id} NOT NULL,
            message_id {id} NOT NULL,
            created_at {time} NOT NULL,
            read_at {time},
            FOREIGN KEY (user_id) REFERENCES users (user_id)
                ON DELETE CASCADE,
            FOREIGN KEY (message_id) REFERENCES messages (message_id)
                ON DELETE CASCADE
        ) {table};
        CREATE INDEX notifications_by_user ON notifications (user_id, seq);
        CREATE INDEX notifications_unread
            ON notifications (user_id, read_at, seq);
        CREATE INDEX notifications_by_message ON notifications (message_id);
        CREATE TABLE message_edits (
            seq {serial},
            message_id {id} NOT NULL,
            editor_id {id} NOT NULL,
            message_body {text} NOT NULL,
            edited_at {time} NOT NULL,
            FOREIGN KEY (message_id) REFERENCES messages (message_id)
                ON DELETE CASCADE
        ) {table};
        CREATE INDEX message_edits_in_order ON message_edits (message_id, seq);
        UPDATE participants SET
            last_read_at = COALESCE((
                SELECT m.sent_at FROM messages AS m
                WHERE m.conversation_id = participants.conversation_id
                ORDER BY m.sent_at DESC, m.seq DESC LIMIT 1), ''),
            last_read_seq = COALESCE((
                SELECT m.seq FROM messages AS m
                WHERE m.conversation_id = participants.conversation_id
                ORDER BY m.sent_at DESC, m.seq DESC LIMIT 1), 0)
    """)


def token_revocation(transaction: Transaction) -> None:
    """4: revoking tokens, seen by every process.

    - ``users.token_version`` is carried by each token issued to the
      user; a password change or a logout everywhere raises it, which
      voids every token issued before (see tokens.py).
    - ``revoked_tokens`` holds the ``jti`` of each refresh token used once
      (they rotate) or given up at a logout, until it expires
      (revocations.py).
    """
    run(transaction, """
        ALTER TABLE users
            ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE revoked_tokens (
            jti {id} PRIMARY KEY,
            expires BIGINT NOT NULL
        ) {table};
        CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires)
    """)


def write_probe(transaction: Transaction) -> None:
    """5: ``write_probe``, an always empty table that the health check
    writes a row into and rolls back, to learn whether the database still
    accepts writes (probe.py)."""
    run(transaction, "CREATE TABLE write_probe (filler {text}) {table}")


MIGRATIONS: tuple[Migration, ...] = (
    create_tables,
    keys_counts_and_rate_limits,
    notifications_history_replies_and_read_state,
    token_revocation,
    write_probe,
)


def migrate(engine: Engine) -> int:
    """Run the migrations the database has not seen; return its version.

    Refuses a database that newer code has migrated further.
    """
    with engine.migrating() as transaction:
        version = engine.schema_version(transaction)
        if version > len(MIGRATIONS):
            raise SchemaTooNew(
                f"{engine.description} has schema version {version}, "
                f"newer than this code's {len(MIGRATIONS)}.")
        for number, migration in enumerate(MIGRATIONS[version:],
                                           version + 1):
            migration(transaction)
            engine.set_schema_version(transaction, number)
    return max(version, len(MIGRATIONS))
