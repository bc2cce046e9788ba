"""`python -m bench` (`make bench`): run every registered benchmark, print ONE table of all figures with
their goals, write bench/results.json.

    python -m bench                 # everything (several minutes on 2 cores)
    python -m bench timeouts scale  # only these benchmarks (names: python -m bench --list)

A benchmark is a function decorated with `@benchmark` (bench/registry.py) in one of MODULES; to add
one, write the module and add its name here.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

from bench.registry import BENCHMARKS, run, table, to_json

OUT = Path(__file__).parent / "results.json"
MODULES = (
    "cli_start",
    "timeouts",
    "concurrency",
    "bundle",
    "upload_burst",
    "scale",
    "web",
    "stream_lag",
    "support_bundle",
    "history",
)


def load() -> None:
    for name in MODULES:
        importlib.import_module(f"bench.{name}")


def main(argv: list[str]) -> int:
    load()
    if argv == ["--list"]:
        print("\n".join(f"{b.name}  ({b.module})" for b in BENCHMARKS.values()))
        return 0
    unknown = [a for a in argv if a not in BENCHMARKS]
    if unknown:
        print(f"bench: unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    order = sorted(BENCHMARKS.values(), key=lambda b: MODULES.index(b.module.rsplit(".", 1)[-1]))  # stable
    chosen = [b for b in order if not argv or b.name in argv]
    t0 = time.perf_counter()
    results: dict = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        },
        "benchmarks": {},
    }
    figures = []
    for bench in chosen:
        print(f"bench: {bench.name} …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        done = run(bench)
        figures += done.figures
        results["benchmarks"][bench.name] = {
            "seconds": round(time.perf_counter() - started, 1),
            "figures": to_json(done.figures),
            "data": done.data,
        }
    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["duration_s"] = round(time.perf_counter() - t0, 1)
    out = OUT if not argv else OUT.with_name("results-partial.json")  # a partial run keeps the full results
    out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(table(figures))
    met = [f.met for f in figures if f.met is not None]
    machine = results["machine"]
    print(
        f"\n{sum(met)} of {len(met)} goals met; {os.cpu_count()} CPUs, load average "
        f"{machine['load_average_before'][0]} → {machine['load_average_after'][0]}; wrote {out.name} in {results['duration_s']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
