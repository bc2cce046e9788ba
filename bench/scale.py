"""Scale: pages with a big fleet and a long history, the event loop during an upload burst, CLI start.

One `wbsetup serve` holds two profiles: "fresh" (nothing run, no node reports) and "fleet" (1,000 node
reports, deploy runs up to the prune cap, seeded by bench/scale_seed.py through the tree's own Store
and checks). A second one holds 1,000 profiles. Every figure is a ratio measured in the same run:

- each page of "fleet" (database step, deploy step, review) against the same page of "fresh", and the
  profiles list with 1,000 profiles against the list with 2: median of sequential requests, taken
  alternately (target ≤ 1.5); the deploy page's size at 1,000 nodes (target < 100 KiB);
- /healthz p99 while 200 node reports are uploaded at once (target < 50 ms), polled from a separate
  process so the client's own event loop does not add to it;
- `wbsetup --help` against `python -c pass` (target ≤ 3), and `validate --step hardware` (< 0.5 s).

`python -m bench.scale [TREE...]` measures the given source trees (default: this checkout) in one run,
alternating between them per scenario — how bench/README.md's before/after table was taken.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench import PY, ROOT, bench_env, free_port, percentile, wait_http

TOKEN = "bench-login-token-0123456789abcdef"
SEED = Path(__file__).resolve().parent / "scale_seed.py"
REQUESTS = 15  # sequential requests per page and profile (alternating)
HEALTH_POLLER = r"""
import http.client, json, sys, time
host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
out, end = [], time.perf_counter() + seconds
conn = http.client.HTTPConnection(host, port, timeout=10)
while time.perf_counter() < end:
    t, wall = time.perf_counter(), time.time()
    conn.request("GET", "/healthz"); conn.getresponse().read()
    out.append((wall, time.perf_counter() - t))
    time.sleep(0.005)
