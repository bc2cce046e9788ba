"""The support bundle's files and archive (SPEC §6.1): one folder `<profile>-support-<stamp>/` in a
tar.gz, every file redacted (app/support/redact.py) before anything is written, README.md with the
analysis as a table first."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from app.answers import Answers
from app.artifacts.manifest import targz_bytes
from app.artifacts.serialize import dump_yaml
from app.support.collect import Collection, versions
from app.support.redact import Redactor

STAMP = "%Y%m%dT%H%M%SZ"


def folder(profile: str, when: dt.datetime) -> str:
    return f"{profile}-support-{when.astimezone(dt.UTC).strftime(STAMP)}"


def _json(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def readme(
    answers: Answers,
    col: Collection,
    analysis: list[dict],
    files: list[str],
    when: dt.datetime,
    version: str,
    counts: dict,
) -> str:
    icon = {"fail": "FAIL", "warn": "WARN", "pass": "ok"}
    lines = [
        f"# Support bundle: {answers.profile}",
        "",
        "## Analysis",
        "",
        "| status | what | finding | what to do |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {icon[a['status']]} | {_cell(a['title'])} | {_cell(a['message'])} | {_cell(a['hint'])} |" for a in analysis
    ]
    if not analysis:
        lines.append("| — | — | nothing could be analysed (see the failed collectors) | — |")
    lines += [
        "",
        "## Collected",
        "",
        f"- when: {when.astimezone(dt.UTC).strftime('%Y-%m-%d %H:%M:%S')} UTC, in {col.timings.get('total', 0):g} s",
        f"- by: wbsetup {version}",
        f"- target: {answers.deploy.target}; namespace: {answers.deploy.namespace}; cluster: {col.facts.get('cluster', 'not read')}",
        "- every file is redacted: secrets are named placeholders such as `${WANDB_DB_PASSWORD}` "
        "(counts by kind in redaction.json; the values are never in this archive)",
        "",
        "| file | |",
        "|---|---|",
    ]
    lines += [f"| {path} | |" for path in sorted(files)]
    lines += ["", "## Collectors that failed", ""]
    if col.errors:
        lines += ["| collector | error |", "|---|---|"]
        lines += [f"| {_cell(e['collector'])} | {_cell(e['error'])} |" for e in col.errors]
    else:
        lines.append("none")
    slow = sorted(((n, s) for n, s in col.timings.items() if n != "total"), key=lambda kv: -kv[1])[:5]
    if slow:
        lines += ["", "Slowest collectors: " + ", ".join(f"{n} {s:g} s" for n, s in slow)]
    if counts:
        lines += ["", "Redacted: " + ", ".join(f"{k} × {v}" for k, v in sorted(counts.items()))]
    return "\n".join(lines) + "\n"


def english(analysis: list[dict]) -> list[dict]:
    return [{k: str(v) for k, v in a.items()} for a in analysis]


def build(
    answers: Answers, col: Collection, analysis: list[dict], when: dt.datetime, redactor: Redactor
) -> dict[str, bytes]:
    """{path inside the archive: bytes}, every file redacted, under the one top folder."""
    docs: dict[str, Any] = dict(col.docs)
    docs["versions.json"] = versions(col, answers)
    docs["analysis.json"] = english(analysis)
    docs.setdefault("report/history.json", [])
    texts: dict[str, str] = {"answers.yaml": dump_yaml(answers.to_document(secrets="refs")), **col.texts}
    out: dict[str, str] = {}
    for path, doc in docs.items():
        out[path] = redactor.text(_json(redactor.data(doc)))
    for path, text in texts.items():
        out[path] = text if path in col.redacted else redactor.text(text)  # logs: redacted as collected
    errors = redactor.data(col.errors)  # an error text could quote a secret, too
    out["errors.json"] = _json(errors)
    red = dict(sorted(redactor.counts.items()))
    out["redaction.json"] = _json(red)
    shown = [{**a, **{k: redactor.text(str(a[k])) for k in ("title", "message", "hint")}} for a in english(analysis)]
    col.errors = errors
    out["README.md"] = redactor.text(
        readme(answers, col, shown, [*out, "README.md"], when, docs["versions.json"]["wbsetup"], red)
    )
    top = folder(answers.profile, when)
    return {f"{top}/{path}": text.encode("utf-8") for path, text in out.items()}


def archive(tree: dict[str, bytes]) -> bytes:
    return targz_bytes(tree, lambda p: 0o644, level=6)  # logs compress well at 6; 9 costs twice the time
