"""What a support bundle collects, and how: every collector has its own timeout and none is fatal.

A collector is an async function filling a `Collection` (documents by bundle path, texts, facts for the
analyzers). `guarded` runs one with its timeout; a failure or timeout becomes an `errors.json` entry
naming the collector and the cause, never an exception. `collect` runs them all concurrently, so the
bundle's wall time is that of its slowest collector, and a dead cluster costs one timeout (the cluster
collector probes the API server first, app/support/cluster.py).

Collected data is not redacted here: app/support/bundle.py redacts every file before anything is written.
"""

from __future__ import annotations

import asyncio
import platform
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from app.answers import DEFAULT_STEPS, Answers

CHECK_STEPS = [*DEFAULT_STEPS, "verify"]
CHECKS_SPAN = 3  # the check run may take this many timeouts (dependency chains), then it is cut short


@dataclass
class Collection:
    """Everything collected: JSON documents and texts by their path in the bundle, facts, errors."""

    docs: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # collector -> seconds
    started: float = field(default_factory=time.time)
    progress: Callable[[str], None] | None = None  # called with each collector's name as it finishes
    redact: Callable[[str], str] | None = None  # texts redacted as they are collected (logs: while others wait)
    redacted: set[str] = field(default_factory=set)  # paths of `texts` already redacted

    def error(self, collector: str, error: str) -> None:
        self.errors.append({"collector": collector, "error": str(error)})


def describe(exc: BaseException) -> str:
    """A one-line cause of a collector's failure."""
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return "timed out"
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def guarded(col: Collection, name: str, fn: Callable[[], Awaitable[Any]], timeout: float) -> Any:
    """Run one collector within `timeout` seconds; on failure record it in `col.errors` and return None."""
    t0 = time.perf_counter()
    try:
        return await asyncio.wait_for(fn(), timeout)
    except TimeoutError:
        col.error(name, f"timed out after {format(timeout, 'g')} s")
    except Exception as exc:  # a collector's failure is recorded, never fatal
        col.error(name, describe(exc))
    finally:
        col.timings[name] = round(time.perf_counter() - t0, 3)
        if col.progress is not None:
            col.progress(name)
    return None


# --- collectors -----------------------------------------------------------------------------------
async def checks(col: Collection, answers: Answers, timeout: float, node_reports: list) -> None:
    """A fresh run of every step and verify (`validate --format json`'s shape). The run is cut short after
    CHECKS_SPAN timeouts: what finished is kept, the rest is reported as `error`."""
    from app.checks.engine import Report, Result, checks_for, run_checks

    finished: list[Result] = []
    task = asyncio.ensure_future(
        run_checks(answers, steps=CHECK_STEPS, timeout=timeout, node_reports=node_reports, on_result=finished.append)
    )
    t0 = time.perf_counter()
    limit = timeout * CHECKS_SPAN + 1
    await asyncio.wait({task}, timeout=limit)  # not wait_for: cancelling the run is done below, quietly
    if task.done():
        report = task.result()  # a run that crashed raises here: guarded() records it
    else:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)  # whatever the cancelled run raises stays here
        done = {r.id for r in finished}
        missing = [
            Result(c.id, c.step, "error", c.title, f"not finished within the support bundle's {limit:g} s")
            for c in checks_for(CHECK_STEPS)
            if c.id not in done
        ]
        report = Report(
            answers.profile, answers.requirements, finished + missing, int((time.perf_counter() - t0) * 1000)
        )
        col.error("checks", f"the check run did not finish within {limit:g} s; unfinished checks are errors")
    doc = report.to_dict()
    col.docs["report/validation.json"] = doc
    # the analyzers quote a check's message and hint: as messages, so the page shows them in its language
    col.facts["checks"] = [
        {**d, "message": r.message, "hint": r.hint} for r, d in zip(report.results, doc["checks"], strict=True)
    ]


def wbsetup_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wbsetup")
    except PackageNotFoundError:  # a checkout that was never installed
        return "unknown"


