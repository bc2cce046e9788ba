"""Timeout discipline: `wbsetup validate --step STEP --timeout 2` against servers that accept TCP and
never answer (the database, the object store, the W&B host, the Kubernetes API server of the
kubeconfig, the private registry: all silent loopback ports). Every check must give up on its own
budget, concurrently, and the process must end as soon as the last check is judged.

Figures, per step and for the default run (every pre-install step at once):
- `(wall − start) / timeout`: `wall` around the real CLI in a subprocess (`python -m app validate`
  under a wrapper that notes the wall-clock time at which `engine.run_checks` is called); `start` from
  spawning the process to that call (interpreter, the CLI, the answers model, the engine: the fixed
  cost the timeout does not scale), measured in the same run, so load elsewhere cannot put a start
  from another run into the figure. Everything after it counts against the goal: the step's check
  modules and their imports, the checks, their timeouts, the report, the exit. Goal ≤ 1.15. Median of
  RUNS runs, the cases taken alternately.
- the engine's own `duration_ms` / timeout (the default run; goal ≤ 1.3).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench import PY, ROOT, bench_env
from bench.registry import Figure, Run, benchmark
from bench.servers import silent_tcp

TIMEOUT = 2.0
RUNS = 3
GOAL = "≤ 1.15"
WRAPPER = """
import atexit, json, runpy, sys, time
import app.checks.engine as engine
seen = {}
original = engine.run_checks
async def run_checks(*args, **kw):
    seen["engine_start"] = time.time()
    try:
        return await original(*args, **kw)
    finally:
        seen["engine_end"] = time.time()
