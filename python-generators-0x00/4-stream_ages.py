#!/usr/bin/env python3
"""Compute the average age of all users from a stream, in constant memory.

``stream_user_ages`` yields one age at a time; ``average_age`` keeps only a
running sum and count, so no list of ages ever exists and the table could be
any size. (The server could average the column itself in SQL; the point
here is the generator.)
"""
from collections.abc import Iterable, Iterator
from operator import itemgetter

seed = __import__('seed')


def stream_user_ages() -> Iterator[int]:
    """Yield the age of every user, one by one."""
    with seed.streaming_query("SELECT age FROM user_data") as cursor:
        for rows in seed.batches(cursor):
            yield from map(itemgetter(0), rows)


def average_age(ages: Iterable[int]) -> float:
    """Return the mean of ``ages`` from a running sum and count (0 if none)."""
    total = count = 0
    for count, age in enumerate(ages, start=1):
        total += age
    return total / count if count else 0.0


def main() -> None:
    """Print the average age of the users."""
    print(f"Average age of users: {average_age(stream_user_ages()):.2f}")


if __name__ == "__main__":
    main()
