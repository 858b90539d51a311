#!/usr/bin/env python3
"""Print the first 6 users of the stream, one dict a line.

``islice`` stops after 6 rows; the generator then cancels the query and
closes its connection, so the rest of the table is never read.
"""
from itertools import islice

stream_users = __import__('0-stream_users').stream_users


def main() -> None:
    """Print the first 6 users."""
    for user in islice(stream_users(), 6):
        print(user)


if __name__ == "__main__":
    main()
