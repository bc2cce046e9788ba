"""Factories for tests: answers documents and models, and check runs.

    answers(host="https://wandb.acme", deploy={"target": "kubernetes"})   # an Answers model
    answers_doc(database={"host": "db"})                                 # the document (a dict)
    results(a, only=["tls.chain"])                                       # {check id: Result}
    result(a, "deploy.version")                                          # the one Result

Sections merge one level deep over BASE (`answers_doc(database={"port": 3307})` keeps BASE's host),
so a test names only what it is about; `None` removes a section or key.
"""

from __future__ import annotations

from typing import Any

from app.answers import Answers, parse_document
from app.checks.engine import run_checks_sync

# A complete-enough installation: every step has the inputs its offline checks need.
BASE: dict[str, Any] = {
    "schema": 1,
    "profile": "test",
    "host": "https://wandb.example.com",
    "database": {"host": "db.example.com", "password": "pw"},
    "object_store": {
        "endpoint": "https://s3.example.com",
        "bucket": "wandb-files",
        "access_key": "AK",
        "secret_key": "SK",
    },
}
MINIMAL: dict[str, Any] = {"schema": 1, "profile": "test"}


def answers_doc(base: dict | None = None, **sections: Any) -> dict:
    """BASE (or `base`) with `sections` merged one level deep; a None value removes the key."""
    doc = {k: (dict(v) if isinstance(v, dict) else v) for k, v in (BASE if base is None else base).items()}
    for key, value in sections.items():
        if value is None:
            doc.pop(key, None)
        elif isinstance(value, dict) and isinstance(doc.get(key), dict):
            merged = {**doc[key], **value}
            doc[key] = {k: v for k, v in merged.items() if v is not None}
        else:
            doc[key] = value
    return doc


def answers(base: dict | None = None, **sections: Any) -> Answers:
    """The Answers model of answers_doc(base, **sections)."""
    return parse_document(answers_doc(base, **sections))


def results(a: Answers, *, timeout: float = 10.0, **run: Any) -> dict:
    """{check id: Result} of one run (`only=[…]`, `steps=[…]`, `node_reports=…` as run_checks_sync takes)."""
    return {r.id: r for r in run_checks_sync(a, timeout=timeout, **run).results}


def result(a: Answers, check_id: str, *, timeout: float = 10.0, **run: Any):
    """The Result of the one check `check_id`."""
    (only,) = run_checks_sync(a, only=[check_id], timeout=timeout, **run).results
    return only
