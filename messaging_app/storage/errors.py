"""The exceptions storage raises, whatever the engine underneath.

Layers above storage catch these, never a driver's own exceptions: a busy
or unavailable database becomes a 503, a duplicate a 400, and anything else
a driver raises (a missing table, say) stays an unexpected error, a 500.
"""


class StorageError(Exception):
    """The database cannot be used: told in one sentence."""


class SchemaTooNew(StorageError):
    """The database was migrated by newer code than this."""


class Unavailable(StorageError):
    """The database cannot serve requests now: unreachable, read-only or
    out of space. The sentence says which."""


class Busy(Unavailable):
    """The database stayed locked (or deadlocked) past the wait allowed;
    trying again shortly should work."""


class Duplicate(StorageError):
    """A value that must be unique (a username, an email) is taken."""

    def __init__(self, field: str) -> None:
        """Remember which field clashed."""
        super().__init__(f"That {field} is taken.")
        self.field = field


class UniqueViolation(StorageError):
    """The engine refused a row that breaks a unique index; storage
    modules turn it into something more precise, such as Duplicate."""
