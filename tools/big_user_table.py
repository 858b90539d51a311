"""Fill ``user_data`` with many generated users, for tests and benchmarks.

One ``INSERT ... SELECT`` over a cross join of a ten-row digits table makes
the rows on the server itself, which takes seconds for a million rows where
sending them from Python would take minutes. Plain SQL, so it runs on MySQL
as well as MariaDB.
"""
from typing import Any

EMAIL_DOMAIN = "bulk.example"


def add_generated_users(connection: Any, count: int) -> None:
    """Add ``count`` users (a power of ten) with ``@bulk.example`` emails."""
    digits = len(str(count)) - 1
    if count != 10 ** digits or digits < 1:
        raise ValueError(f"count must be a power of ten, not {count}")
    joins = " CROSS JOIN ".join(
        f"generated_digits d{i}" for i in range(digits))
    number = " + ".join(
        f"d{i}.d * {10 ** i}" for i in range(digits))
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE generated_digits (d INT)")
        cursor.execute("INSERT INTO generated_digits VALUES"
                       " (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)")
        cursor.execute(
            f"INSERT INTO user_data (user_id, name, email, age) SELECT "
            f"UUID(), CONCAT('Bulk User ', n), CONCAT('user', n, '@', %s), 1 "
            f"+ n % 120 FROM (SELECT {number} AS n FROM {joins}) AS numbers",
            (EMAIL_DOMAIN,))
        cursor.execute("DROP TEMPORARY TABLE generated_digits")
    connection.commit()
