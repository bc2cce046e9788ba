"""Scale: pages with a big fleet and a long history, the event loop during an upload burst, CLI start.

One `wbsetup serve` holds two profiles: "fresh" (nothing run, no node reports) and "fleet" (1,000 node
reports, deploy runs up to the prune cap, seeded by bench/scale_seed.py through the tree's own Store
and checks). A second one holds 1,000 profiles. Every figure is a ratio measured in the same run:

- each page of "fleet" (database step, deploy step, review) against the same page of "fresh", and the
  profiles list with 1,000 profiles against the list with 2: median of sequential requests, taken
  alternately (target ≤ 1.5); the deploy page's size at 1,000 nodes (target < 100 KiB);
- (the upload burst and the CLI start, measured here before, are bench/upload_burst.py and
  bench/cli_start.py; `python -m bench.upload_burst TREE...` and `python -m bench.cli_start TREE...`
  compare trees the same way).

`python -m bench.scale [TREE...]` measures the given source trees (default: this checkout) in one run,
alternating between them per scenario — how bench/README.md's before/after table was taken.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench import PY, ROOT, bench_env, free_port, wait_http
from bench.registry import Figure, Run, benchmark

TOKEN = "bench-login-token-0123456789abcdef"
SEED = Path(__file__).resolve().parent / "scale_seed.py"
REQUESTS = 15  # sequential requests per page and profile (alternating)


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
    return out


def run() -> dict:
    return measure(ROOT)


def rows(s: dict) -> list[tuple]:
    """(figure, value, target, met) of one tree's measurements (for `python -m bench.scale`)."""
    return [(f.name, f.value, f.goal, f.met) for f in figures(s)]


def figures(s: dict) -> list[Figure]:
    pages = [
        Figure(
            f"scale: {p} page, {'1,000 / 2 profiles' if p == 'profiles' else 'fleet / fresh'}",
            s[f"page_{p}"]["ratio"],
            "×",
            "≤ 1.5",
            f"{s[f'page_{p}']['base_ms']} → {s[f'page_{p}']['ms']} ms, median of {REQUESTS}",
        )
        for p in ("database", "deploy", "review", "profiles")
    ]
    kib = round(s["page_deploy"]["bytes"] / 1024, 1)
    return pages + [Figure("scale: deploy page at 1,000 nodes", kib, "KiB", "< 100")]


@benchmark("scale")
def scale() -> Run:
    s = run()
    return Run(figures(s), s)


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
