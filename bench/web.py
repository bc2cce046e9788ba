"""Page speed and footprint of `wbsetup serve` (a subprocess on a free loopback port).

Page speed: requests/s and p99 latency of a step page and of the review page, 50 concurrent clients,
against a bare Starlette endpoint rendering a comparable Jinja template (bench/bare_app.py) in the
same run. Load comes from `wrk` when installed (C, so the client does not steal the server's CPU on
a 2-core machine), else from an asyncio httpx pool. Footprint: start-up time to the first /healthz,
RSS after start-up and after 1,000 requests.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.artifacts.serialize import dump_yaml
from bench import PY, ROOT, bench_env, free_port, percentile, process, rss_kib, wait_http
from bench.registry import Figure, Run, benchmark

TOKEN = "bench-login-token-0123456789abcdef"
CLIENTS = 50
DURATION = 4  # seconds of load per page (bounded)
PROFILE = "bench"
ANSWERS = {
    "schema": 1,
    "profile": PROFILE,
    "requirements": "current",
    "host": "https://wandb.bench.invalid",
    "license": {"env": "BENCH_LICENSE"},
    "hardware": {"app": {"nodes": 2, "cpu_cores": 8, "memory_gib": 32.0}},
    "database": {
        "host": "mysql.bench.invalid",
        "port": 3306,
        "name": "wandb_local",
        "user": "wandb_local",
        "password": {"env": "BENCH_DB_PASSWORD"},
        "tls": "preferred",
    },
    "object_store": {
        "endpoint": "https://s3.bench.invalid:9000",
        "bucket": "wandb-files",
        "region": "us-east-1",
        "access_key": "AKIABENCHEXAMPLE",
        "secret_key": {"env": "BENCH_S3_SECRET"},
        "path_style": True,
    },
    "tls": {"mode": "cert-manager", "issuer": "letsencrypt"},
    "deploy": {"target": "kubernetes", "version": "0.70.0", "namespace": "wandb"},
}


@contextmanager
def wizard(data_dir: Path):
    """`wbsetup serve` on a free port with the bench profile imported; yields (proc, url, startup_s)."""
    env = bench_env(
        WBSETUP_DATA_DIR=str(data_dir),
        WBSETUP_TOKEN=TOKEN,
        BENCH_LICENSE="bench-license",
        BENCH_DB_PASSWORD="bench-db-password",
        BENCH_S3_SECRET="bench-s3-secret-key",
    )
    answers = data_dir / "answers.yaml"
    answers.write_text(dump_yaml(ANSWERS), encoding="utf-8")
    subprocess.run(
        [PY, "-m", "app", "import", str(answers)], env=env, cwd=ROOT, check=True, capture_output=True, timeout=60
    )
    port = free_port()
    t0 = time.perf_counter()
    with process([PY, "-m", "app", "serve", "--port", str(port)], env=env) as proc:
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/healthz", timeout=60)  # start-up takes over 20 s on a loaded 2-core machine
        yield proc, url, time.perf_counter() - t0


def login(url: str) -> str:
    """The session cookie header value after GET /login?token=…"""
    with httpx.Client(base_url=url, timeout=10) as c:
        r = c.get(f"/login?token={TOKEN}", follow_redirects=False)
        if r.status_code != 303:
            raise RuntimeError(f"login failed: {r.status_code}")
        return "; ".join(f"{k}={v}" for k, v in c.cookies.items())


def _wrk(url: str, cookie: str | None) -> dict:
    args = ["wrk", "-t2", f"-c{CLIENTS}", f"-d{DURATION}s", "--latency", "--timeout", "10s"]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=DURATION + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": round(rps, 1),
        "p99_ms": round(float(p99.group(1)) * scale, 1),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else "",
        "driver": "wrk",
    }


async def _pool(
    url: str, cookie: str | None, *, total: int | None = None, seconds: float | None = None, clients: int = CLIENTS
) -> dict:
    """`clients` workers sharing one httpx pool; stop after `total` requests or `seconds`."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    headers = {"Cookie": cookie} if cookie else {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    deadline = time.perf_counter() + (seconds or 1e9)
    remaining = [total if total is not None else 1 << 62]

    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=10) as client:

        async def worker():
            while remaining[0] > 0 and time.perf_counter() < deadline:
                remaining[0] -= 1
                t = time.perf_counter()
                r = await client.get(url)
                latencies.append(time.perf_counter() - t)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - t0
    return {
        "rps": round(len(latencies) / wall, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "non_2xx": sum(n for s, n in statuses.items() if not 200 <= s < 400),
        "driver": "httpx",
    }


def load(url: str, cookie: str | None) -> dict:
    """Load `url` with 50 clients for DURATION seconds; rps, p99 and the response size."""
    size = len(httpx.get(url, headers={"Cookie": cookie} if cookie else {}, timeout=10).content)
    stats = _wrk(url, cookie) if shutil.which("wrk") else asyncio.run(_pool(url, cookie, seconds=DURATION))
    return {**stats, "bytes": size}


def pages() -> dict:
    """Target: each wizard page ≥ 0.5 × the bare endpoint's requests/s."""
    with tempfile.TemporaryDirectory(prefix="wbsetup-bench-") as tmp:
        bare_port = free_port()
        with process([PY, "-m", "bench.bare_app", str(bare_port)]):
            bare_url = f"http://127.0.0.1:{bare_port}"
            wait_http(f"{bare_url}/healthz")
            bare = load(f"{bare_url}/", None)
        with wizard(Path(tmp)) as (_, url, _):
            cookie = login(url)
            step = load(f"{url}/p/{PROFILE}/database", cookie)
            review = load(f"{url}/p/{PROFILE}/review", cookie)
    return {
        "bare": bare,
        "step": step,
        "review": review,
        "ratio_step": round(step["rps"] / bare["rps"], 3),
        "ratio_review": round(review["rps"] / bare["rps"], 3),
        "target": 0.5,
    }


def footprint(requests: int = 1000) -> dict:
    """Start-up to first /healthz; RSS after start-up and after `requests` step-page requests (≤ +10 %)."""
    with tempfile.TemporaryDirectory(prefix="wbsetup-bench-") as tmp, wizard(Path(tmp)) as (proc, url, startup):
        rss_start = rss_kib(proc.pid)
        cookie = login(url)
        page = f"{url}/p/{PROFILE}/database"
        stats = asyncio.run(_pool(page, cookie, total=100, clients=10))
        rss_warm = rss_kib(proc.pid)  # first requests import page code, compile templates/SQL: not a leak
        stats2 = asyncio.run(_pool(page, cookie, total=requests - 100, clients=10))
        stats["non_2xx"] += stats2["non_2xx"]
        rss_end = rss_kib(proc.pid)
    return {
        "startup_s": round(startup, 3),
        "rss_start_mib": round(rss_start / 1024, 1),
        "rss_after_mib": round(rss_end / 1024, 1),
        "requests": requests,
        "non_2xx": stats["non_2xx"],
        "rss_after_100_mib": round(rss_warm / 1024, 1),
        "growth": round(rss_end / rss_start - 1, 3),
        "growth_after_warmup": round(rss_end / rss_warm - 1, 3),
        "target_growth": 0.10,
    }


@benchmark("pages")
def pages_benchmark() -> Run:
    p = pages()
    return Run(
        [
            Figure("pages: bare endpoint", p["bare"]["rps"], "req/s", "", f"p99 {p['bare']['p99_ms']} ms"),
            Figure("pages: step page", p["step"]["rps"], "req/s", "", f"p99 {p['step']['p99_ms']} ms"),
            Figure("pages: review page", p["review"]["rps"], "req/s", "", f"p99 {p['review']['p99_ms']} ms"),
            Figure("pages: step / bare throughput", p["ratio_step"], "×", "≥ 0.5", f"{CLIENTS} clients"),
            Figure("pages: review / bare throughput", p["ratio_review"], "×", "≥ 0.5"),
        ],
        p,
    )


@benchmark("footprint")
def footprint_benchmark() -> Run:
    f = footprint()
    return Run(
        [
            Figure("footprint: start-up to first /healthz", f["startup_s"], "s", ""),
            Figure(
                "footprint: RSS growth from start-up (1,000 requests)",
                f["growth"],
                "×",
                "≤ 0.10",
                f"{f['rss_start_mib']} → {f['rss_after_mib']} MiB; counts warm-up",
            ),
            Figure("footprint: RSS growth after a 100-request warm-up", f["growth_after_warmup"], "×", "≤ 0.10"),
        ],
        f,
    )
