"""deploy.artifacts' schema validation (app/checks/_manifests.py) judges exactly as kubernetes-validate
does (strict), with its schemas read and its validators built once: same verdict and same message
for every document, valid or not, and for repeated calls (the cached validators keep no state)."""

from __future__ import annotations

import re

import kubernetes_validate
import pytest
import yaml

from app.answers import parse_document
from app.artifacts.bundle import COMPOSE, build_bundle, build_file
from app.checks import _manifests
from app.checks.deploy import validate_kubernetes
from tests.factories import BASE


def _reference(text: str, version: str) -> str | None:
    """The judgement as app/checks/deploy.py made it with kubernetes-validate itself (before caching)."""
    for doc in yaml.safe_load_all(text):
        where = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.utils.ValidationError as exc:
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in exc.absolute_path).lstrip(".")
            return f"{where}: {path or '(document)'}: {exc.message}"
        except kubernetes_validate.utils.SchemaNotFoundError as exc:
            return f"{where}: {exc.message}"
    return None


def _bundle_manifest() -> str:
    answers = parse_document({**BASE, "deploy": {"target": "kubernetes", "version": "0.70.0", "replicas": 1}})
    return build_bundle(answers, redact=True)["kubernetes/wandb.yaml"].decode()


BROKEN = [
    pytest.param(lambda t: t, id="valid"),
    pytest.param(lambda t: t.replace("containerPort: 8080", "containerPort: eighty"), id="wrong-type"),
    pytest.param(
        lambda t: re.sub(r"(?m)^(\s*)replicas: 1$", r"\1replicas: 1\n\1colour: red", t, count=1), id="unknown"
    ),
    pytest.param(lambda t: t + "---\napiVersion: acme.io/v1\nkind: Widget\nmetadata: {name: w}\n", id="no-schema"),
    pytest.param(lambda t: "apiVersion: v1\nkind: Namespace\nmetadata: {name: n, colour: red}\n", id="namespace"),
]


@pytest.mark.parametrize("version", [None, "1.29.0"])
@pytest.mark.parametrize("change", BROKEN)
def test_same_verdict_and_message_as_kubernetes_validate(change, version):
    text = change(_bundle_manifest())
    expected = _reference(text, version or kubernetes_validate.utils.latest_version())
    assert validate_kubernetes(text, version) == expected
    assert validate_kubernetes(text, version) == expected  # again, from the cached validators


def test_the_broken_cases_are_broken():
    """The parameters above really exercise errors (a test that compares two Nones proves little)."""
    base = _bundle_manifest()
    outcomes = [validate_kubernetes(p.values[0](base)) for p in BROKEN]
    assert outcomes[0] is None and all(outcomes[1:]), outcomes


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


def test_versions_and_the_check_file_match_the_bundle():
    assert _manifests.latest_k8s_version() == kubernetes_validate.utils.latest_version()
    assert list(_manifests.k8s_versions()) == sorted(set(kubernetes_validate.utils.all_versions()), key=_key)
    answers = parse_document({**BASE, "deploy": {"target": "kubernetes", "version": "0.70.0"}})
    tree = build_bundle(answers, redact=True)
    for path in ("kubernetes/wandb.yaml", COMPOSE):
        assert build_file(answers, path, redact=True) == tree[path]
