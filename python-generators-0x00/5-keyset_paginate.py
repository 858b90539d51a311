#!/usr/bin/env python3
"""Page through ``user_data`` by key: every page costs the same.

``2-lazy_paginate.py`` asks for ``LIMIT n OFFSET k``, and the server walks
past the ``k`` skipped rows to find the page, so the last page of a million
rows costs a hundred times the first. Here each page starts after the last
id seen (``WHERE user_id > %s``): the primary-key index jumps straight
there. ``lazy_paginate_by_key`` yields the same pages as ``lazy_paginate``.
"""
from collections.abc import Iterator

seed = __import__('seed')


def paginate_users_after(page_size: int,
                         last_id: str) -> list[dict[str, object]]:
    """Return the ``page_size`` users whose id comes after ``last_id``."""
    return seed.fetch_page("SELECT * FROM user_data WHERE user_id > %s"
                           " ORDER BY user_id LIMIT %s", (last_id, page_size))


def lazy_paginate_by_key(page_size: int) -> Iterator[list[dict[str, object]]]:
    """Yield pages of ``page_size`` users, each after the last id seen."""
    last_id = ""
    while page := paginate_users_after(page_size, last_id):
        yield page
        last_id = page[-1]["user_id"]
