#!/usr/bin/env python3
"""Summarise the users' ages in one pass over the stream.

Count, mean, minimum, maximum and standard deviation come from a single
walk over ``stream_user_ages()`` (from ``4-stream_ages.py``). The variance
uses Welford's method: the textbook formula (mean of squares minus square
of the mean) subtracts two large, nearly equal numbers and loses precision,
while Welford's update stays exact enough for any length of stream.
"""
import math
from collections.abc import Iterable
from typing import NamedTuple

seed = __import__('seed')
stream_user_ages = __import__('4-stream_ages').stream_user_ages


class AgeStatistics(NamedTuple):
    """The summary of a stream of ages."""

    count: int
    mean: float
    minimum: int
    maximum: int
    std_dev: float


def age_statistics(ages: Iterable[int]) -> AgeStatistics:
    """Return the statistics of ``ages``, reading each age once.

    ``std_dev`` is the population standard deviation: the stream is the
    whole table, not a sample of it. An empty stream gives zeros.
    """
    count, mean, spread = 0, 0.0, 0.0
    minimum = maximum = None
    for age in ages:
        count += 1
        delta = age - mean
        mean += delta / count
        spread += delta * (age - mean)
        minimum = age if minimum is None else min(minimum, age)
        maximum = age if maximum is None else max(maximum, age)
    if count == 0:
        return AgeStatistics(0, 0.0, 0, 0, 0.0)
    return AgeStatistics(count, mean, minimum, maximum,
                         math.sqrt(spread / count))


def format_statistics(stats: AgeStatistics) -> str:
    """Render the statistics as a short two-column table."""
    rows = [("count", str(stats.count)), ("mean", f"{stats.mean:.2f}"),
            ("minimum", str(stats.minimum)), ("maximum", str(stats.maximum)),
            ("std dev", f"{stats.std_dev:.2f}")]
    return "\n".join(f"{name:<8} {value:>8}" for name, value in rows)


def main() -> None:
    """Print the age statistics of every user."""
    stats = age_statistics(stream_user_ages())
    print("Age statistics of all users (one pass, Welford's method)")
    print(format_statistics(stats))


if __name__ == "__main__":
    main()
