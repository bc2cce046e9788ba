"""Report output formats for `wbsetup validate`: text, json (contract shape) and JUnit XML."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from app.checks.engine import Report

ICONS = {"pass": "✔", "warn": "▲", "fail": "✖", "skip": "○", "error": "!"}


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)


def to_text(report: Report) -> str:
    command = "verify" if report.results and all(r.step == "verify" for r in report.results) else "validate"
    lines = [f"wbsetup {command} — profile {report.profile} (requirements: {report.requirements})", ""]
    step = None
    for r in report.results:
        if r.step != step:
            step = r.step
            lines.append(f"[{step}]")
        tag = f"{r.status.upper():5}"
        ignored = " (ignored)" if r.ignored else ""
        first, *more = str(r.message or r.title).split("\n")  # quoted log lines (verify.rollout) stay indented
        lines.append(f"  {ICONS[r.status]} {tag} {r.id}{ignored} — {first}")
        lines += [f"           | {line}" for line in more]
        if r.hint and r.status != "pass":
            lines.append(f"           hint: {r.hint}")
    s = report.summary
    lines += ["", ", ".join(f"{s[k]} {k}" for k in s) + f" in {report.duration_ms} ms"]
    return "\n".join(lines) + "\n"


def to_junit(report: Report) -> str:
    s = report.summary
    suites = ET.Element(
        "testsuites",
        name="wbsetup",
        tests=str(len(report.results)),
        failures=str(s["fail"]),
        errors=str(s["error"]),
        skipped=str(s["skip"]),
        time=f"{report.duration_ms / 1000:.3f}",
    )
    by_step: dict[str, list] = {}
    for r in report.results:
        by_step.setdefault(r.step, []).append(r)
    for step, results in by_step.items():
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"{report.profile}.{step}",
            tests=str(len(results)),
            failures=str(sum(r.status == "fail" for r in results)),
            errors=str(sum(r.status == "error" for r in results)),
            skipped=str(sum(r.status == "skip" for r in results)),
            time=f"{sum(r.duration_ms for r in results) / 1000:.3f}",
        )
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=step, name=r.id, time=f"{r.duration_ms / 1000:.3f}")
            message = str(r.message)  # reports are English
            text = f"{message}\nhint: {r.hint}" if r.hint else message
            if r.status == "fail":
                ET.SubElement(case, "failure", message=message, type="fail").text = text
            elif r.status == "error":
                ET.SubElement(case, "error", message=message, type="error").text = text
            elif r.status == "skip":
                ET.SubElement(case, "skipped", message=message)
            elif r.status == "warn":
                ET.SubElement(case, "system-out").text = f"WARN{' (ignored fail)' if r.ignored else ''}: {text}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


FORMATS = {"text": to_text, "json": to_json, "junit": to_junit}
