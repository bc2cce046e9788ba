"""`python -m bench` (`make bench`): run every benchmark, print a table, write bench/results.json."""

from __future__ import annotations

import json
import platform
import os
import sys
import time
from pathlib import Path

from bench import bundle, concurrency, history, scale, stream_lag, support_bundle, timeouts, web

OUT = Path(__file__).parent / "results.json"


def main() -> int:
    t0 = time.perf_counter()
    results = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    }
    for name, fn in (
        ("concurrency", concurrency.run),
        ("timeouts", timeouts.run),
        ("bundle", bundle.run),
        ("pages", web.pages),
        ("footprint", web.footprint),
        ("streaming", stream_lag.run),
        ("scale", scale.run),
        ("support_bundle", support_bundle.run),
        ("history", history.run),
    ):
        print(f"bench: {name} …", file=sys.stderr, flush=True)
        results[name] = fn()
    results["duration_s"] = round(time.perf_counter() - t0, 1)
    OUT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    c, t, b, p, f, s = (results[k] for k in ("concurrency", "timeouts", "bundle", "pages", "footprint", "streaming"))
    rows = [
        (
            "check concurrency: object_store wall / critical path",
            c["object_store"]["ratio_wall_over_critical_path"],
            "≤ 1.2",
            c["object_store"]["ratio_wall_over_critical_path"] <= 1.2,
        ),
        (
            "check concurrency: object_store wall / slowest check",
            c["object_store"]["ratio_wall_over_slowest"],
            "(chain)",
            None,
        ),
        (
            "check concurrency: 32 independent checks wall / slowest",
            c["synthetic"]["ratio_wall_over_slowest"],
            "≤ 1.2",
            c["synthetic"]["ratio_wall_over_slowest"] <= 1.2,
        ),
        ("timeouts: validate CLI wall / 2 s", t["ratio"], "≤ 1.3", t["ratio"] <= 1.3),
        ("timeouts: engine run / 2 s", round(t["engine_s"] / 2, 3), "≤ 1.3", t["engine_s"] / 2 <= 1.3),
        ("bundle: full profile p50 ms", b["full"]["p50_ms"], "< 50", b["full"]["p50_ms"] < 50),
        ("bundle: long PEM chains p50 ms", b["long_pem_chains"]["p50_ms"], "< 50", b["long_pem_chains"]["p50_ms"] < 50),
        ("pages: bare endpoint req/s (p99 ms)", f"{p['bare']['rps']} ({p['bare']['p99_ms']})", "", None),
        ("pages: step page req/s (p99 ms)", f"{p['step']['rps']} ({p['step']['p99_ms']})", "", None),
        ("pages: review page req/s (p99 ms)", f"{p['review']['rps']} ({p['review']['p99_ms']})", "", None),
        ("pages: step / bare throughput", p["ratio_step"], "≥ 0.5", p["ratio_step"] >= 0.5),
        ("pages: review / bare throughput", p["ratio_review"], "≥ 0.5", p["ratio_review"] >= 0.5),
        ("footprint: start-up to /healthz s", f["startup_s"], "", None),
        ("footprint: RSS MiB start → after 1000 req", f"{f['rss_start_mib']} → {f['rss_after_mib']}", "", None),
        ("footprint: RSS growth from start-up", f["growth"], "≤ 0.10", f["growth"] <= 0.10),
        (
            "footprint: RSS growth after 100-request warm-up",
            f["growth_after_warmup"],
            "≤ 0.10",
            f["growth_after_warmup"] <= 0.10,
        ),
        (
            "streaming: engine's last result → page, hardware, median ms",
            s["hardware"]["median_ms"],
            "≤ 100",
            s["hardware"]["median_ms"] <= 100,
        ),
        (
            "streaming: engine's last result → page, demo deploy, median ms",
            s["deploy"]["median_ms"],
            "≤ 100",
            s["deploy"]["median_ms"] <= 100,
        ),
    ] + scale.rows(results["scale"])
    rows += support_bundle.rows(results["support_bundle"])
    rows += history.rows(results["history"])
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>18}  {'target':>8}  met")
    for label, value, target, ok in rows:
        mark = "" if ok is None else ("yes" if ok else "NO")
        print(f"{label:<{width}}  {str(value):>18}  {target:>8}  {mark}")
    print(
        f"wrote {OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT} in {results['duration_s']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