print(json.dumps(out))
"""


def _env(tree: Path, data_dir: Path) -> dict:
    env = bench_env(WBSETUP_DATA_DIR=str(data_dir), WBSETUP_TOKEN=TOKEN)
    env["PYTHONPATH"] = str(tree)
    return env


def _seed(tree: Path, kind: str, data_dir: Path) -> dict:
    done = subprocess.run(
        [PY, str(SEED), kind, str(data_dir)],
        env=_env(tree, data_dir),
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode:
        raise RuntimeError(f"seeding {kind} in {tree} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def _tree_process(tree: Path, args: list[str], env: dict):
    """bench.process, but in `tree` (`python -m` puts the working directory first on sys.path)."""
    proc = subprocess.Popen(args, env=env, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextmanager
def _serve(tree: Path, data_dir: Path):
    port = free_port()
    with _tree_process(tree, [PY, "-m", "app", "serve", "--port", str(port)], _env(tree, data_dir)):
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/healthz", timeout=60)
        client = httpx.Client(base_url=url, timeout=60)
        if client.get(f"/login?token={TOKEN}", follow_redirects=False).status_code != 303:
            raise RuntimeError("login failed")
        try:
            yield client, port
        finally:
            client.close()


def _time(client: httpx.Client, path: str) -> tuple[float, int]:
    t = time.perf_counter()
    r = client.get(path)
    elapsed = time.perf_counter() - t
    if r.status_code != 200:
        raise RuntimeError(f"GET {path}: {r.status_code}")
    return elapsed, len(r.content)


def _compare(client_a, path_a, client_b, path_b) -> dict:
    """Median latency of b over a, alternating requests (after one warm-up each)."""
    _time(client_a, path_a), _time(client_b, path_b)
    a, b, size = [], [], 0
    for _ in range(REQUESTS):
        a.append(_time(client_a, path_a)[0])
        t, size = _time(client_b, path_b)
        b.append(t)
    ma, mb = statistics.median(a), statistics.median(b)
    return {"base_ms": round(ma * 1000, 1), "ms": round(mb * 1000, 1), "ratio": round(mb / ma, 2), "bytes": size}


async def _burst(port: int, tokens: list[str], reports: list[dict]) -> dict:
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60) as c:
        t0, start = time.perf_counter(), time.time()
        codes = await asyncio.gather(
            *(c.post("/probe/node-upload", json={"token": t, "report": r}) for t, r in zip(tokens, reports))
        )
        return {
            "wall_s": round(time.perf_counter() - t0, 2),
            "start": start,
            "end": time.time(),
            "ok": sum(r.status_code == 200 for r in codes),
            "uploads": len(tokens),
        }


def _burst_with_health(port: int, tokens: list[str]) -> dict:
    sys.path.insert(0, str(SEED.parent))
    from scale_seed import node_report

    reports = [node_report(5000 + i) for i in range(len(tokens))]
    for r in reports:
        r["role"] = "app"
    poller = subprocess.Popen([PY, "-c", HEALTH_POLLER, "127.0.0.1", str(port), "6"], stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)  # a few quiet polls first
    burst = asyncio.run(_burst(port, tokens, reports))
    out, _ = poller.communicate(timeout=60)
    start, end = burst.pop("start"), burst.pop("end")
    lat = [t for wall, t in json.loads(out) if start <= wall <= end]  # polls sent during the burst
    return {
        **burst,
        "healthz_polls": len(lat),
        "healthz_p50_ms": round(percentile(lat, 50) * 1000, 1),
        "healthz_p99_ms": round(percentile(lat, 99) * 1000, 1),
    }


def _cli(tree: Path, data_dir: Path, args: list[str], repeat: int = 5) -> float:
    env = _env(tree, data_dir)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([PY, *args], env=env, cwd=tree, capture_output=True, timeout=60)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def cli_start(tree: Path, data_dir: Path) -> dict:
    answers = data_dir / "answers.json"
    answers.write_text(json.dumps({"schema": 1, "profile": "cli", "hardware": {"app": {"nodes": 2}}}))
    bare = _cli(tree, data_dir, ["-c", "pass"])
    help_s = _cli(tree, data_dir, ["-m", "app", "--help"])
    schema_s = _cli(tree, data_dir, ["-m", "app", "schema"])
    hw = _cli(tree, data_dir, ["-m", "app", "validate", str(answers), "--step", "hardware"])
    return {
        "bare_s": round(bare, 3),
        "help_s": round(help_s, 3),
        "help_ratio": round(help_s / bare, 2),
        "schema_s": round(schema_s, 3),
        "validate_hardware_s": round(hw, 3),
    }


def measure(tree: Path) -> dict:
    """Every scale scenario against the source tree `tree`."""
    with tempfile.TemporaryDirectory(prefix="wbsetup-scale-") as tmp:
        fleet_dir, many_dir = Path(tmp, "fleet"), Path(tmp, "many")
        t0 = time.perf_counter()
        seeded = _seed(tree, "fleet", fleet_dir)
        _seed(tree, "profiles", many_dir)
        out = {"seed_s": round(time.perf_counter() - t0, 1), "node_results_bytes_per_run": seeded["result_bytes"]}
        with _serve(tree, fleet_dir) as (c, port), _serve(tree, many_dir) as (many, _):
            for page in ("database", "deploy", "review"):
                out[f"page_{page}"] = _compare(c, f"/p/fresh/{page}", c, f"/p/fleet/{page}")
            out["page_profiles"] = _compare(c, "/", many, "/")
            out["burst"] = _burst_with_health(port, seeded["tokens"])
        out["cli"] = cli_start(tree, Path(tmp))
    return out


def run() -> dict:
    return measure(ROOT)


def rows(s: dict) -> list[tuple]:
    """Table rows for bench/__main__.py: (figure, value, target, met)."""
    pages = [
        (f"scale: {p} page, fleet / fresh", s[f"page_{p}"]["ratio"], "≤ 1.5", s[f"page_{p}"]["ratio"] <= 1.5)
        for p in ("database", "deploy", "review", "profiles")
    ]
    kib = round(s["page_deploy"]["bytes"] / 1024, 1)
    return pages + [
        ("scale: deploy page KiB at 1,000 nodes", kib, "< 100", kib < 100),
        (
            "scale: /healthz p99 ms in a 200-upload burst",
            s["burst"]["healthz_p99_ms"],
            "< 50",
            s["burst"]["healthz_p99_ms"] < 50,
        ),
        ("scale: --help / bare interpreter", s["cli"]["help_ratio"], "≤ 3", s["cli"]["help_ratio"] <= 3),
        (
            "scale: validate --step hardware s",
            s["cli"]["validate_hardware_s"],
            "< 0.5",
            s["cli"]["validate_hardware_s"] < 0.5,
        ),
    ]


def main(argv: list[str]) -> int:
    trees = [Path(a).resolve() for a in argv] or [ROOT]
    results = {str(t): measure(t) for t in trees}
    print(json.dumps(results, indent=2))
    for t, s in results.items():
        print(f"\n{t}")
        for label, value, target, ok in rows(s):
            print(f"  {label:<48} {str(value):>10}  {target:>6}  {'yes' if ok else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
