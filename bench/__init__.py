"""wbsetup's benchmark suite (`make bench`): ratios and percentiles measured in one run on this machine.

Every server the bench starts listens on 127.0.0.1 on a free port and is stopped before the bench
returns; every load run is bounded (a request count or a few seconds).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 20.0) -> float:
    """Poll `url` until it answers 200; return the seconds waited. Raises on timeout."""
    import httpx

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.01)
    raise TimeoutError(f"{url} did not answer within {timeout:g} s")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def bench_env(**extra: str) -> dict[str, str]:
    """The environment for product subprocesses: this checkout's `app` first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WBSETUP_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(extra)
    return env


@contextmanager
def process(args: list[str], env: dict[str, str] | None = None, **kw):
    """Run a subprocess for the duration of the block; always terminated (then killed) at the end."""
    proc = subprocess.Popen(
        args, env=env or bench_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def rss_kib(pid: int) -> int:
    """Resident set size of `pid` in KiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")
