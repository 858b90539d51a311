"""Pages of messages: the SQL that selects them and the JSON they become.

Pages are ordered by ``(sent_at, seq)``, which never ties. A page of one
conversation walks its index; a page over several conversations takes the
first rows of each and merges them, so neither reads a long history. A
page comes back as JSON text in the shape it is given (see
representations.py), with its count. SQLite builds it: one row rather
than one per message, since sqlite3 lets go of the GIL at every row, a
thread switch under load. MariaDB's driver fetches a result in one round
trip whatever its rows, and its JSON_ARRAYAGG with ORDER BY crashed the
server (10.11) under concurrent load, so its rows are laid out here.
"""
import heapq
import json
from collections.abc import Callable, Sequence

from messaging_app.storage.engine import Dialect, Engine, placeholders
from messaging_app.storage.readmarks import Position, after
from messaging_app.storage.records import (Message, MessageFilter, Person,
                                           Shape, ThreadMessage, render)

# Where each attribute of a Message comes from, in the order message_from
# reads them; a page names them by alias() (``sender.user_id`` becomes
# ``sender_user_id``).
COLUMNS = {
    "message_id": "m.message_id", "conversation_id": "m.conversation_id",
    "sender.user_id": "u.user_id", "sender.username": "u.username",
    "sender.first_name": "u.first_name", "sender.last_name": "u.last_name",
    "message_body": "m.message_body", "sent_at": "m.sent_at",
    "edited_at": "m.edited_at", "edited": "m.edited_at IS NOT NULL",
    "parent_message_id": "m.parent_message_id", "seq": "m.seq"}
# Attributes that are true or false: a page's JSON writes them as such.
BOOLEANS = {"edited"}
SELECTED = ", ".join(COLUMNS.values())
ALIASED = ", ".join(f"{column} AS {attribute.replace('.', '_')}"
                    for attribute, column in COLUMNS.items())
# A LEFT JOIN (every message has its sender) keeps MariaDB from reading a
# page by the sender's whole history: the sender comes after the page's
# rows, never before.
JOIN_SENDER = "LEFT JOIN users AS u ON u.user_id = m.sender_id "
SELECT = f"SELECT {SELECTED} FROM messages AS m {JOIN_SENDER}"
# Conversations merged by one statement of a page; more are merged here.
CONVERSATIONS_PER_STATEMENT = 100
# A conversation to read from, and for a list of unread messages the
# reader's marker in it.
Scope = tuple[str, Position | None]


def message_from(row: Sequence, depth: int | None = None) -> Message:
    """Build a Message from a row of SELECT; a ThreadMessage when it has
    a ``depth`` in a thread."""
    (message_id, conversation_id, user_id, username, first_name, last_name,
     body, sent_at, edited_at, edited, parent_message_id) = row[:11]
    sender = Person(user_id, username, first_name, last_name)
    if depth is None:
        return Message(message_id, conversation_id, sender, body, sent_at,
                       edited_at, bool(edited), parent_message_id)
    return ThreadMessage(message_id, conversation_id, sender, body,
                         sent_at, edited_at, bool(edited),
                         parent_message_id, depth)


def read_page(engine: Engine, selection: MessageFilter, limit: int,
              offset: int, newest_first: bool, shape: Shape,
              chronological: bool) -> tuple[int, str]:
    """Build a page in the database (see ``Messages.page``)."""
    conversations = scopes_of(engine, selection)
    if not conversations:
        return 0, "[]"
    listed_newest_first = newest_first and not chronological
    count_sql, count_params = count_query(selection, conversations)
    if len(conversations) > CONVERSATIONS_PER_STATEMENT:
        return page_in_parts(engine, selection, conversations, limit,
                             offset, newest_first, shape,
                             listed_newest_first)
    firsts_sql, firsts_params = firsts_query(
        selection, conversations, limit + offset, newest_first)
    return page_of_rows(
        engine.dialect, engine.query, (count_sql, count_params),
        f"FROM ({firsts_sql} LIMIT ? OFFSET ?) AS page "
        f"JOIN messages AS m ON m.seq = page.seq {JOIN_SENDER}"
        f"{ordering(listed_newest_first, 'page.')}",
        [*firsts_params, limit, offset], listed_newest_first, shape)


