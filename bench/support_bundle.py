"""Support bundle wall time against a 50-pod cluster (the Kubernetes API stand-in, app/demo/kube_api.py,
on loopback with trustme certificates): `app.support.run.make_bundle` end to end (collect, analyse,
redact, archive), as a ratio to its slowest top-level collector (the check run, the cluster, the
certificates). The collectors run concurrently, so the ratio is the cost of everything that is not the
slowest collector: analysis, redaction of every file, the archive. 50 pods, every fifth crash-looping
(so it has a previous log too), 1,000 log lines each (every 20th with a credential to redact); database and object store on closed loopback
ports (their checks fail at once). Median of 3 runs. Target: ≤ 1.5."""

from __future__ import annotations

import ssl
import time

from bench.registry import Figure, Run, benchmark

PODS = 50
RUNS = 3
TARGET = 1.5


def _line(i: int, n: int) -> str:
    """A W&B-like log line; every 20th carries a credential for the redaction to find."""
    base = (
        f'2026-12-03T10:{n // 60 % 60:02d}:{n % 60:02d}Z level=info msg="GET /api/v1/runs/r{i}-{n} 200" took={n % 97}ms'
    )
    return base + (f" dsn=mysql://wandb:bench-{n}@db:3306/wandb password=bench-{n}" if n % 20 == 0 else "")


def _cluster():
    import trustme

    from app.demo.kube_api import KubeAPI, KubeState
    from app.demo.kube_objects import pod

    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    pods, logs, previous = [], {}, {}
    for i in range(PODS):
        name = f"wandb-{i:02d}"
        crash = i % 5 == 0
        pods.append(
            pod(
                name,
                {"app.kubernetes.io/name": "wandb"},
                state="crash" if crash else "ready",
                restarts=3 if crash else 0,
            )
        )
        logs[name] = [_line(i, n) for n in range(1000)]
        if crash:
            previous[name] = [*logs[name][:999], "Error 1045: Access denied for user 'wandb'@'10.0.0.1'"]
    api = KubeAPI(ctx, KubeState(pods=pods, logs=logs, previous_logs=previous, token="bench-token")).start()
    return api, ca


def _answers(api, ca):
    import base64

    import yaml

    from app.answers import parse_document
    from bench import free_port

    kubeconfig = yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "bench",
            "clusters": [
                {
                    "name": "c",
                    "cluster": {
                        "server": api.url,
                        "certificate-authority-data": base64.b64encode(ca.cert_pem.bytes()).decode(),
                    },
                }
            ],
            "contexts": [{"name": "bench", "context": {"cluster": "c", "user": "u", "namespace": "wandb"}}],
            "users": [{"name": "u", "user": {"token": "bench-token"}}],
        }
    )
    return parse_document(
        {
            "schema": 1,
            "profile": "bench",
            "host": f"http://127.0.0.1:{free_port()}",
            "license": "bench-license-value",
            "database": {
                "host": "127.0.0.1",
                "port": free_port(),
                "name": "wandb",
                "user": "wandb",
                "password": "bench-db-password",
            },
            "object_store": {
                "endpoint": f"http://127.0.0.1:{free_port()}",
                "bucket": "wandb-files",
                "access_key": "AKIABENCH",
                "secret_key": "bench-s3-secret",
            },
            "deploy": {"target": "kubernetes", "version": "0.70.0", "kubeconfig": kubeconfig},
        }
    )


def run() -> dict:
    from app.support.run import COLLECTORS, make_bundle

    api, ca = _cluster()
    try:
        answers = _answers(api, ca)
        make_bundle(answers, timeout=5)  # warm: imports, TLS contexts
        samples = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            made = make_bundle(answers, timeout=5)
            wall = time.perf_counter() - t0
            slowest = max(COLLECTORS, key=lambda n: made.timings.get(n, 0))
            samples.append((wall, made.timings[slowest], slowest, len(made.data), len(made.errors)))
    finally:
        api.stop()
    wall, slow, name, size, errors = sorted(samples)[len(samples) // 2]
    return {
        "pods": PODS,
        "wall_s": round(wall, 3),
        "slowest_collector": name,
        "slowest_s": round(slow, 3),
        "ratio_wall_over_slowest": round(wall / slow, 3),
        "walls_s": [round(s[0], 3) for s in samples],
        "archive_kib": round(size / 1024, 1),
        "errors": errors,
        "median_of": RUNS,
        "target": TARGET,
    }


def rows(s: dict) -> list[tuple]:
    """Table rows for bench/__main__.py: (figure, value, target, met)."""
    return [
        (
            f"support-bundle wall / slowest collector ({s['pods']} pods)",
            s["ratio_wall_over_slowest"],
            f"≤ {s['target']:g}",
            s["ratio_wall_over_slowest"] <= s["target"],
        ),
        (f"support-bundle wall s (slowest: {s['slowest_collector']})", f"{s['wall_s']} ({s['slowest_s']})", "", None),
    ]


if __name__ == "__main__":  # python -m bench.support_bundle: this figure alone
    import json

    result = run()
    print(json.dumps(result, indent=2))
    for row in rows(result):
        print(row)


@benchmark("support_bundle")
def support_bundle() -> Run:
    d = run()
    return Run(
        [
            Figure(
                f"support-bundle wall / slowest collector ({d['pods']} pods)",
                d["ratio_wall_over_slowest"],
                "×",
                f"≤ {d['target']:g}",
                f"wall {d['wall_s']} s, slowest {d['slowest_collector']} {d['slowest_s']} s, median of {RUNS}",
            )
        ],
        d,
    )
