"""Each step's state for the stepper, and the unresolved failures the Next button explains."""

from __future__ import annotations

from app.answers import STEPS, Answers
from app.checks.engine import worst
from app.store import Store
from app.web import runs


def stepper(
    store: Store, answers: Answers, *, latest: dict | None = None, ignores: dict | None = None
) -> dict[str, str]:
    """step → "new" | "saved" | a check status (the worst of its latest results). `latest`/`ignores`:
    what the page already read (once per request)."""
    doc = answers.to_document()
    blank = Answers(schema=1, profile=answers.profile).to_document()  # type: ignore[call-arg]  # alias, run-time Secret defaults; what "nothing entered yet" looks like
    out = {}
    latest = store.latest_results(answers.profile) if latest is None else latest
    ignores = store.ignores(answers.profile) if ignores is None else ignores
    plain = answers.to_document(secrets="plain") if latest else None
    for step in STEPS:
        rows, _ = runs.rows(store, answers, step, latest=latest, ignores=ignores, doc=plain)
        status = worst(r.status for r in rows if r.status not in ("never", "pending", "skip"))
        if status:
            out[step] = status
        else:
            ran = any(r.status == "skip" for r in rows)
            out[step] = "saved" if ran or doc.get(step) != blank.get(step) else "new"
    return out


def unresolved(rows) -> list:
    return [r for r in rows if r.status in ("fail", "error")]
