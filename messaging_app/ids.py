"""The ids of users, conversations and messages: UUID version 7 text.

A version 7 UUID (RFC 9562) starts with the creation time in milliseconds,
so ids made later sort later and a new row's id lands at the end of its
unique index rather than on a random page of it; 74 random bits follow.
"""
import os
import time
import uuid

# The fixed fields of a UUID version 7, as bits of its 128-bit integer.
VERSION_BITS, VERSION_7 = 0xF << 76, 0x7 << 76
VARIANT_BITS, VARIANT_RFC = 0x3 << 62, 0x2 << 62


def new_id() -> str:
    """Return a new UUID version 7 as lower-case hyphenated text."""
    millis = time.time_ns() // 1_000_000
    bits = (millis << 80) | int.from_bytes(os.urandom(10), "big")
    bits = bits & ~VERSION_BITS | VERSION_7
    bits = bits & ~VARIANT_BITS | VARIANT_RFC
    return str(uuid.UUID(int=bits))


def canonical_uuid(text: object) -> str | None:
    """Return ``text`` as a lower-case hyphenated UUID, or None."""
    if not isinstance(text, str) or len(text) != 36:
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None
