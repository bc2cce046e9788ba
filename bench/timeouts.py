"""Timeout discipline: `wbsetup validate --step STEP --timeout 2` against servers that accept TCP and
never answer (the database, the object store, the W&B host, the Kubernetes API server of the
kubeconfig, the private registry: all silent loopback ports). Every check must give up on its own
budget, concurrently, and the process must end as soon as the last check is judged.

Figures, per step and for the default run (every pre-install step at once):
- `(wall − start) / timeout`: `wall` around the real CLI in a subprocess; `start` the same command
  with `--step hardware` (interpreter, imports, answers, a run without network work, exit): the fixed
  cost the timeout does not scale. Everything else a step costs counts against it: its own imports,
  its checks, their timeouts, the exit. Goal ≤ 1.15. Median of RUNS runs, cases taken alternately.
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
START = ["hardware"]  # the reference: no check of this step touches the network
STEPS = ("database", "object_store", "tls", "deploy", "verify")
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


def _validate(path: Path, steps: list[str]) -> tuple[float, dict, int]:
    args = [PY, "-m", "app", "validate", str(path), "--timeout", f"{TIMEOUT:g}", "--format", "json"]
    for s in steps:
        args += ["--step", s]
    t0 = time.perf_counter()
    proc = subprocess.run(args, env=bench_env(**ENV), cwd=ROOT, capture_output=True, text=True, timeout=60)
    wall = time.perf_counter() - t0
    if not proc.stdout.strip():
        raise RuntimeError(f"validate printed nothing (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return wall, json.loads(proc.stdout), proc.returncode


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
                start = _validate(path, START)[0]  # just before: the same load
                wall, report, code = _validate(path, steps)
                samples[name].append((wall, start, report, code))
    for name, rows in samples.items():
        walls, starts = [r[0] for r in rows], [r[1] for r in rows]
        ratios = [(w - s) / TIMEOUT for w, s in zip(walls, starts, strict=True)]
        report = rows[-1][2]
        slow = sorted(report["checks"], key=lambda c: -c["duration_ms"])[:3]
        out[name] = {
            "wall_s": round(statistics.median(walls), 3),
            "start_s": round(statistics.median(starts), 3),
            "ratio": round(statistics.median(ratios), 3),
            "ratios": [round(r, 3) for r in ratios],
            "engine_s": round(statistics.median(r[2]["duration_ms"] for r in rows) / 1000, 3),
            "summary": report["summary"],
            "exit_code": rows[-1][3],
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
            f"wall {d['wall_s']} s, start {d['start_s']} s, median of {RUNS}",
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
            f"wall {d['wall_s']} s, start {d['start_s']} s, median of {RUNS}",
        ),
        Figure(f"timeouts: engine run / {TIMEOUT:g} s, {ALL}", round(d["engine_s"] / TIMEOUT, 3), "×", "≤ 1.3"),
    ]
    return Run(figures, data)


if __name__ == "__main__":  # python -m bench.timeouts: these figures alone
    from bench.registry import table

    result = timeouts()
    print(json.dumps(result.data, indent=2))
    print(table(result.figures))
