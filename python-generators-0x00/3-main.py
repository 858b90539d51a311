#!/usr/bin/env python3
"""Print every user, fetched lazily in pages of 100.

Meant to be run as ``./3-main.py | head -n 7``: once ``head`` closes the
pipe, no further page is fetched and the script ends quietly.
"""
lazy_pagination = __import__('2-lazy_paginate').lazy_pagination


def main() -> None:
    """Print the users page by page."""
    for page in lazy_pagination(100):
        for user in page:
            print(user)


if __name__ == "__main__":
    main()
