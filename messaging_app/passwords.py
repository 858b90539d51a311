"""Password hashing with PBKDF2-HMAC-SHA256 from the standard library.

A stored hash reads ``pbkdf2_sha256$ITERATIONS$SALT$HASH`` (salt and hash in
base64), so the cost can be raised later: a login with an older, cheaper
hash stores a new one at the current cost. PBKDF2 was chosen over scrypt
because each login thread then needs kilobytes, not 128 MiB, of memory.

Hashing is the one costly thing an anonymous client can ask for, so it
runs in a bounded number of slots (one per core by default): a request
that finds every slot taken is refused at once (``HashingBusy``, a 503
with Retry-After) instead of waiting behind a flood of logins.
"""
import base64
import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

ALGORITHM = "pbkdf2_sha256"
SALT_BYTES = 16


def hash_password(password: str, iterations: int) -> str:
    """Hash ``password`` with a fresh random salt at ``iterations``."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = derive(password, salt, iterations)
    return "$".join((ALGORITHM, str(iterations), encode(salt),
                     encode(digest)))


def derive(password: str, salt: bytes, iterations: int) -> bytes:
    """Run PBKDF2-HMAC-SHA256 over the password."""
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt,
                               iterations)


def encode(raw: bytes) -> str:
    """Encode bytes as base64 text without padding."""
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def decode(text: str) -> bytes:
    """Decode the unpadded base64 text made by ``encode``."""
    return base64.b64decode(text + "=" * (-len(text) % 4))


def iterations_of(encoded: str) -> int:
    """Return the iteration count a stored hash was made with."""
    return int(encoded.split("$")[1])


def verify_password(password: str, encoded: str) -> bool:
    """Tell whether ``password`` matches the stored hash, in constant
    time."""
    algorithm, iterations, salt, digest = encoded.split("$")
    if algorithm != ALGORITHM:
        return False
    candidate = derive(password, decode(salt), int(iterations))
    return hmac.compare_digest(candidate, decode(digest))


class HashingBusy(Exception):
    """Every hashing slot is taken: the request is refused, not queued."""


class PasswordChecker:
    """Checks logins at one cost, also for users that do not exist, with
    at most ``slots`` hashes running at once."""

    def __init__(self, iterations: int, slots: int = 1) -> None:
        """Hash at ``iterations``; prepare a decoy hash at the same cost."""
        self.iterations = iterations
        self._slots = threading.BoundedSemaphore(slots)
        # Checking an unknown user against a decoy costs as much as a
        # wrong password, so timing does not tell which usernames exist.
        self._decoy = hash_password(secrets.token_urlsafe(16), iterations)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a hashing slot for the block; HashingBusy at once when
        none is free."""
        if not self._slots.acquire(blocking=False):
            raise HashingBusy()
        try:
            yield
        finally:
            self._slots.release()

    def hash(self, password: str) -> str:
        """Hash a new password at the current cost, in a slot."""
        with self.slot():
            return hash_password(password, self.iterations)

    def check(self, password: str, encoded: str | None) -> bool:
        """Tell whether the password matches, in a slot; False when
        ``encoded`` is None (no such user), after the same work."""
        with self.slot():
            return verify_password(password, encoded or self._decoy) \
                and encoded is not None

    def outdated(self, encoded: str) -> bool:
        """Tell whether a stored hash is cheaper than the current cost."""
        return iterations_of(encoded) < self.iterations