engine.run_checks = run_checks
atexit.register(lambda: sys.stderr.write("BENCH-TIMES " + json.dumps(seen) + "\\n"))  # exit_now runs it too
sys.argv = ["wbsetup"] + sys.argv[1:]
runpy.run_module("app", run_name="__main__")
"""
STEPS = ("hardware", "database", "object_store", "tls", "deploy", "verify", "upgrade")
ALL = "all pre-install steps"


def _kubeconfig(port: int) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "silent",
            "clusters": [
                {"name": "s", "cluster": {"server": f"https://127.0.0.1:{port}", "insecure-skip-tls-verify": True}}
            ],
            "contexts": [{"name": "silent", "context": {"cluster": "s", "user": "u", "namespace": "wandb"}}],
            "users": [{"name": "u", "user": {"token": "bench-token"}}],
        }
    )


def _answers(ports: dict[str, int]) -> dict:
    return {
        "schema": 1,
        "profile": "bench-silent",
        "requirements": "current",
        "host": f"https://127.0.0.1:{ports['host']}",
        "license": {"env": "BENCH_LICENSE"},
        "hardware": {"app": {"nodes": 2, "cpu_cores": 8, "memory_gib": 32.0}},
        "database": {
            "host": "127.0.0.1",
            "port": ports["db"],
            "name": "wandb_local",
            "user": "wandb_local",
            "password": {"env": "BENCH_DB_PASSWORD"},
            "tls": "preferred",
        },
        "object_store": {
            "endpoint": f"http://127.0.0.1:{ports['s3']}",
            "bucket": "wandb-files",
            "region": "us-east-1",
            "access_key": "AKIABENCHSILENT",
            "secret_key": {"env": "BENCH_S3_SECRET"},
            "path_style": True,
        },
        "deploy": {
            "target": "kubernetes",
            "version": "0.70.0",
            "kubeconfig": _kubeconfig(ports["kube"]),
            "registry": f"127.0.0.1:{ports['registry']}/mirror",
        },
        "verify": {"api_key": {"env": "BENCH_API_KEY"}},
    }


ENV = {
    "BENCH_LICENSE": "bench-license",
    "BENCH_DB_PASSWORD": "bench-db-password",
    "BENCH_S3_SECRET": "bench-s3-secret-key",
    "BENCH_API_KEY": "bench-api-key-0123456789",
}


def _validate(path: Path, steps: list[str]) -> dict:
    """One run: wall, start (spawn → run_checks called), tail (run_checks returned → process ended)."""
    args = [PY, "-c", WRAPPER, "validate", str(path), "--timeout", f"{TIMEOUT:g}", "--format", "json"]
    for s in steps:
        args += ["--step", s]
    spawned = time.time()
    proc = subprocess.run(args, env=bench_env(**ENV), cwd=ROOT, capture_output=True, text=True, timeout=60)
    ended = time.time()
    if not proc.stdout.strip() or "BENCH-TIMES " not in proc.stderr:
        raise RuntimeError(f"validate printed nothing (exit {proc.returncode}): {proc.stderr[-2000:]}")
    seen = json.loads(proc.stderr.rsplit("BENCH-TIMES ", 1)[1].splitlines()[0])
    return {
        "wall": ended - spawned,
        "start": seen["engine_start"] - spawned,
        "tail": ended - seen["engine_end"],
        "report": json.loads(proc.stdout),
        "code": proc.returncode,
    }


def measure(runs: int = RUNS) -> dict:
    """Per step (and for the default run): median wall, start, engine time and the slowest checks."""
    out: dict[str, dict] = {}
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        ports = {n: stack.enter_context(silent_tcp()) for n in ("db", "s3", "host", "kube", "registry")}
        path = Path(tmp) / "answers.json"
        path.write_text(json.dumps(_answers(ports)), encoding="utf-8")
        cases = {s: [s] for s in STEPS} | {ALL: []}
        samples: dict[str, list] = {k: [] for k in cases}
        for _ in range(runs):  # alternately, so a burst of load elsewhere spreads over every case
            for name, steps in cases.items():
                samples[name].append(_validate(path, steps))
    for name, rows in samples.items():
        ratios = [(r["wall"] - r["start"]) / TIMEOUT for r in rows]
        report = rows[-1]["report"]
        slow = sorted(report["checks"], key=lambda c: -c["duration_ms"])[:3]
        out[name] = {
            "wall_s": round(statistics.median(r["wall"] for r in rows), 3),
            "start_s": round(statistics.median(r["start"] for r in rows), 3),
            "tail_s": round(statistics.median(r["tail"] for r in rows), 3),
            "ratio": round(statistics.median(ratios), 3),
            "ratios": [round(r, 3) for r in ratios],
            "engine_s": round(statistics.median(r["report"]["duration_ms"] for r in rows) / 1000, 3),
            "summary": report["summary"],
            "exit_code": rows[-1]["code"],
            "slowest": [{"id": c["id"], "status": c["status"], "ms": c["duration_ms"]} for c in slow],
        }
    return out


@benchmark("timeouts")
def timeouts() -> Run:
    data = measure()
    figures = [
        Figure(
            f"timeouts: validate --step {name} (wall − start) / {TIMEOUT:g} s",
            d["ratio"],
            "×",
            GOAL,
            f"wall {d['wall_s']} s, start {d['start_s']} s, after the last check {d['tail_s']} s; median of {RUNS}",
        )
        for name, d in data.items()
        if name != ALL
    ]
    d = data[ALL]
    figures += [
        Figure(
            f"timeouts: validate, {ALL}, (wall − start) / {TIMEOUT:g} s",
            d["ratio"],
            "×",
            GOAL,
            f"wall {d['wall_s']} s, start {d['start_s']} s, after the last check {d['tail_s']} s; median of {RUNS}",
        ),
        Figure(f"timeouts: engine run / {TIMEOUT:g} s, {ALL}", round(d["engine_s"] / TIMEOUT, 3), "×", "≤ 1.3"),
    ]
    return Run(figures, data)


if __name__ == "__main__":  # python -m bench.timeouts: these figures alone
    from bench.registry import table

    result = timeouts()
    print(json.dumps(result.data, indent=2))
    print(table(result.figures))
