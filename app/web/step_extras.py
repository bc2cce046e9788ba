"""Per-step additions to the step page (measured hardware, bootstrap SQL, CORS preview, node reports)."""

from __future__ import annotations

from app.answers import Answers
from app.store import Store


def extras_for(request, store: Store, answers: Answers, step: str) -> dict:
    fn = globals().get(f"_{step}")
    return {"extras": fn(request, store, answers) if fn else {}}


def _hardware(request, store: Store, answers: Answers) -> dict:
    req = __import__("app.requirements", fromlist=["load"]).load(answers.requirements)
    return {"measurements": store.measurements(answers.profile), "requirement": req["hardware"]}
