"""Timeout discipline: `wbsetup validate` (all steps) against a database, an object store and a W&B
host that accept TCP and never answer, with `--timeout 2`. Every check must give up on its own
budget, concurrently: wall time / 2 s, measured around the real CLI in a subprocess (so it includes
interpreter start-up and imports, what an operator waits for)."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path

from app.artifacts.serialize import dump_yaml
from bench import PY, ROOT, bench_env
from bench.servers import silent_tcp

TIMEOUT = 2.0


def _answers(db_port: int, s3_port: int, host_port: int) -> dict:
    return {
        "schema": 1,
        "profile": "bench-silent",
        "requirements": "current",
        "host": f"https://127.0.0.1:{host_port}",
        "license": {"env": "BENCH_LICENSE"},
        "database": {
            "host": "127.0.0.1",
            "port": db_port,
            "name": "wandb_local",
            "user": "wandb_local",
            "password": {"env": "BENCH_DB_PASSWORD"},
            "tls": "preferred",
        },
        "object_store": {
            "endpoint": f"http://127.0.0.1:{s3_port}",
            "bucket": "wandb-files",
            "region": "us-east-1",
            "access_key": "AKIABENCHSILENT",
            "secret_key": {"env": "BENCH_S3_SECRET"},
            "path_style": True,
        },
        "deploy": {"target": "docker-compose", "version": "0.70.0"},
    }


def _validate(path: Path) -> tuple[float, dict, int]:
    env = bench_env(
        BENCH_LICENSE="bench-license", BENCH_DB_PASSWORD="bench-db-password", BENCH_S3_SECRET="bench-s3-secret-key"
    )
    t0 = time.perf_counter()
    proc = subprocess.run(
        [PY, "-m", "app", "validate", str(path), "--timeout", f"{TIMEOUT:g}", "--format", "json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    wall = time.perf_counter() - t0
    if not proc.stdout.strip():
        raise RuntimeError(f"validate printed nothing (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return wall, json.loads(proc.stdout), proc.returncode


def _startup() -> float:
    """The same CLI doing no network work (`wbsetup schema`): the interpreter + import floor."""
    t0 = time.perf_counter()
    subprocess.run([PY, "-m", "app", "schema"], env=bench_env(), cwd=ROOT, capture_output=True, timeout=60, check=True)
    return time.perf_counter() - t0


def run() -> dict:
    """Target: wall / timeout ≤ 1.3."""
    with silent_tcp() as db, silent_tcp() as s3, silent_tcp() as host, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answers.yaml"
        path.write_text(dump_yaml(_answers(db, s3, host)), encoding="utf-8")
        wall, report, code = _validate(path)
    slow = sorted(report["checks"], key=lambda c: -c["duration_ms"])[:3]
    return {
        "timeout_s": TIMEOUT,
        "wall_s": round(wall, 3),
        "engine_s": report["duration_ms"] / 1000,
        "cli_floor_s": round(_startup(), 3),
        "exit_code": code,
        "summary": report["summary"],
        "slowest": [
            {"id": c["id"], "status": c["status"], "ms": c["duration_ms"], "message": c["message"][:90]} for c in slow
        ],
        "ratio": round(wall / TIMEOUT, 3),
        "target": 1.3,
    }
