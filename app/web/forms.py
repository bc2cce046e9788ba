"""Step forms generated from the answers model (its single source of truth): which fields each step
shows, how each is rendered, and how a submitted form becomes an answers document."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from app.answers import (
    SECRET_FIELDS,
    TLS,
    Answers,
    AnswersError,
    AppNodes,
    Database,
    DatabaseNode,
    Deploy,
    ObjectStore,
    Operations,
    Verify,
    get_path,
    parse_document,
    set_doc_path,
)
from app.i18n.message import N_
from app.secret import EnvRef


@dataclass(frozen=True)
class Section:
    title: str
    prefix: str  # dotted path of the section ("" = top level)
    model: type[BaseModel]
    fields: tuple[str, ...] | None = None  # None = every field of the model
    fold: bool = False  # shown folded (a <details> to open) unless a field has an error: optional extras
    key: str = ""  # names the section in the page (data-testid fold-KEY) when two share a prefix; else the prefix


# One paragraph under each step's title: what the step is for and what the checks do.
STEP_LEADS = {
    "hardware": N_(
        "Size the machines: enter what each application node and the database server have, or measure "
        "them with the one-line probe below. The checks compare them with W&B's requirements."
    ),
    "database": N_(
        "The MySQL server W&B will use. The checks connect from this server as the application user and "
        "read the version, character set, grants and parameters; the bootstrap SQL below creates the "
        "database and the user if they do not exist yet."
    ),
    "object_store": N_(
        "The S3-compatible bucket for W&B's files. Browsers and training nodes upload through presigned "
        "URLs, so the checks also make a presigned round trip and test the bucket's CORS rule for the "
        "W&B host."
    ),
    "tls": N_(
        "The URL users open and its certificate. Paste the PEM certificate chain (leaf first) and its private key, "
        "or choose where TLS is terminated instead."
    ),
    "deploy": N_(
        "Where W&B will run: a Kubernetes cluster (plain manifests or the W&B operator) or a single Docker "
        "host. The bundle on the review page is rendered for this target."
    ),
    "verify": N_(
        "After installing: check the running W&B through the URL users open. The checks reach the host, "
        "judge its certificate, call /healthz and /ready, send a 10 MiB request through the proxy (a 413 "
        "breaks uploads), log in with an API key and compare the running version with the chosen one; on "
        "Kubernetes they read W&B's pods and name why one does not start. Nothing is written to W&B."
    ),
}

# How a select shows a value whose name alone does not explain it (the value itself is what is saved).
OPTION_LABELS = {
    "en": "English",
    "ko": "한국어",
    "current": N_("current — W&B's current requirements (MySQL 8.4, Kubernetes 1.34+)"),
    "baseline-8.0.28": N_("baseline-8.0.28 — the bare-metal guide's rules (MySQL 5.7 or 8.0.28+)"),
}

STEP_TITLES = {
    "hardware": N_("Hardware"),
    "database": N_("Database"),
    "object_store": N_("Object store"),
    "tls": N_("TLS and host"),
    "deploy": N_("Deploy target"),
    "review": N_("Review"),
    "verify": N_("Verify"),
}
AIRGAP_FIELDS = ("registry", "registry_username", "registry_password", "registry_ca_pem", "chart_repo", "chart_version")
# Sized from the Hardware page's advice (app/sizing.py) and rarely changed: folded, opened on an error.
SCALE_FIELDS = ("replicas", "service_type", "cpu_request", "memory_request", "cpu_limit", "memory_limit", "redis_url")
FOLDED_DEPLOY = AIRGAP_FIELDS + SCALE_FIELDS
STEP_SECTIONS: dict[str, list[Section]] = {
    "hardware": [
        Section(N_("Profile"), "", Answers, ("requirements", "language")),
        Section(N_("Application nodes"), "hardware.app", AppNodes),
        Section(N_("Database server"), "hardware.database", DatabaseNode),
    ],
    "database": [Section(N_("MySQL"), "database", Database)],
    "object_store": [Section(N_("S3-compatible object store"), "object_store", ObjectStore)],
    "tls": [Section(N_("W&B host"), "", Answers, ("host",)), Section(N_("TLS"), "tls", TLS)],
    "deploy": [
        Section(N_("Deployment"), "deploy", Deploy, tuple(n for n in Deploy.model_fields if n not in FOLDED_DEPLOY)),
        Section(N_("Replicas and resources"), "deploy", Deploy, SCALE_FIELDS, fold=True, key="deploy-scale"),
        Section(N_("Air-gapped installs"), "deploy", Deploy, AIRGAP_FIELDS, fold=True),
        Section(N_("Day two: backups"), "operations", Operations, fold=True),
        Section(N_("License"), "", Answers, ("license",)),
    ],
    "verify": [Section(N_("After installing"), "verify", Verify)],
}


@dataclass
class Field:
    path: str
    name: str
    title: str
    help: str
    widget: str  # text | number | select | checkbox | password | pem | textarea
    options: tuple[str, ...] = ()
    value: Any = None
    secret_state: str | None = None  # for secrets: "stored", "env:VAR" or None
    required: bool = False
    step: str = "any"


def _widget(annotation: Any, extra: dict) -> tuple[str, tuple[str, ...]]:
    if extra.get("secret"):
        return ("pem" if extra.get("widget") == "pem" else "password"), ()
    if extra.get("widget") == "pem":
        return "pem", ()
    # A bare Literal's args are its values, not types: look at the Literal itself.
    args = (
        [annotation]
        if typing.get_origin(annotation) is Literal
        else [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    )
    for a in args:
        if typing.get_origin(a) is Literal:
            return "select", tuple(str(v) for v in typing.get_args(a))
        if a is bool:
            return "checkbox", ()
        if a in (int, float):
            return "number", ()
    return "text", ()


def fields_for(section: Section, answers: Answers) -> list[Field]:
    out = []
    for name, info in section.model.model_fields.items():
        if section.fields is not None and name not in section.fields:
            continue
        alias = info.alias or name
        path = f"{section.prefix}.{alias}" if section.prefix else alias
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        widget, options = _widget(info.annotation, extra)
        value = get_path(answers, path)
        f = Field(
            path=path, name=path, title=info.title or name, help=info.description or "", widget=widget, options=options
        )
        if path in SECRET_FIELDS:
            f.secret_state = (f"env:{value.env}" if isinstance(value, EnvRef) else "stored") if value else None
        else:
            f.value = value
        args = typing.get_args(info.annotation)
        if float in args or info.annotation is float:
            f.step = "any"
        elif int in args or info.annotation is int:
            f.step = "1"
        out.append(f)
    return out


def step_fields(step: str, answers: Answers) -> list[tuple[Section, list[Field]]]:
    return [(s, fields_for(s, answers)) for s in STEP_SECTIONS[step]]


def apply_form(step: str, stored: Answers, form: dict[str, str]) -> Answers:
    """The answers after the submitted step form; raises AnswersError with field paths.

    Empty inputs unset the key (defaults apply); an empty secret keeps the stored value unless its
    "clear" box is ticked; nothing is saved by this function."""
    doc = stored.to_document(secrets="plain")
    for _section, fields in step_fields(step, stored):
        for f in fields:
            raw = form.get(f.path)
            if f.widget == "checkbox":
                set_doc_path(doc, f.path, raw in ("on", "true", "1"))
                continue
            if f.path in SECRET_FIELDS:
                if form.get(f"{f.path}__clear") in ("on", "true", "1"):
                    set_doc_path(doc, f.path, None)
                elif raw:
                    set_doc_path(doc, f.path, raw.replace("\r\n", "\n") if f.widget == "pem" else raw)
                continue
            if raw is None:
                continue
            raw = raw.replace("\r\n", "\n") if f.widget == "pem" else raw.strip()
            set_doc_path(doc, f.path, raw if raw != "" else None)
    return parse_document(doc)


__all__ = ["STEP_SECTIONS", "STEP_TITLES", "Field", "Section", "apply_form", "step_fields", "AnswersError"]
