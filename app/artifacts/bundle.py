"""The bundle (§6): every artifact for every target, the runbook for the chosen one.

`build_bundle` returns the tree in memory (the review page previews and downloads it);
`write_bundle` writes it as a directory or one deterministic archive (`wbsetup render`). Both give
the same bytes for the same answers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from app.answers import Answers
from app.artifacts import compose, cors, helm, images, kubernetes, ops, runbook, sql
from app.artifacts.manifest import ARCHIVERS, MANIFEST, manifest
from app.artifacts.redact import finish, mask, scrub
from app.artifacts.serialize import dump_yaml

COMPOSE = "docker-compose/docker-compose.yaml"
ENV_FILE = "docker-compose/.env"
REPORT_JSON, REPORT_HTML = "report/validation.json", "report/validation.html"
REGISTRY_SECRET = "helm/registry-secret.yaml"
OPTIONAL = (ENV_FILE, REPORT_JSON, REPORT_HTML, REGISTRY_SECRET)  # removed from an out dir when not rendered


def _builders() -> dict[str, Callable[[Answers], str | None]]:
    return {
        COMPOSE: compose.compose_yaml,
        "docker-compose/wandb.service": compose.systemd_unit,
        "docker-compose/nginx.conf": compose.nginx_conf,
        "kubernetes/wandb.yaml": kubernetes.kubernetes_yaml,
        "helm/values.yaml": helm.values_yaml,
        "helm/wandb-cr.yaml": helm.cr_yaml,
        REGISTRY_SECRET: helm.registry_secret_yaml,  # None (not written) without registry credentials
        "sql/bootstrap.sql": sql.bootstrap_sql,
        "sql/parameters.sql": sql.parameters_sql,
        "mysql/wandb.cnf": sql.mysql_cnf,
        "object-store/cors.xml": cors.cors_xml,
        "object-store/cors.json": cors.cors_json,
        "object-store/minio-setup.sh": cors.minio_setup_sh,
        "images.txt": images.images_txt,
        **ops.BUILDERS,
    }


DEMO_NOTICE = (
    "> **DEMO — simulated infrastructure.** Rendered by `wbsetup demo` against stand-ins on "
    "loopback; do not deploy these files.\n\n"
)


def build_bundle(
    answers: Answers, *, redact: bool = False, report: dict | None = None, demo: bool = False
) -> dict[str, bytes]:
    """The bundle tree: {path: content}, sorted by path.

    `answers` should have its {env: …} references resolved unless `redact`; a secret that is
    absent or unresolved renders as its placeholder `${NAME}` (see app.artifacts.redact).
    `demo`: rendered by `wbsetup demo`; README.md opens with the DEMO notice (paths unchanged)."""
    masked = mask(answers, redact=redact)
    texts: dict[str, str] = {}
    used: set[str] = set()
    where: dict[str, list[str]] = {}
    for path, build in _builders().items():
        built = build(masked)
        if built is None:
            continue
        texts[path], names = finish(built)
        used |= names
        for name in names:
            where.setdefault(name, []).append(path)
    texts.update(compose.ca_files(masked))  # PEM of public CAs: nothing to redact
    interpolated = compose.interpolated(texts[COMPOSE])
    if interpolated:
        texts[ENV_FILE] = compose.env_file(interpolated)
    texts["answers.yaml"] = dump_yaml(answers.to_document(secrets="refs"))
    if report is not None:
        report_json = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
        report_page = runbook.report_html(report, language=answers.language, answers=answers)
        if redact:  # free text from drivers: scrub what the schema cannot place
            report_json, report_page = scrub(report_json, answers), scrub(report_page, answers)
        texts[REPORT_JSON], texts[REPORT_HTML] = report_json, report_page
    files = sorted([*texts, "README.md", MANIFEST])
    rows = runbook.placeholder_rows(answers, used, {k: sorted(v) for k, v in where.items()})
    texts["README.md"] = runbook.runbook(answers, files=files, placeholders=rows, redacted=redact)
    if demo:
        texts["README.md"] = DEMO_NOTICE + texts["README.md"]
    tree = {path: texts[path].encode("utf-8") for path in sorted(texts)}
    tree[MANIFEST] = manifest(tree)
    return dict(sorted(tree.items()))


def file_mode(path: str, redact: bool) -> int:
    """A bundle with secrets is readable by its owner only; scripts are executable."""
    if path.endswith(".sh"):
        return 0o755 if redact else 0o700
    return 0o644 if redact else 0o600


def write_bundle(
    answers: Answers, out_dir, *, redact: bool = False, archive: str | None = None, report: dict | None = None
) -> Path:
    """Write the bundle into `out_dir` (created), or with `archive` ("zip" | "tar.gz") one archive
    `out_dir/<profile>-bundle.<archive>` holding the tree. Returns the directory or archive path."""
    tree = build_bundle(answers, redact=redact, report=report)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if archive is not None:
        if archive not in ARCHIVERS:
            raise ValueError(f"archive must be one of {', '.join(ARCHIVERS)}")
        target = out / f"{answers.profile}-bundle.{archive}"
        data = ARCHIVERS[archive](tree, lambda p: file_mode(p, redact))
        _write(target, data, file_mode(target.name, redact))
        return target
    stale = [*OPTIONAL, *(f"{compose.CA_BUNDLE_DIR}/{p.name}" for p in (out / compose.CA_BUNDLE_DIR).glob("*.pem"))]
    for path in stale:
        if path not in tree and (out / path).is_file():
            (out / path).unlink()  # stale from an earlier render: the manifest must describe the dir
    for path, data in tree.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        _write(target, data, file_mode(path, redact))
    return out


def _write(target: Path, data: bytes, mode: int) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, target)
