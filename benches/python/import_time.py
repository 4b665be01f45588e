"""Benchmark: how long `import calstack` takes in a fresh interpreter (target: under 50 ms).

Each run starts a new Python process and times the import alone (the interpreter's own start
is not counted); prints the median and best of the runs, and the slowest modules of one run
as `python -X importtime` reports them.

Usage (calstack installed, ideally from a release wheel): python benches/python/import_time.py [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

PROBE = "import time; t = time.perf_counter(); import calstack; print(time.perf_counter() - t)"


def once() -> float:
    out = subprocess.run([sys.executable, "-c", PROBE], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def slowest_modules(count: int = 5) -> list[tuple[int, str]]:
    """(cumulative microseconds, module) of the slowest imports, from -X importtime."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import calstack"],
                         check=True, capture_output=True, text=True).stderr
    rows = []
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    times = [once() for _ in range(args.runs)]
    median = statistics.median(times) * 1000
    print(f"import calstack: median {median:.1f} ms, best {min(times) * 1000:.1f} ms "
          f"over {args.runs} fresh interpreters (target: under 50 ms)")
    print("slowest imports (cumulative):")
    for micros, module in slowest_modules():
        print(f"  {micros / 1000:7.1f} ms {module}", flush=True)
    if median >= 50:
        raise SystemExit("import calstack took 50 ms or more")


if __name__ == "__main__":
    main()
