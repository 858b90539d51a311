"""The files the server creates, readable and writable by their owner
only.

They hold what must stay private from the other users of the machine:
the SQLite database (private messages, password hashes), its ``-wal`` and
``-shm`` files (SQLite gives them the mode of the database), the request
log (who did what, when) and the secret key that signs tokens. Each is
created with an explicit mode rather than by changing the process's
umask, which would reach every other file the process writes. A file that
exists already keeps the mode its owner gave it.
"""
import os
from pathlib import Path

OWNER_ONLY = 0o600
OWNER_ONLY_FOLDER = 0o700


def owner_only_opener(path: str, flags: int) -> int:
    """Open ``path`` as ``open(..., opener=)`` does, creating it owner-only
    when it does not exist."""
    return os.open(path, flags, OWNER_ONLY)


def create_owner_only(path: Path) -> None:
    """Create ``path`` empty and owner-only, unless it exists already
    (whatever its mode: a file that may not be written is left for its
    user to report)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                         OWNER_ONLY))
    except FileExistsError:
        pass


def make_folder(path: Path) -> None:
    """Create the folder ``path`` (owner-only) and its missing parents."""
    path.mkdir(mode=OWNER_ONLY_FOLDER, parents=True, exist_ok=True)


def loose_mode(path: Path) -> int | None:
    """Return the mode of ``path`` when its group or others may use it,
    None when only its owner may."""
    mode = path.stat().st_mode & 0o777
    return mode if mode & 0o077 else None
