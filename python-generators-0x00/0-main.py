#!/usr/bin/env python3
"""Set up ``ALX_prodev`` with ``seed.py`` and show that it worked.

Prints that the server answered, that the table exists, that the database
is listed in ``INFORMATION_SCHEMA``, and the first 5 rows of ``user_data``.
"""
seed = __import__('seed')

CSV_PATH = str(seed.FOLDER / "user_data.csv")


def main() -> None:
    """Seed the database step by step, printing what each step did."""
    with seed.open_connection() as connection:
        seed.create_database(connection)
    print("connection successful")
    with seed.open_connection(database=seed.DATABASE) as connection:
        seed.create_table(connection)
        seed.insert_data(connection, CSV_PATH)
        with connection.cursor() as cursor:
            cursor.execute("SELECT SCHEMA_NAME FROM INFORMATION_SCHEMA"
                           ".SCHEMATA WHERE SCHEMA_NAME = %s",
                           (seed.DATABASE,))
            if cursor.fetchone():
                # The curriculum's expected line ends with a space.
                print(f"Database {seed.DATABASE} is present ")
            cursor.execute("SELECT * FROM user_data LIMIT 5")
            print(cursor.fetchall())


if __name__ == "__main__":
    main()
