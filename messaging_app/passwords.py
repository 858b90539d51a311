"""Password hashing with PBKDF2-HMAC-SHA256 from the standard library.

A stored hash reads ``pbkdf2_sha256$ITERATIONS$SALT$HASH`` (salt and hash in
base64), so the cost can be raised later: a login with an older, cheaper
hash stores a new one at the current cost. PBKDF2 was chosen over scrypt
because each login thread then needs kilobytes, not 128 MiB, of memory.
"""
import base64
import hashlib
import hmac
import secrets
from typing import Optional

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


class PasswordChecker:
    """Checks logins at one cost, also for users that do not exist."""

    def __init__(self, iterations: int) -> None:
        """Hash at ``iterations``; prepare a decoy hash at the same cost."""
        self.iterations = iterations
        # Checking an unknown user against a decoy costs as much as a
        # wrong password, so timing does not tell which usernames exist.
        self._decoy = hash_password(secrets.token_urlsafe(16), iterations)

    def hash(self, password: str) -> str:
        """Hash a new password at the current cost."""
        return hash_password(password, self.iterations)

    def check(self, password: str, encoded: Optional[str]) -> bool:
        """Tell whether the password matches; False when ``encoded`` is
        None (no such user), after the same amount of work."""
        if encoded is None:
            verify_password(password, self._decoy)
            return False
        return verify_password(password, encoded)

    def outdated(self, encoded: str) -> bool:
        """Tell whether a stored hash is cheaper than the current cost."""
        return iterations_of(encoded) < self.iterations
