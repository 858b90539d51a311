"""Benchmarks of the task folders, run by ``make bench`` (never by tests)."""
