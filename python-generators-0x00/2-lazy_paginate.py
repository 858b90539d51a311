#!/usr/bin/env python3
"""Page through ``user_data`` lazily: a page is fetched only when needed.

``lazy_paginate`` is the curriculum's LIMIT/OFFSET paging (also importable as
``lazy_pagination``, the name its ``3-main.py`` uses). The server must still
walk past every skipped row, so each page costs more than the one before;
``lazy_paginate_by_key`` continues after the last id seen instead, and every
page costs the same (see the README's measurements).
"""
from typing import Dict, Iterator, List

seed = __import__('seed')

Page = List[Dict[str, object]]


def _fetch_page(query: str, params: tuple) -> Page:
    """Run one page query on its own connection and return its rows."""
    with seed.open_connection(database=seed.DATABASE) as connection, \
            connection.cursor(dictionary=True) as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def paginate_users(page_size: int, offset: int) -> Page:
    """Return the ``page_size`` users after the first ``offset`` ones.

    The numbers go to the server as query parameters. The curriculum
    formats them into the SQL string, which is only safe while every caller
    passes integers; a placeholder can never turn a value into SQL.
    ``ORDER BY`` makes pages stable: without it the server may return rows
    in any order, and a row could appear on two pages or on none.
    """
    return _fetch_page("SELECT * FROM user_data ORDER BY user_id"
                       " LIMIT %s OFFSET %s", (page_size, offset))


def lazy_paginate(page_size: int) -> Iterator[Page]:
    """Yield pages of ``page_size`` users, fetching each one on demand."""
    offset = 0
    while page := paginate_users(page_size, offset):
        yield page
        offset += page_size


lazy_pagination = lazy_paginate


def paginate_users_after(page_size: int, last_id: str) -> Page:
    """Return the ``page_size`` users whose id comes after ``last_id``.

    The primary-key index jumps straight to ``last_id``: no row is skipped
    by reading it, so the last page is as cheap as the first.
    """
    return _fetch_page("SELECT * FROM user_data WHERE user_id > %s"
                       " ORDER BY user_id LIMIT %s", (last_id, page_size))


def lazy_paginate_by_key(page_size: int) -> Iterator[Page]:
    """Yield the same pages as ``lazy_paginate``, by keyset paging."""
    last_id = ""
    while page := paginate_users_after(page_size, last_id):
        yield page
        last_id = page[-1]["user_id"]
