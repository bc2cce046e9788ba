"""Change over time (#28): a profile with 1,000 revisions against a fresh one.

- `wbsetup history` and `wbsetup diff P@1 P@1000` in process and as CLI walls (process start included),
  median of 3; goal < 1 s each, both ways (SPEC: "history / diff of two revisions stay under a second").
- The History page (first page of 50) and a step page of the 1,000-revision profile over the same pages of
  a fresh profile, median of 41 requests each, in turns, through the ASGI app in process; goal ≤ 1.5.
- `drift` against the Kubernetes API stand-in serving the applied objects (app/demo/kube_served.py):
  wall (median of 5) and its slowest API call.
"""

from __future__ import annotations

import base64
import re
import ssl
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench import PY, ROOT, bench_env
from bench.registry import Figure, Run, benchmark

REVISIONS = 1000
TOKEN = "bench-history-token-0123456789ab"
PAGE_RUNS, CLI_RUNS, DRIFT_RUNS = 41, 3, 5
GOAL_RATIO, GOAL_CLI_S = 1.5, 1.0


def _doc(name: str, i: int) -> dict:
    return {
        "schema": 1,
        "profile": name,
        "host": "https://wandb.acme.internal",
        "license": "bench-license-0000",
        "database": {"host": "db.acme.internal", "password": f"bench-pw-{i % 7}"},
        "deploy": {"target": "kubernetes", "version": "0.70.0", "replicas": 1 + i % 3,
                   "redis_url": "redis://redis:6379"},
    }  # fmt: skip


def _seed(store) -> None:
    from app.answers import parse_document

    store.save_answers(parse_document(_doc("big", 0)), replace=True)
    for i in range(1, REVISIONS):
        store.save_answers(parse_document(_doc("big", i)))
    store.save_answers(parse_document(_doc("fresh", 0)), replace=True)


def _median_pair(client, big: str, fresh: str) -> tuple[float, float]:
    """Median time of GET `big` and of GET `fresh`, requested in turns (a burst of load on the machine then
    slows both sides alike instead of one)."""
    times: dict[str, list[float]] = {big: [], fresh: []}
    for path in times:
        client.get(path)  # warm: templates compiled, caches filled
    for _ in range(PAGE_RUNS):
        for path in (big, fresh):
            t0 = time.perf_counter()
            r = client.get(path)
            times[path].append(time.perf_counter() - t0)
            assert r.status_code == 200, (path, r.status_code)
    return statistics.median(times[big]), statistics.median(times[fresh])


def _cli(env: dict, *args: str) -> float:
    times = []
    for _ in range(CLI_RUNS):
        t0 = time.perf_counter()
        subprocess.run([PY, "-m", "app", *args], env=env, cwd=ROOT, check=False, capture_output=True, timeout=120)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _in_process(store) -> dict:
    """The commands' own work (after the interpreter started and imported them), median of 3."""
    import contextlib
    import io
    from types import SimpleNamespace

    from app.change import diff_cli, history

    def timed(fn) -> float:
        times = []
        for _ in range(CLI_RUNS):
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                fn()
            times.append(time.perf_counter() - t0)
        return round(statistics.median(times), 3)

    return {
        "history_s": timed(lambda: history.command(SimpleNamespace(profile="big", format="text"), store)),
        "diff_s": timed(
            lambda: diff_cli.command(SimpleNamespace(old="big@1", new=f"big@{REVISIONS}", format="text"), lambda: store)
        ),
    }


def _pages(data: Path) -> dict:
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings(state_url=f"sqlite:///{data}/state.db", data_dir=data), token=TOKEN)
    with TestClient(app) as client:
        assert client.get(f"/login?token={TOKEN}", follow_redirects=False).status_code == 303
        out = {}
        for page in ("history", "database"):
            big, fresh = _median_pair(client, f"/p/big/{page}", f"/p/fresh/{page}")
            out[page] = {"big_ms": round(big * 1000, 1), "fresh_ms": round(fresh * 1000, 1),
                         "ratio": round(big / fresh, 2)}  # fmt: skip
        page = client.get("/p/big/history").text
        out["history"]["rows_shown"] = len(re.findall(r'data-revision="', page))
    return out


