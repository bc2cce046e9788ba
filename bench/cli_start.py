"""CLI start: `wbsetup --help` and `wbsetup validate --step hardware` (no check of that step touches the
network, so its wall time is the CLI's start: interpreter, imports, answers, the run, the exit), next to
a bare interpreter (`python -c pass`) and `wbsetup schema`. Median wall time of RUNS runs, taken
alternately, and the median CPU time (user + system) of the same runs: on a machine other processes
load, the CPU time says what the command costs and the wall time what an operator waits for.
Goals: --help ≤ 0.15 s, validate --step hardware ≤ 0.35 s (wall).

What the time goes to: `python -X importtime -m app validate answers.json --step hardware` (bench/README.md).
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import PY, ROOT, bench_env
from bench.registry import Figure, Run, benchmark

RUNS = 9
GOALS = {"help": 0.15, "validate_hardware": 0.35}


def _timed(args: list[str], env: dict, cwd: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([PY, *args], env=env, cwd=cwd, capture_output=True, timeout=60)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(tree: Path = ROOT, runs: int = RUNS) -> dict:
    """Median wall and CPU seconds of each command, run in `tree` (its `app` first on the path)."""
    with tempfile.TemporaryDirectory(prefix="wbsetup-cli-") as tmp:
        answers = Path(tmp) / "answers.json"
        answers.write_text(json.dumps({"schema": 1, "profile": "cli", "hardware": {"app": {"nodes": 2}}}))
        env = bench_env(WBSETUP_DATA_DIR=tmp)
        env["PYTHONPATH"] = str(tree)
        commands = {
            "bare": ["-c", "pass"],
            "help": ["-m", "app", "--help"],
            "schema": ["-m", "app", "schema"],
            "validate_hardware": ["-m", "app", "validate", str(answers), "--step", "hardware"],
        }
        samples: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
        for _ in range(runs):
            for name, args in commands.items():
                samples[name].append(_timed(args, env, tree))
    return {
        name: {
            "wall_s": round(statistics.median(w for w, _ in s), 3),
            "cpu_s": round(statistics.median(c for _, c in s), 3),
            "min_wall_s": round(min(w for w, _ in s), 3),
        }
        for name, s in samples.items()
    } | {"runs": runs}


@benchmark("cli_start")
def cli_start() -> Run:
    d = measure()

    def note(name: str) -> str:
        return f"CPU {d[name]['cpu_s']} s, fastest {d[name]['min_wall_s']} s, median of {RUNS}"

    return Run(
        [
            Figure("CLI: wbsetup --help", d["help"]["wall_s"], "s", f"≤ {GOALS['help']}", note("help")),
            Figure(
                "CLI: wbsetup validate --step hardware",
                d["validate_hardware"]["wall_s"],
                "s",
                f"≤ {GOALS['validate_hardware']}",
                note("validate_hardware"),
            ),
            Figure("CLI: wbsetup schema", d["schema"]["wall_s"], "s", "", note("schema")),
            Figure("CLI: bare interpreter (python -c pass)", d["bare"]["wall_s"], "s", "", note("bare")),
        ],
        d,
    )


if __name__ == "__main__":  # python -m bench.cli_start [TREE...]: these figures (per source tree)
    for tree in [Path(a).resolve() for a in sys.argv[1:]] or [ROOT]:
        print(tree, json.dumps(measure(tree), indent=2))
