"""Revoked refresh tokens: those used once already (refresh tokens rotate)
or given up at a logout, kept in the database so that every process
refuses them.

A token is named by its ``jti`` claim and kept until it would have
expired anyway; then its row goes (expiry.py). Revoking is one insert
into a table whose key is the ``jti``, so of two requests that use one
token at the same moment, on any processes, exactly one succeeds.
"""
import time
from collections.abc import Callable

from messaging_app.storage.engine import Engine
from messaging_app.storage.errors import UniqueViolation
from messaging_app.storage.expiry import ExpiredRows


class Revocations:
    """The ``revoked_tokens`` table."""

    def __init__(self, engine: Engine,
                 clock: Callable[[], float] = time.time) -> None:
        """Work on ``engine``, with ``clock`` telling Unix time."""
        self._engine = engine
        self._expired = ExpiredRows(engine, "revoked_tokens", clock)

    def revoke(self, jti: str, expires: int) -> bool:
        """Revoke the token ``jti`` (valid until ``expires``, Unix time);
        False when it was revoked already."""
        try:
            with self._engine.transaction(write=True) as transaction:
                transaction.execute(
                    "INSERT INTO revoked_tokens (jti, expires) "
                    "VALUES (?, ?)", (jti, expires))
        except UniqueViolation:
            return False
        self._expired.now_and_then()
        return True
