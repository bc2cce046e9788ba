"""The event loop while a fleet uploads: `/healthz` latency while 200 node reports arrive at once.

One `wbsetup serve` (a subprocess) holds a profile with upload tokens (bench/scale_seed.py `uploads`).
Two more processes: the uploader (an asyncio httpx client posting 200 reports to /probe/node-upload at
once, one connection each) and the poller (sequential GET /healthz, 5 ms apart, plain http.client). A
poller sharing its event loop with the uploads would measure its own loop, hence three processes.
Figures: /healthz p99 over the polls sent during a burst (median of BURSTS bursts; goal ≤ 30 ms),
p50 for reference, and the uploads accepted (every one: goal = 200).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench import PY, ROOT, percentile
from bench.registry import Figure, Run, benchmark

UPLOADS = 200
BURSTS = 3
GOAL_MS = 30
UPLOADER = r"""
import asyncio, json, sys, time
import httpx
sys.path.insert(0, sys.argv[2])
from scale_seed import node_report
port, tokens = int(sys.argv[1]), json.loads(sys.stdin.read())

async def main():
    reports = []
    for i, _ in enumerate(tokens):
        r = node_report(5000 + i)
        r["role"] = "app"
        reports.append(r)
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120) as c:
        start = time.time()
        answers = await asyncio.gather(
            *(c.post("/probe/node-upload", json={"token": t, "report": r}) for t, r in zip(tokens, reports))
        )
        end = time.time()
    codes = [a.status_code for a in answers]
    print(json.dumps({"start": start, "end": end, "ok": codes.count(200), "codes": sorted(set(codes))}))

asyncio.run(main())
"""
POLLER = r"""
import http.client, json, sys, threading, time
host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()  # until stdin closes
out, end = [], time.perf_counter() + seconds
conn = http.client.HTTPConnection(host, port, timeout=10)
while time.perf_counter() < end and not stop.is_set():
    t, wall = time.perf_counter(), time.time()
    conn.request("GET", "/healthz"); conn.getresponse().read()
    out.append((wall, time.perf_counter() - t))
    time.sleep(0.005)
print(json.dumps(out))
"""


def measure(trees: list[Path] | None = None, bursts: int = BURSTS) -> dict[str, dict]:
    """Per source tree (default: this checkout): its own server and store, bursts taken alternately
    between the trees (the same load for each), figures over the bursts."""
    from bench.scale import _env, _seed, _serve

    trees = trees or [ROOT]
    runs: dict[str, list[dict]] = {str(t): [] for t in trees}
    with tempfile.TemporaryDirectory(prefix="wbsetup-uploads-") as tmp, ExitStack() as stack:
        served = []
        for n, tree in enumerate(trees):
            data_dir = Path(tmp, f"state-{n}")
            tokens = _seed(tree, "uploads", data_dir)["tokens"]
            _, port = stack.enter_context(_serve(tree, data_dir))
            served.append((tree, port, tokens, _env(tree, data_dir)))
        for b in range(bursts):
            for tree, port, tokens, env in served:
                runs[str(tree)].append(one_burst(port, tokens[b * UPLOADS : (b + 1) * UPLOADS], env, tree))
    return {tree: _summary(out) for tree, out in runs.items()}


def _summary(out: list[dict]) -> dict:
    return {
        "uploads": UPLOADS,
        "bursts": out,
        "healthz_p99_ms": round(statistics.median(b["healthz_p99_ms"] for b in out), 1),
        "healthz_p50_ms": round(statistics.median(b["healthz_p50_ms"] for b in out), 1),
        "accepted_min": min(b["ok"] for b in out),
        "wall_s": round(statistics.median(b["wall_s"] for b in out), 2),
    }


def one_burst(port: int, tokens: list[str], env: dict, cwd: Path) -> dict:
    """A burst with its own poller; latencies of the polls sent between the first upload and the last answer."""
    seconds = 300.0  # the poller's bound; it stops when its stdin is closed after the burst
    poller = subprocess.Popen(
        [PY, "-c", POLLER, "127.0.0.1", str(port), str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
    )
    try:
        time.sleep(0.5)
        seed_dir = str(Path(__file__).resolve().parent)
        up = subprocess.run(
            [PY, "-c", UPLOADER, str(port), seed_dir],
            input=json.dumps(tokens),
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=300,
        )
        if up.returncode:
            raise RuntimeError(f"uploader failed: {up.stderr[-2000:]}")
        done = json.loads(up.stdout)
        out, _ = poller.communicate(input="", timeout=60)
    finally:
        if poller.poll() is None:
            poller.kill()
            poller.wait(timeout=5)
    lat = [t for wall, t in json.loads(out) if done["start"] <= wall <= done["end"]]
    return {
        "ok": done["ok"],
        "codes": done["codes"],
        "wall_s": round(done["end"] - done["start"], 2),
        "polls": len(lat),
        "healthz_p50_ms": round(percentile(lat, 50) * 1000, 1),
        "healthz_p99_ms": round(percentile(lat, 99) * 1000, 1),
        "healthz_max_ms": round(max(lat) * 1000, 1),
    }


@benchmark("upload_burst")
def upload_burst() -> Run:
    d = measure()[str(ROOT)]
    note = (
        f"median of {BURSTS} bursts (p99s {[b['healthz_p99_ms'] for b in d['bursts']]}), p50 {d['healthz_p50_ms']} ms"
    )
    return Run(
        [
            Figure(
                f"/healthz p99 while {UPLOADS} node reports upload at once",
                d["healthz_p99_ms"],
                "ms",
                f"≤ {GOAL_MS}",
                note,
            ),
            Figure(f"node reports accepted of {UPLOADS} (fewest in a burst)", d["accepted_min"], "", f"= {UPLOADS}"),
            Figure(f"{UPLOADS}-upload burst wall time", d["wall_s"], "s", "", f"median of {BURSTS}"),
        ],
        d,
    )


if __name__ == "__main__":  # python -m bench.upload_burst [TREE...]: these figures (per tree)
    from bench.registry import table

    trees = [Path(a).resolve() for a in sys.argv[1:]]
    if not trees:
        r = upload_burst()
        print(json.dumps(r.data, indent=2))
        print(table(r.figures))
    else:
        for tree, d in measure(trees).items():
            print(
                tree,
                json.dumps({k: v for k, v in d.items() if k != "bursts"}),
                [b["healthz_p99_ms"] for b in d["bursts"]],
            )
