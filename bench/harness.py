"""Shared pieces of every benchmark: timing, peak memory, machine, tables.

Every figure is measured beside its reference in the same run, after a
warm-up, as the median of several runs. A case whose memory matters runs in a
child process of its own, so its peak resident memory is its alone.
"""
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from collections.abc import Callable, Sequence

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = RESULTS.parent.parent


def median_seconds(work: Callable[[], object], runs: int = 5,
                   warmups: int = 1) -> float:
    """Time ``work()`` ``runs`` times after ``warmups`` untimed calls.

    Returns the median wall-clock duration in seconds.
    """
    for _ in range(warmups):
        work()
    durations = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def peak_rss_mb() -> float:
    """Return this process's peak resident memory so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(module: str, case: str, *args: str,
              env: dict[str, str] | None = None) -> dict:
    """Run ``python -m module case args...`` and return the JSON it prints.

    The child does one measurement and prints one JSON object on its last
    line of output (see ``report``); running it in a process of its own
    makes its peak memory a fact about that case alone.
    """
    full_env = dict(os.environ, **(env or {}))
    done = subprocess.run(
        [sys.executable, "-m", module, case, *args], cwd=str(ROOT),
        env=full_env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark case {module} {case} failed: "
                           f"{done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(**figures: object) -> None:
    """Print one measurement as the JSON line that ``run_child`` reads.

    The child's peak resident memory is added as ``peak_rss_mb``.
    """
    figures.setdefault("peak_rss_mb", round(peak_rss_mb(), 1))
    print(json.dumps(figures), flush=True)


def median_child(module: str, case: str, *args: str, runs: int = 3,
                 env: dict[str, str] | None = None) -> dict:
    """Run a child case ``runs`` times (after one warm-up) and take medians.

    Each numeric figure of the result is the median over the runs.
    """
    run_child(module, case, *args, env=env)
    results = [run_child(module, case, *args, env=env) for _ in range(runs)]
    merged = {}
    for key, value in results[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            merged[key] = statistics.median(r[key] for r in results)
        else:
            merged[key] = value
    return merged


def machine_lines(extra: Sequence[tuple[str, str]] = ()) -> list[str]:
    """Describe the machine: cores, memory, Python, plus ``extra`` facts."""
    with open("/proc/meminfo") as meminfo:
        total_kib = int(meminfo.readline().split()[1])
    facts = [
        ("cores", str(os.cpu_count())),
        ("memory", f"{total_kib / 1024 / 1024:.1f} GiB"),
        ("python", platform.python_version()),
        ("system", platform.platform()),
        ("date", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())),
    ]
    facts.extend(extra)
    return [f"{name}: {value}" for name, value in facts]


def markdown_table(headers: Sequence[str],
                   rows: Sequence[Sequence[object]]) -> str:
    """Render ``rows`` under ``headers`` as a Markdown table."""
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |"
              for row in rows]
    return "\n".join(lines)


def text_table(headers: Sequence[str],
               rows: Sequence[Sequence[object]]) -> str:
    """Render ``rows`` under ``headers`` as aligned plain text."""
    cells = [list(map(str, headers))] + [list(map(str, r)) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    rendered = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
                for row in cells]
    rendered.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(rendered)


def write_results(name: str, title: str, machine: Sequence[str],
                  headers: Sequence[str], rows: Sequence[Sequence[object]],
                  notes: Sequence[str] = ()) -> None:
    """Print a results table and write it to ``bench/results/NAME.{txt,md}``.

    ``machine`` comes from ``machine_lines``; ``notes`` are sentences shown
    under the table (targets met or missed, what the figures mean).
    """
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = "\n".join([title, "=" * len(title), *machine, "",
                      text_table(headers, rows), "", *notes]) + "\n"
    markdown = "\n".join(
        ["## " + title, "", *("- " + line for line in machine), "",
         markdown_table(headers, rows), "", *("- " + n for n in notes)])
    (RESULTS / (name + ".txt")).write_text(text)
    (RESULTS / (name + ".md")).write_text(markdown + "\n")
    print(text, flush=True)