def versions(col: Collection, answers: Answers) -> dict:
    """versions.json (§6.1), from what the other collectors found."""
    checks = {c["id"]: c for c in col.facts.get("checks", [])}
    running = (
        checks.get("verify.version", {}).get("observed")
        if checks.get("verify.version", {}).get("status") in ("pass", "warn")
        else None
    )
    if running is None:
        running = _image_version(col.facts.get("pods") or [])
    kube = col.facts.get("version") or {}
    mysql = checks.get("database.version", {}).get("observed")
    return {
        "wbsetup": wbsetup_version(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "requirements": answers.requirements,
        "target": answers.deploy.target,
        "deploy_version": answers.deploy.version,
        "running_version": str(running) if running else None,
        "kubernetes": kube.get("gitVersion"),
        "mysql": str(mysql) if mysql else None,
    }


def _image_version(pods: list[dict]) -> str | None:
    """The tag of the wandb/local (or operator chart's app) image a running pod uses."""
    for pod in pods:
        for c in (pod.get("status") or {}).get("containerStatuses") or []:
            image = str(c.get("image") or "")
            if re.search(r"(^|/)(local|megabinary)[:@]", image) and ":" in image.rsplit("/", 1)[-1]:
                return image.rsplit(":", 1)[1]
    return None


async def certificates(col: Collection, answers: Answers, timeout: float = 5.0) -> None:
    """The validity of the answers' certificates and of the one W&B's address serves (a certificate that
    cert-manager or a proxy in front issued is in no answer); the analyzers warn 30 days ahead."""
    from cryptography import x509

    found: list[dict] = []
    for source in ("tls.cert_pem", "tls.ca_pem", "database.ca_pem", "object_store.ca_pem"):
        section, key = source.split(".")
        pem = getattr(getattr(answers, section, None), key, None)
        if not pem:
            continue
        try:
            certs = x509.load_pem_x509_certificates(str(pem).encode())
        except ValueError as exc:
            col.error("certificates", f"{source}: {describe(exc)}")
            continue
        found.extend(_certificate(cert, source) for cert in certs)
    col.facts["certificates"] = found  # before the network: a guard's timeout keeps what the answers hold
    served = await _served(col, answers, timeout * 0.8)
    if served is not None:
        found.append(served)


def _certificate(cert, source: str, served_by: str | None = None) -> dict:
    """One certificate's facts; `served_by` is HOST:PORT for the one W&B's address serves."""
    from cryptography import x509

    cn = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return {
        "source": source,
        "subject": str(cn[0].value) if cn else cert.subject.rfc4514_string(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "served_by": served_by,
    }


async def _served(col: Collection, answers: Answers, timeout: float) -> dict | None:
    """The leaf certificate `host` serves (https only), or None; a failure is recorded, not fatal."""
    from urllib.parse import urlsplit

    from app.checks._served import served_certificate

    parts = urlsplit(answers.host or "")
    if parts.scheme != "https" or not parts.hostname:
        return None
    where = f"{parts.hostname}:{parts.port or 443}"
    try:
        got = await asyncio.to_thread(
            served_certificate, parts.hostname, parts.port or 443, timeout=timeout, cadata=answers.tls.ca_pem
        )
    except Exception as exc:  # noqa: BLE001 — the address may not answer yet: recorded, the rest goes on
        col.error("certificates", f"served by {where}: {describe(exc)}")
        return None
    return _certificate(got.cert, f"served by {where}", served_by=where)


def node_files(col: Collection, reports: list[dict]) -> None:
    """nodes/<node>.json: one file per node report."""
    for report in reports:
        name = re.sub(r"[^A-Za-z0-9._-]", "_", str(report.get("node") or "node"))[:200]
        path = f"nodes/{name}.json"
        n = 2
        while path in col.docs:
            path, n = f"nodes/{name}-{n}.json", n + 1
        col.docs[path] = report
