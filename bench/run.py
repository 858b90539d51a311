"""Run every benchmark in turn: ``make bench``.

Each writes its table to ``bench/results/``. A benchmark that cannot run
(a tool missing, a server that will not start) says why in one sentence and
the others still run; the exit status tells whether all of them finished.
"""
import importlib
import sys

BENCHMARKS = [
    ("python-generators-0x00", "bench.generators_bench"),
    ("python-decorators-0x01 and python-context-async-perations-0x02",
     "bench.sqlite_bench"),
    ("messaging_app", "bench.api_bench"),
    ("messaging_app: unread counts, threads and the page cache",
     "bench.features_bench"),
]


def main() -> int:
    """Run the benchmarks; return 0 when every one of them finished."""
    failed = []
    for title, module in BENCHMARKS:
        print(f"\n=== {title} ===", flush=True)
        try:
            importlib.import_module(module).main()
        except Exception as error:  # one benchmark must not stop the rest
            print(f"The {title} benchmark did not finish: {error}",
                  file=sys.stderr)
            failed.append(title)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
