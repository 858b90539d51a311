"""Storage: every SQL statement of the chat API, on SQLite or MariaDB.

``open_storage(url)`` picks the engine from the URL, migrates the schema
and returns a ``Storage``, whose parts each own one kind of row:

- ``storage.users`` (users.py): accounts and login keys;
- ``storage.conversations`` (conversations.py): conversations, members;
- ``storage.messages`` (messages.py): messages, their counts and pages;
- ``storage.rate_limits`` (ratelimits.py): the hits of every rate limit;
- ``storage.revocations`` (revocations.py): refresh tokens revoked;
- ``storage.write_probe`` (probe.py): whether writes still succeed.

The engines (sqlite.py, mysql.py) hold everything that differs between
the two databases; engine.py lends their connections, one transaction at a
time; schema.py holds the migrations. Storage returns the records of
records.py, raises the exceptions of errors.py, and knows nothing of HTTP.
"""
from urllib.parse import unquote, urlsplit

from messaging_app.storage.conversations import Conversations
from messaging_app.storage.engine import Engine
from messaging_app.storage.errors import (Busy, Duplicate, SchemaTooNew,
                                          StorageError, Unavailable)
from messaging_app.storage.messages import Messages
from messaging_app.storage.probe import WriteProbe
from messaging_app.storage.ratelimits import RateLimits
from messaging_app.storage.records import (Conversation, Message,
                                           MessageFilter, Person, User)
from messaging_app.storage.revocations import Revocations
from messaging_app.storage.schema import migrate
from messaging_app.storage.users import Users

__all__ = ["Busy", "Conversation", "Duplicate", "Message", "MessageFilter",
           "Person", "SchemaTooNew", "Storage", "StorageError",
           "Unavailable", "User", "engine_for", "open_storage"]


class Storage:
    """The chat's database, one attribute per kind of row."""

    def __init__(self, engine: Engine) -> None:
        """Work on ``engine``, migrated already."""
        self.engine = engine
        self.users = Users(engine)
        self.conversations = Conversations(engine)
        self.messages = Messages(engine)
        self.rate_limits = RateLimits(engine)
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


def open_storage(url: str) -> Storage:
    """Open the database a URL names and bring its schema up to date."""
    engine = engine_for(url)
    try:
        migrate(engine)
    except BaseException:
        engine.close()
        raise
    return Storage(engine)
