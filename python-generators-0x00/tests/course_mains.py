#!/usr/bin/env python3
"""The curriculum's own main files, as the course ships them.

They start with ``#!/usr/bin/python3``, call ``seed.py``'s functions
without catching their errors, open ``user_data.csv`` where they run, and
call the ``0-stream_users`` module object as a function. The tests write
them into a copy of the folder, in place of ours, and run them with their
own first line. (One line of ``0-main.py`` is longer than 79 columns: the
backslash-newline inside the string below joins it back.)
"""
from pathlib import Path

COURSE_MAINS = {
    "0-main.py": """#!/usr/bin/python3

seed = __import__('seed')

connection = seed.connect_db()
if connection:
    seed.create_database(connection)
    connection.close()
    print(f"connection successful")

    connection = seed.connect_to_prodev()

    if connection:
        seed.create_table(connection)
        seed.insert_data(connection, 'user_data.csv')
        cursor = connection.cursor()
        cursor.execute(f"SELECT SCHEMA_NAME FROM INFORMATION_SCHEMA.SCHEMATA \
WHERE SCHEMA_NAME = 'ALX_prodev';")
        result = cursor.fetchone()
        if result:
            print(f"Database ALX_prodev is present ")
        cursor.execute(f"SELECT * FROM user_data LIMIT 5;")
        rows = cursor.fetchall()
        print(rows)
        cursor.close()
""",
    "1-main.py": """#!/usr/bin/python3
from itertools import islice
stream_users = __import__('0-stream_users')

# iterate over the generator function and print only the first 6 rows

for user in islice(stream_users(), 6):
    print(user)
""",
    "2-main.py": """#!/usr/bin/python3
import sys
processing = __import__('1-batch_processing')

##### print processed users in a batch of 50
try:
    processing.batch_processing(50)
except BrokenPipeError:
    sys.stderr.close()
""",
    "3-main.py": """#!/usr/bin/python3
import sys
lazy_paginator = __import__('2-lazy_paginate').lazy_pagination


try:
    for page in lazy_paginator(100):
        for user in page:
            print(user)

except BrokenPipeError:
    sys.stderr.close()
""",
}


def put_course_mains(folder: Path) -> list[Path]:
    """Write the course's main files into ``folder`` (over ours there).

    Returns their paths; they are executable, as a learner makes them.
    """
    paths = []
    for name, text in COURSE_MAINS.items():
        path = folder / name
        path.write_text(text)
        path.chmod(0o755)
        paths.append(path)
    return paths