def page_of_rows(dialect: Dialect, run: Callable[[str, list], list[tuple]],
                 count: tuple[str, list], rows_from: str, params: list,
                 newest_first: bool, shape: Shape) -> tuple[int, str]:
    """Read a page's count and its messages as JSON text: where the
    dialect builds JSON, one row the database built; else rows laid
    out here. ``rows_from`` is a FROM clause and its ORDER BY, on the
    columns of the first table it joins (sorting by the joined rows,
    MariaDB copies them, message bodies and all, to a temporary table:
    under load, 10.11 crashed there); ``newest_first`` is the order
    of that ORDER BY."""
    count_sql, count_params = count
    if dialect.builds_json:
        total, text = run(
            f"SELECT ({count_sql}), "
            f"{json_array(dialect, shape, newest_first)} "
            f"FROM (SELECT {ALIASED} {rows_from}) AS page_rows",
            [*count_params, *params])[0]
        return int(total or 0), text
    rows = run(f"SELECT ({count_sql}), {SELECTED} {rows_from}",
               [*count_params, *params])
    total = rows[0][0] if rows else run(count_sql, count_params)[0][0]
    return int(total or 0), json_text(
        shape, [message_from(row[1:]) for row in rows])


def scopes_of(engine: Engine, selection: MessageFilter) -> list[Scope]:
    """Return the conversations a selection reads from; for unread
    messages, only those with some, each with the member's marker."""
    if selection.member_id is None:
        return [(selection.conversation_id, None)] \
            if selection.conversation_id else []
    sql = ("SELECT conversation_id, last_read_at, last_read_seq "
           "FROM participants WHERE user_id = ?")
    params = [selection.member_id]
    if selection.unread:
        sql += " AND unread_count > 0"
    if selection.conversation_id is not None:
        sql += " AND conversation_id = ?"
        params.append(selection.conversation_id)
    return [(conversation_id, (read_at, int(read_seq))
             if selection.unread else None)
            for conversation_id, read_at, read_seq
            in engine.query(sql, params)]


def page_in_parts(engine: Engine, selection: MessageFilter,
                  conversations: list[Scope], limit: int, offset: int,
                  newest_first: bool, shape: Shape,
                  listed_newest_first: bool) -> tuple[int, str]:
    """Page a member of more conversations than one statement merges:
    the first rows of each group of them, merged here, in one
    transaction."""
    wanted = limit + offset
    count = count_query(selection, conversations)
    with engine.transaction() as transaction:
        parts: list[list[tuple[str, int]]] = []
        for start in range(0, len(conversations),
                           CONVERSATIONS_PER_STATEMENT):
            sql, params = firsts_query(
                selection, conversations[
                    start:start + CONVERSATIONS_PER_STATEMENT],
                wanted, newest_first)
            parts.append([(sent_at, seq) for sent_at, seq in
                          transaction.rows(f"{sql} LIMIT ?",
                                           [*params, wanted])])
        keys = list(heapq.merge(*parts, reverse=newest_first))
        seqs = [seq for _, seq in keys[offset:wanted]] or [-1]
        return page_of_rows(
            engine.dialect, transaction.rows, count,
            f"FROM messages AS m {JOIN_SENDER}"
            f"WHERE m.seq IN ({placeholders(seqs)})"
            f"{ordering(listed_newest_first, 'm.')}", seqs,
            listed_newest_first, shape)


def json_text(shape: Shape, messages: list[Message]) -> str:
    """Lay messages out as ``shape`` says, as the text of a JSON array
    (compact, as the database builds it)."""
    return json.dumps([render(shape, message) for message in messages],
                      ensure_ascii=False, separators=(",", ":"))


def json_array(dialect: Dialect, shape: Shape, newest_first: bool) -> str:
    """Return the aggregate that builds a page's JSON array from the
    aliased columns of its rows, each object laid out as ``shape``."""
    return dialect.json_array(json_object(dialect, shape),
                              ordering(newest_first).removeprefix(
                                  " ORDER BY "))


