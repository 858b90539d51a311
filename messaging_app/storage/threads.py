"""Threads: a message and every reply below it, depth first.

One statement reads a page of a thread: a recursive common table
expression walks down from the message through the index of
``parent_message_id``, one level per step, so its cost follows the
thread's size, never the conversation's. Each row carries its depth and a
sort path, its ancestors' ``seq`` and its own as fixed-width digits:
ordering by the path lists every message just before its replies, and the
replies of one message in the order they were sent. The page comes back
as JSON text, built as for any page of messages (see pages.py).

Replies nest at most ``MAX_REPLY_DEPTH`` deep, which bounds the paths.
"""
from messaging_app.storage.engine import SORT_KEY_DIGITS, Engine
from messaging_app.storage.pages import (ALIASED, JOIN_SENDER, SELECTED,
                                         json_object, json_text,
                                         message_from)
from messaging_app.storage.records import Shape

MAX_REPLY_DEPTH = 100
PATH_LENGTH = SORT_KEY_DIGITS * (MAX_REPLY_DEPTH + 1)


class Threads:
    """Replies, read through ``messages.parent_message_id``."""

    def __init__(self, engine: Engine) -> None:
        """Work on ``engine``."""
        self._engine = engine

    def page(self, message_id: str, limit: int, offset: int,
             shape: Shape) -> tuple[int, str]:
        """Return how many messages the thread of ``message_id`` holds
        (the message itself included, at depth 0) and one page of them,
        depth first, as a JSON array laid out as ``shape`` says (it may
        name ``depth``)."""
        dialect = self._engine.dialect
        thread = (
            f"WITH RECURSIVE thread (message_id, depth, path) AS ("
            f"SELECT message_id, 0, {dialect.path_start('seq', PATH_LENGTH)}"
            f" FROM messages WHERE message_id = ? "
            f"UNION ALL SELECT m.message_id, thread.depth + 1, "
            f"{dialect.path_step('thread.path', 'm.seq')} "
            f"FROM thread JOIN messages AS m "
            f"ON m.parent_message_id = thread.message_id) ")
        # Ordered by the thread's own rows first, so that MariaDB sorts
        # the page's keys, not its joined rows (see messages._read_page).
        page = (f"FROM (SELECT message_id, depth, path FROM thread "
                f"ORDER BY path LIMIT ? OFFSET ?) AS page JOIN messages AS m "
                f"ON m.message_id = page.message_id {JOIN_SENDER}"
                f"ORDER BY page.path")
        counted = f"{thread}SELECT (SELECT COUNT(*) FROM thread), "
        params = (message_id, limit, offset)
        if dialect.builds_json:
            count, text = self._engine.query(
                f"{counted}"
                f"{dialect.json_array(json_object(dialect, shape), 'path')}"
                f" FROM (SELECT {ALIASED}, page.depth AS depth, page.path AS"
                f" path {page}) AS page_rows", params)[0]
            return int(count or 0), text
        rows = self._engine.query(
            f"{counted}{SELECTED}, page.depth {page}", params)
        count = rows[0][0] if rows else self._engine.query(
            f"{thread}SELECT COUNT(*) FROM thread", (message_id,))[0][0]
        return int(count or 0), json_text(shape, [
            message_from(row[1:-1], depth=int(row[-1])) for row in rows])
