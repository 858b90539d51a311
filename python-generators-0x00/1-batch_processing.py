#!/usr/bin/env python3
"""Stream ``user_data`` in batches and filter each batch as it arrives.

``stream_users_in_batches`` yields lists of users taken off the server with
``fetchmany``; ``batch_processing`` prints every user older than 25 without
ever holding more than one batch.
"""
from collections.abc import Iterator

seed = __import__('seed')


def stream_users_in_batches(
        batch_size: int) -> Iterator[list[dict[str, object]]]:
    """Yield the users as lists of up to ``batch_size`` dicts."""
    with seed.streaming_query("SELECT user_id, name, email, age"
                              " FROM user_data", dictionary=True) as cursor:
        yield from seed.batches(cursor, batch_size)


def batch_processing(batch_size: int) -> None:
    """Print, one dict a line, every user older than 25."""
    for batch in stream_users_in_batches(batch_size):
        for user in batch:
            if user["age"] > 25:
                print(user)
