"""One support bundle, end to end: collect (concurrently, bounded), analyse, redact, archive.

`make_bundle` is what the CLI and the web call (the web in a worker thread, with its own event loop);
`write` puts the archive at `DIR/<profile>-support-<stamp>.tar.gz`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.answers import Answers
from app.run_sync import run_sync
from app.support import analyze, bundle, cluster, collect
from app.support.redact import Redactor

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
COLLECTORS = ("checks", "cluster", "certificates")  # the top-level collectors (progress counts them)


def parse_duration(text: str) -> int:
    """Seconds of "90s", "15m", "2h", "1d", "1h30m"; ValueError naming --since when not a duration."""
    m = _DURATION.match(text.strip())
    if not text.strip() or m is None or not any(m.groups()):
        raise ValueError(f"--since: {text!r} is not a duration such as 30m, 2h or 1d")
    d, h, mi, s = (int(g or 0) for g in m.groups())
    seconds = ((d * 24 + h) * 60 + mi) * 60 + s
    if seconds <= 0:
        raise ValueError("--since: the duration must be more than 0 seconds")
    return seconds


@dataclass
class Made:
    name: str  # <profile>-support-<stamp>.tar.gz
    data: bytes
    analysis: list[dict]  # messages (for the web, translated there)
    redactor: Redactor
    errors: list[dict]
    timings: dict[str, float]


async def collect_all(
    answers: Answers,
    *,
    timeout: float,
    since: int | None = None,
    node_reports: list | None = None,
    history: list | None = None,
    progress: Callable[[str], None] | None = None,
    redactor: Redactor | None = None,
) -> collect.Collection:
    """Every collector at once; the wall time is the slowest one's. With `redactor`, logs are redacted
    as they arrive."""
    col = collect.Collection(progress=progress, redact=redactor.text if redactor is not None else None)
    col.facts["namespace"] = answers.deploy.namespace
    reports = list(node_reports or [])
    collect.node_files(col, reports)
    col.docs["report/history.json"] = list(history or [])
    from app.checks.engine import checks_for

    checks_for(collect.CHECK_STEPS)  # import the check modules now, not inside a timed collector
    t0 = time.perf_counter()
    await asyncio.gather(
        collect.guarded(
            col, "checks", lambda: collect.checks(col, answers, timeout, reports), timeout * (collect.CHECKS_SPAN + 1)
        ),
        collect.guarded(col, "cluster", lambda: cluster.collect(col, answers, timeout, since), timeout * 3 + 2),
        collect.guarded(col, "certificates", lambda: collect.certificates(col, answers, timeout), timeout),
    )
    col.timings["total"] = round(time.perf_counter() - t0, 3)
    return col


def make_bundle(
    answers: Answers,
    *,
    timeout: float = 5.0,
    since: int | None = None,
    node_reports=None,
    history=None,
    progress=None,
    now=None,
) -> Made:
    """Collect, analyse and redact; the archive's bytes (run from synchronous code)."""
    when = now or dt.datetime.now(dt.UTC)
    redactor = Redactor(answers)
    col = run_sync(
        lambda: collect_all(
            answers,
            timeout=timeout,
            since=since,
            node_reports=node_reports,
            history=history,
            progress=progress,
            redactor=redactor,
        )
    )
    analysis = analyze.analyze(col.facts, when)  # over redacted logs: a quoted line holds no secret
    tree = bundle.build(answers, col, analysis, when, redactor)
    return Made(
        bundle.folder(answers.profile, when) + ".tar.gz",
        bundle.archive(tree),
        analysis,
        redactor,
        col.errors,
        col.timings,
    )


def write(made: Made, out_dir: str | os.PathLike) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / made.name
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(made.data)
    return target


def command(args) -> int:
    """`wbsetup support-bundle ANSWERS [--out DIR] [--since DURATION] [--node-report FILE]... [--timeout S]`."""
    import sys

    from app import answers as answers_mod

    if args.timeout <= 0 or args.timeout > 600:
        print("wbsetup: --timeout: a number of seconds between 0 and 600", file=sys.stderr)
        return 2
    try:
        since = parse_duration(args.since) if args.since is not None else None
    except ValueError as exc:
        print(f"wbsetup: {exc}", file=sys.stderr)
        return 2
    answers = answers_mod.load(args.answers).resolved(os.environ, strict=False)
    reports = []
    if args.node_reports:
        from app.probe.reports import load_reports

        reports = load_reports(args.node_reports, answers.profile)
    made = make_bundle(answers, timeout=args.timeout, since=since, node_reports=reports)
    print(write(made, args.out))
    return 0
