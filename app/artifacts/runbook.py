"""Prose artifacts through Jinja: the README runbook and the human-readable check report.

Only prose goes through templates (StrictUndefined: a missing name is a bug, not an empty
string); every command argument that comes from the answers is shell-quoted by the `sh` filter.
The runbook is one skeleton (templates/artifacts/README.md.j2 and its partials) for every language:
its prose is in {% trans %} blocks translated through the UI's gettext catalogs (app/i18n) into
the render's `lang`; commands and code blocks stay outside, the same in every language.
"""

from __future__ import annotations

import shlex
from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app import i18n, requirements
from app.answers import SECRET_PLACEHOLDERS, Answers, get_path
from app.artifacts import images, ops, registry
from app.artifacts.compose import PROJECT_DIR, published_ports, uses_nginx
from app.artifacts.connection import CHART_MYSQL_TLS, mysql_tls, userinfo
from app.artifacts.cors import origin as cors_origin
from app.artifacts.kubernetes import (
    NAME,
    SECRET_NAME,
    SESSION_PLACEHOLDER,
    SESSION_SECRET_NAME,
    TLS_SECRET_NAME,
    image_ref,
)
from app.artifacts.wandb_env import CA_DIR, host_parts, trusted_cas
from app.resources import resource_dir
from app.secret import EnvRef

TEMPLATES = resource_dir("templates") / "artifacts"


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["sh"] = lambda v: shlex.quote(str(v))
    i18n.install(env)  # {% trans %} in the context's `lang` (the UI's catalogs)
    return env


def placeholder_rows(answers: Answers, used: set[str], where: dict[str, list[str]]) -> list[dict]:
    """One row per placeholder in the bundle: name, field, the variable answers.yaml reads, files."""
    rows = []
    for path, name in SECRET_PLACEHOLDERS.items():
        if name not in used:
            continue
        value = get_path(answers, path)
        env = value.env if isinstance(value, EnvRef) else name
        rows.append(
            {
                "name": name,
                "placeholder": "${" + name + "}",
                "field": path,
                "env": env,
                "files": where.get(name, []),
                "derived": False,
            }
        )
    if SESSION_PLACEHOLDER in used:  # not an answer: derived from deploy.redis_url when rendered with it
        rows.append(
            {
                "name": SESSION_PLACEHOLDER,
                "placeholder": "${" + SESSION_PLACEHOLDER + "}",
                "field": "deploy.redis_url",
                "env": "—",
                "files": where.get(SESSION_PLACEHOLDER, []),
                "derived": True,
            }
        )
    if registry.AUTH_PLACEHOLDER in used:  # derived: base64 of user:password; _registry.md.j2 explains it
        rows.append(
            {
                "name": registry.AUTH_PLACEHOLDER,
                "placeholder": "${" + registry.AUTH_PLACEHOLDER + "}",
                "field": "deploy.registry_password",
                "env": "—",
                "files": where.get(registry.AUTH_PLACEHOLDER, []),
                "derived": True,
                "explained": "registry",
            }
        )
    return rows


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def mysql_versions(profile: str) -> dict:
    """What the requirement profile accepts, for the runbook: the expected range and whether
    MySQL 5.7 passes (then SET PERSIST, MySQL 8 only, is not offered as the way)."""
    rules = requirements.load(profile)["database"]["version"]
    status_57 = next(
        (
            r["status"]
            for r in rules["rules"]
            if "below" not in r or _version_tuple("5.7.44") < _version_tuple(r["below"])
        ),
        "fail",
    )
    return {"expected": rules["expected"], "mysql57": status_57 == "pass"}


def runbook(
    answers: Answers, *, files: list[str], placeholders: list[dict], redacted: bool, downloads: dict[str, str]
) -> str:
    """README.md: ordered, copy-pasteable steps for answers.deploy.target in answers.language.
    `downloads`: the archive names of the bundle with secrets and without ("secrets", "redacted")."""
    db, store, tls, d = answers.database, answers.object_store, answers.tls, answers.deploy
    scheme, hostname, port = host_parts(answers)
    ctx = {
        "lang": answers.language,
        "profile": answers.profile,
        "target": d.target,
        "host": answers.host or "",
        "hostname": hostname,
        "redacted": redacted,
        "downloads": downloads,
        "files": files,
        "placeholders": placeholders,
        "image": image_ref(answers),
        "version": d.version,
        "namespace": d.namespace,
        "name": NAME,
        "secret_name": SECRET_NAME,
        "tls_secret_name": TLS_SECRET_NAME,
        "tls_mode": tls.mode,
        "issuer": tls.issuer or "",
        "db": {
            "host": db.host or "",
            "port": db.port,
            "name": db.name,
            "user": db.user,
            "admin": db.admin_user or "root",
        },
        "store": {
            "endpoint": store.endpoint or "",
            "bucket": store.bucket or "",
            "region": store.region,
            "private_ca": bool(store.ca_pem),
        },
        "project_dir": PROJECT_DIR,
        "nginx": uses_nginx(answers),
        "ports": published_ports(answers),
        "has": {
            p: p in files
            for p in (
                "sql/bootstrap.sql",
                "sql/parameters.sql",
                "mysql/wandb.cnf",
                "object-store/cors.json",
                "object-store/minio-setup.sh",
                "docker-compose/.env",
                "report/validation.html",
            )
        },
        "http_host": scheme == "http",
        "requirements": answers.requirements,
        "mysql": mysql_versions(answers.requirements),
        "db_tls": {"mode": db.tls, "value": mysql_tls(answers), "chart": CHART_MYSQL_TLS, "ca": bool(db.ca_pem)},
        # The operator chart's init-db job passes MYSQL_USER to the mysql client undecoded.
        "user_encoded": userinfo(db.user) != db.user,
        "path_style": store.path_style,
        "redis": d.redis_url is not None,
        "replicas": d.replicas,
        "session_secret": SESSION_SECRET_NAME,
        "cas": [f"{CA_DIR}/{f}" for f in trusted_cas(answers)],
        "origin": cors_origin(answers),
        "airgap": images.runbook_context(answers),
        "ops": ops.runbook_context(answers),
        "registry": registry.runbook_context(answers),
    }
    return _env().get_template("README.md.j2").render(ctx)


def report_html(report: dict, *, language: str = "en", answers=None) -> str:
    """report/validation.html: the `validate --format json` report, readable offline. With `answers`,
    the checks that do not apply to the deployment fold into one line per reason (the JSON keeps them)."""
    from app.applicability import fold

    checks, folds = fold(report["checks"], answers) if answers is not None else (report["checks"], [])
    return (
        _env().get_template("validation.html.j2").render(report=report, checks=checks, folds=folds, language=language)
    )