def json_object(dialect: Dialect, shape: Shape, prefix: str = "") -> str:
    """Return the expression building one message's JSON object from the
    aliased columns of a page's row."""
    return dialect.json_object([
        (field.name, json_object(dialect, field.shape,
                                 f"{prefix}{field.source}.")
         if field.shape else json_value(dialect, f"{prefix}{field.source}"))
        for field in shape])


def json_value(dialect: Dialect, attribute: str) -> str:
    """Return the aliased column of an attribute as a JSON member: true
    or false for a boolean."""
    column = attribute.replace(".", "_")
    return dialect.json_boolean(column) if attribute in BOOLEANS else column


def ordering(newest_first: bool, prefix: str = "") -> str:
    """Return the ORDER BY of a list: by time, then by ``seq``."""
    direction = "DESC" if newest_first else "ASC"
    return f" ORDER BY {prefix}sent_at {direction}, {prefix}seq {direction}"


def narrowing(selection: MessageFilter) -> tuple[str, list[str]]:
    """Return the conditions on sender and time, and their values."""
    sql, params = "", []
    for condition, value in (("sender_id = ?", selection.sender_id),
                             ("sent_at > ?", selection.sent_after),
                             ("sent_at < ?", selection.sent_before)):
        if value is not None:
            sql += " AND " + condition
            params.append(value)
    return sql, params


def count_query(selection: MessageFilter,
                scopes: list[Scope]) -> tuple[str, list]:
    """Return the query counting the matching messages: a sum of the kept
    counts when no time filter applies (unread: the kept unread counts),
    else a count over the index range of the times (unread: of the times
    after each marker)."""
    conversations = [conversation_id for conversation_id, _ in scopes]
    marks = placeholders(conversations)
    conditions, values = narrowing(selection)
    if selection.unread:
        if not conditions:
            return (f"SELECT SUM(unread_count) FROM participants "
                    f"WHERE conversation_id IN ({marks}) AND user_id = ?",
                    [*conversations, selection.member_id])
        parts, params = [], []
        for conversation_id, position in scopes:
            later, later_values = unread_condition(position)
            parts.append(f"SELECT COUNT(*) AS unread FROM messages "
                         f"WHERE conversation_id = ?{later}{conditions}")
            params += [conversation_id, *later_values, *values]
        return (f"SELECT SUM(unread) FROM ({' UNION ALL '.join(parts)}) "
                f"AS counts", params)
    if selection.sent_after is None and selection.sent_before is None:
        if selection.sender_id is None:
            return (f"SELECT SUM(message_count) FROM conversations "
                    f"WHERE conversation_id IN ({marks})", conversations)
        return (f"SELECT SUM(message_count) FROM participants "
                f"WHERE conversation_id IN ({marks}) AND user_id = ?",
                [*conversations, selection.sender_id])
    return (f"SELECT COUNT(*) FROM messages "
            f"WHERE conversation_id IN ({marks}){conditions}",
            [*conversations, *values])


def unread_condition(position: Position | None) -> tuple[str, list]:
    """Return the condition "after the marker", or nothing without one."""
    if position is None:
        return "", []
    later, values = after(position)
    return f" AND {later}", values


def firsts_query(selection: MessageFilter, scopes: list[Scope],
                 wanted: int, newest_first: bool) -> tuple[str, list]:
    """Return a query of the ``(sent_at, seq)`` of the first ``wanted``
    matching messages of each conversation (after the marker, for unread
    ones), each read from its index, merged in order (the caller adds the
    LIMIT)."""
    order = ordering(newest_first)
    conditions, values = narrowing(selection)
    parts, params = [], []
    for conversation_id, position in scopes:
        later, later_values = unread_condition(position)
        parts.append(
            f"SELECT * FROM (SELECT sent_at, seq FROM messages "
            f"WHERE conversation_id = ?{later}{conditions}{order} "
            f"LIMIT ?) AS firsts")
        params += [conversation_id, *later_values, *values, wanted]
    return " UNION ALL ".join(parts) + order, params
