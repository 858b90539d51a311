"""Storage: every SQL statement of the chat API, on SQLite or MariaDB.

``open_storage(url)`` picks the engine from the URL, migrates the schema
and returns a ``Storage``, whose parts each own one kind of row:

- ``storage.users`` (users.py): accounts and login keys;
- ``storage.conversations`` (conversations.py): conversations, members;
- ``storage.messages`` (messages.py): messages and their counts, and
  their pages (pages.py);
- ``storage.rate_limits`` (ratelimits.py): the hits of every rate limit;
- ``storage.notifications`` (notifications.py): new messages delivered;
- ``storage.edits`` (edits.py): the history of edited messages;
- ``storage.threads`` (threads.py): replies, depth first;
- ``storage.read_markers`` (readmarks.py): how far each member has read;
- ``storage.revocations`` (revocations.py): refresh tokens revoked;
- ``storage.write_probe`` (probe.py): whether writes still succeed.

With a ``VersionedCache`` (cache.py), the first pages of conversations
and of users' lists are kept in this process and served while the
database says they are current.

The engines (sqlite.py, mysql.py) hold everything that differs between
the two databases; engine.py lends their connections, one transaction at a
time; schema.py holds the migrations. Storage returns the records of
records.py, raises the exceptions of errors.py, and knows nothing of HTTP.
"""
from urllib.parse import unquote, urlsplit

from messaging_app.storage.cache import VersionedCache
from messaging_app.storage.conversations import Conversations
from messaging_app.storage.edits import Edits
from messaging_app.storage.engine import Engine
from messaging_app.storage.errors import (Busy, Duplicate, SchemaTooNew,
                                          StorageError, Unavailable)
from messaging_app.storage.messages import Messages
from messaging_app.storage.notifications import Notifications
from messaging_app.storage.probe import WriteProbe
from messaging_app.storage.ratelimits import RateLimits
from messaging_app.storage.readmarks import ReadMarkers
from messaging_app.storage.records import (Conversation, Edit, Message,
                                           MessageFilter, Notification,
                                           Person, ReadState, User)
from messaging_app.storage.revocations import Revocations
from messaging_app.storage.schema import migrate
from messaging_app.storage.threads import MAX_REPLY_DEPTH, Threads
from messaging_app.storage.users import Users

__all__ = ["Busy", "Conversation", "Duplicate", "Edit", "MAX_REPLY_DEPTH",
           "Message", "MessageFilter", "Notification", "Person",
           "ReadState", "SchemaTooNew", "Storage", "StorageError",
           "Unavailable", "User", "VersionedCache", "engine_for",
           "open_storage"]


class Storage:
    """The chat's database, one attribute per kind of row."""

    def __init__(self, engine: Engine,
                 cache: VersionedCache | None = None) -> None:
        """Work on ``engine``, migrated already; keep first pages in
        ``cache`` if given."""
        self.engine = engine
        self.users = Users(engine)
        self.conversations = Conversations(engine, cache)
        self.messages = Messages(engine, cache)
        self.rate_limits = RateLimits(engine)
        self.notifications = Notifications(engine)
        self.edits = Edits(engine)
        self.threads = Threads(engine)
        self.read_markers = ReadMarkers(engine)
        self.revocations = Revocations(engine)
        self.write_probe = WriteProbe(engine)

    @property
    def description(self) -> str:
        """Name the database, without any password."""
        return self.engine.description

    def ping(self) -> None:
        """Check that the database answers a query; raise Unavailable
        otherwise."""
        self.engine.query("SELECT 1")

    def schema_version(self) -> int:
        """Return the schema version of the database."""
        with self.engine.transaction() as transaction:
            return self.engine.schema_version(transaction)

    def close(self) -> None:
        """Close the connections."""
        self.engine.close()


def engine_for(url: str) -> Engine:
    """Return the engine a database URL names: ``sqlite:///relative``,
    ``sqlite:////absolute``, ``mysql://`` or ``mariadb://``."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        from messaging_app.storage.sqlite import SQLiteEngine
        return SQLiteEngine(unquote(url[len("sqlite:///"):]))
    if scheme in ("mysql", "mariadb"):
        from messaging_app.storage.mysql import MySQLEngine
        return MySQLEngine(url)
    raise StorageError(
        f"The database URL must start with sqlite:/// or mysql://, not "
        f"{url.split(':', 1)[0]!r}.")


def open_storage(url: str, cache: VersionedCache | None = None) -> Storage:
    """Open the database a URL names and bring its schema up to date;
    keep first pages in ``cache`` if given."""
    engine = engine_for(url)
    try:
        migrate(engine)
    except BaseException:
        engine.close()
        raise
    return Storage(engine, cache)