def _drift() -> dict:
    import trustme
    import yaml

    from app.answers import parse_document
    from app.artifacts.kubernetes import LABELS
    from app.change.drift_run import desired_objects, run_drift
    from app.demo.kube_api import KubeAPI, KubeState
    from app.demo.kube_objects import pod
    from app.demo.kube_served import served

    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    api = KubeAPI(ctx, KubeState(token="bench-token")).start()
    try:
        kubeconfig = yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "b",
            "clusters": [{"name": "c", "cluster": {"server": api.url, "certificate-authority-data":
                          base64.b64encode(ca.cert_pem.bytes()).decode()}}],
            "contexts": [{"name": "b", "context": {"cluster": "c", "user": "u"}}],
            "users": [{"name": "u", "user": {"token": "bench-token"}}],
        })  # fmt: skip
        doc = _doc("drift", 1)
        doc["deploy"]["kubeconfig"] = kubeconfig
        answers = parse_document(doc)
        api.state.objects = [served(o, i) for i, o in enumerate(desired_objects(answers))]
        api.state.pods = [pod(f"wandb-{i}", LABELS) for i in range(3)]
        walls, slowest = [], []
        for _ in range(DRIFT_RUNS):
            t0 = time.perf_counter()
            result = run_drift(answers, 5.0)
            walls.append(time.perf_counter() - t0)
            slowest.append(max(result.timings.values()))
            assert result.doc["in_sync"], result.doc
        wall, slow = statistics.median(walls), statistics.median(slowest)
        return {"objects": len(api.state.objects), "wall_ms": round(wall * 1000, 1),
                "slowest_call_ms": round(slow * 1000, 1), "ratio_wall_over_slowest": round(wall / slow, 2)}  # fmt: skip
    finally:
        api.stop()


def run() -> dict:
    from app.settings import Settings
    from app.store import Store

    with tempfile.TemporaryDirectory(prefix="wbsetup-bench-history-") as tmp:
        data = Path(tmp)
        store = Store.open(Settings(state_url=f"sqlite:///{data}/state.db", data_dir=data))
        t0 = time.perf_counter()
        _seed(store)
        seeded = time.perf_counter() - t0
        in_process = _in_process(store)
        store.engine.dispose()
        env = bench_env(WBSETUP_STATE_URL=f"sqlite:///{data}/state.db", WBSETUP_DATA_DIR=str(data))
        out = {
            "revisions": REVISIONS,
            "save_ms_per_revision": round(seeded / (REVISIONS + 1) * 1000, 2),
            "history_cli_s": round(_cli(env, "history", "big"), 3),
            "diff_cli_s": round(_cli(env, "diff", "big@1", f"big@{REVISIONS}"), 3),
            "in_process": in_process,
            "pages": _pages(data),
        }
    out["drift"] = _drift()
    return out


def rows(r: dict) -> list[tuple]:
    p, d = r["pages"], r["drift"]
    i = r["in_process"]
    return [
        ("history: `wbsetup history` (1,000 revisions) s, in process", i["history_s"], "< 1", i["history_s"] < GOAL_CLI_S),
        ("history: `wbsetup diff P@1 P@1000` s, in process", i["diff_s"], "< 1", i["diff_s"] < GOAL_CLI_S),
        ("history: `wbsetup history` s, CLI wall (process start incl.)", r["history_cli_s"], "< 1",
         r["history_cli_s"] < GOAL_CLI_S),
        ("history: `wbsetup diff P@1 P@1000` s, CLI wall", r["diff_cli_s"], "< 1", r["diff_cli_s"] < GOAL_CLI_S),
        ("history: History page, 1,000 revisions / fresh", p["history"]["ratio"], "≤ 1.5",
         p["history"]["ratio"] <= GOAL_RATIO),
        ("history: step page, 1,000 revisions / fresh", p["database"]["ratio"], "≤ 1.5",
         p["database"]["ratio"] <= GOAL_RATIO),
        ("drift: wall ms (slowest API call ms)", f"{d['wall_ms']} ({d['slowest_call_ms']})", "", None),
        ("drift: wall / slowest API call", d["ratio_wall_over_slowest"], "", None),
    ]  # fmt: skip


@benchmark("history")
def history() -> Run:
    """The rows above as registry figures (bench/registry.py), in the one table of `make bench`."""
    r = run()
    return Run([Figure(name, value, "", goal or "") for name, value, goal, _ in rows(r)], r)


if __name__ == "__main__":
    import json

    result = run()
    print(json.dumps(result, indent=2))
    for row in rows(result):
        print(row)
