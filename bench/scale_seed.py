"""Seed a state store for the scale bench (bench/scale.py), run as a script with the tree under test
first on PYTHONPATH (so "before" and "after" trees seed through their own Store and checks):

    python bench/scale_seed.py fleet DATA_DIR     # profiles "fresh" and "fleet": 1,000 node reports,
                                                  # deploy runs up to the prune cap, 200 node-upload tokens
    python bench/scale_seed.py profiles DATA_DIR  # 1,000 profiles
    python bench/scale_seed.py uploads DATA_DIR   # profile "fleet" and 600 node-upload tokens (3 bursts)

Prints a JSON object (the upload tokens for the burst). Uses only Store methods both trees have.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

NODES = 1000
RUNS = 50  # Store.prune_runs' keep
TOKENS = 200
ANSWERS = {
    "schema": 1,
    "profile": "fresh",
    "requirements": "current",
    "host": "https://wandb.bench.invalid",
    "hardware": {"app": {"nodes": 2, "cpu_cores": 8, "memory_gib": 32.0}},
    "database": {
        "host": "mysql.bench.invalid",
        "port": 3306,
        "name": "wandb_local",
        "user": "wandb_local",
        "tls": "preferred",
    },
    "object_store": {
        "endpoint": "https://s3.bench.invalid:9000",
        "bucket": "wandb-files",
        "region": "us-east-1",
        "path_style": True,
    },
    "tls": {"mode": "provided"},
    "deploy": {"target": "docker-compose", "version": "0.70.0"},
}
REPORT = {
    "schema": 1,
    "kind": "node-report",
    "profile": "fleet",
    "node": "app-1",
    "role": "app",
    "measured_at": "2026-11-29T03:00:00Z",
    "hardware": {
        "arch": "x86_64",
        "cpu_cores": 8,
        "memory_gib": 31.3,
        "disk_gb": 200,
        "disk_mbps": 5210,
        "nics": 2,
        "nic_gbps": 10,
    },
    "reach": {
        "database": {"target": "mysql.bench.invalid:3306", "ok": True, "ms": 0.9, "error": None},
        "object_store": {"target": "s3.bench.invalid:9000", "ok": True, "ms": 1.1, "error": None, "tls": "trusted"},
        "host": {"target": "wandb.bench.invalid", "ok": True, "addresses": ["10.0.0.5"], "error": None},
    },
    "docker": {"engine": "27.3.1", "compose": "2.29.7"},
    "ports_in_use": [22, 9100],
}
NODE_IDS = [
    "deploy.node.database",
    "deploy.node.object_store",
    "deploy.node.host",
    "deploy.node.docker",
    "deploy.node.ports",
]


def node_report(i: int, profile: str = "fleet") -> dict:
    """Node i of the fleet: every 50th app node cannot reach the database; 1 in 5 is a client."""
    doc = copy.deepcopy(REPORT)
    role = "client" if i % 5 == 4 else "app"
    doc.update(profile=profile, node=f"gpu-{i:04d}.bench.invalid", role=role)
    if role == "app" and i % 50 == 0:
        doc["reach"]["database"].update(ok=False, error="timed out after 3 s (firewall?)")
    return doc


def _store(data_dir: Path):
    from app.settings import Settings
    from app.store import Store

    os.environ["WBSETUP_DATA_DIR"] = str(data_dir)
    return Store.open(Settings.from_env())


def fleet(data_dir: Path) -> dict:
    from app.answers import parse_document
    from app.checks.engine import run_checks
    from app.probe import tokens as probe_tokens

    store = _store(data_dir)
    for name in ("fresh", "fleet"):
        store.save_answers(parse_document({**ANSWERS, "profile": name}), replace=True)
    reports = [node_report(i) for i in range(NODES)]
    for r in reports:
        store.add_node_report("fleet", r)
    answers = parse_document({**ANSWERS, "profile": "fleet"})
    results = asyncio.run(run_checks(answers, steps=["deploy"], only=NODE_IDS, node_reports=reports, timeout=5))
    from app.web import runs as check_runs

    digest = check_runs.digest(store, answers, "deploy")
    for _ in range(RUNS):  # what the deploy step's "Run checks" stores, RUNS times (the prune cap)
        run_id = store.start_run("fleet", "deploy", digest, len(results.results))
        for r in results.results:
            store.add_result(run_id, r.to_dict())
        store.finish_run(run_id)
    store.prune_runs("fleet")
    tokens = []
    for _ in range(TOKENS):
        token = probe_tokens.new_token()
        store.add_probe_token("fleet", probe_tokens.token_hash(token), "node-app", "node", timedelta(hours=1))
        tokens.append(token)
    return {"tokens": tokens, "result_bytes": sum(len(json.dumps(r.to_dict())) for r in results.results)}


def profiles(data_dir: Path, count: int = 1000) -> dict:
    from app.answers import parse_document

    store = _store(data_dir)
    for i in range(count):
        store.save_answers(parse_document({**ANSWERS, "profile": f"site-{i:04d}"}), replace=True)
    store.save_answers(parse_document(ANSWERS), replace=True)
    return {}


def uploads(data_dir: Path, count: int = 3 * TOKENS) -> dict:
    from app.answers import parse_document
    from app.probe import tokens as probe_tokens

    store = _store(data_dir)
    store.save_answers(parse_document({**ANSWERS, "profile": "fleet"}), replace=True)
    tokens = []
    for _ in range(count):
        token = probe_tokens.new_token()
        store.add_probe_token("fleet", probe_tokens.token_hash(token), "node-app", "node", timedelta(hours=1))
        tokens.append(token)
    return {"tokens": tokens}


if __name__ == "__main__":
    kind, where = sys.argv[1], Path(sys.argv[2])
    print(json.dumps({"fleet": fleet, "profiles": profiles, "uploads": uploads}[kind](where)))
