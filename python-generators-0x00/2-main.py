#!/usr/bin/env python3
"""Print the users older than 25, fetched in batches of 50.

Meant to be run as ``./2-main.py | head -n 5``: when ``head`` has its lines
and closes the pipe, the script stops the query and ends quietly (``seed``
sees to that for every script of this folder).
"""
batch_processing = __import__('1-batch_processing').batch_processing

if __name__ == "__main__":
    batch_processing(50)
