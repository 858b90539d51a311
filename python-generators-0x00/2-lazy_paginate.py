#!/usr/bin/env python3
"""Page through ``user_data`` lazily: a page is fetched only when needed.

``lazy_paginate`` is the curriculum's LIMIT/OFFSET paging (also importable as
``lazy_pagination``, the name its ``3-main.py`` uses). The server must still
walk past every skipped row, so each page costs more than the one before;
``5-keyset_paginate.py`` shows the way out (see the README's measurements).
"""
from collections.abc import Iterator

seed = __import__('seed')


def paginate_users(page_size: int, offset: int) -> list[dict[str, object]]:
    """Return the ``page_size`` users after the first ``offset`` ones.

    The numbers go to the server as query parameters. The curriculum
    formats them into the SQL string, which is only safe while every caller
    passes integers; a placeholder can never turn a value into SQL.
    ``ORDER BY`` makes pages stable: without it the server may return rows
    in any order, and a row could appear on two pages or on none.
    """
    return seed.fetch_page("SELECT * FROM user_data ORDER BY user_id"
                           " LIMIT %s OFFSET %s", (page_size, offset))


def lazy_paginate(page_size: int) -> Iterator[list[dict[str, object]]]:
    """Yield pages of ``page_size`` users, fetching each one on demand."""
    offset = 0
    while page := paginate_users(page_size, offset):
        yield page
        offset += page_size


lazy_pagination = lazy_paginate
