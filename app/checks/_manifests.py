"""Schema validation of rendered manifests, for `deploy.artifacts` (and the tests that validate a bundle).

Kubernetes: strict, against kubernetes-validate's bundled schemas, exactly as
`kubernetes_validate.validate(doc, version, strict=True)` judges, but with the schemas parsed and each
kind's validator built once per process: kubernetes-validate re-reads its 1.8 MB `_definitions.json`
for every document (0.1 s each), which made this check cost ~1 s of CPU while the network checks of
the same run waited for the GIL. Compose: the Compose Specification bundled with check-jsonschema.
YAML is read with libyaml when PyYAML has it. No network.
"""

from __future__ import annotations

import json
import re
import threading
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import yaml

COMPOSE_SCHEMA = ("check_jsonschema", "builtin_schemas/vendor/compose-spec.json")
K8S_SCHEMAS = ("kubernetes_validate", "kubernetes-json-schema")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_LOCK = threading.Lock()  # one thread builds a validator; the others then share it


def package_dir(name: str) -> Path:
    """Where an installed package's files are, without importing it (kubernetes_validate and
    check_jsonschema import jsonschema, click and more at package level: ~0.5 s)."""
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(name)
    return Path(next(iter(spec.submodule_search_locations)))


def _major_minor(version: str) -> str:
    return re.sub(r"^(\d+\.\d+).*", r"\1", version)


@cache
def k8s_versions() -> tuple[str, ...]:
    """The Kubernetes versions kubernetes-validate bundles schemas for, oldest first."""
    from packaging.version import Version

    names = [p.name for p in (package_dir(K8S_SCHEMAS[0]) / K8S_SCHEMAS[1]).iterdir()]
    found = {re.sub(r"^v([^-]*).*", r"\1", n) for n in names if re.match(r"^v([^-]*).*", n)}
    return tuple(sorted(found, key=Version))


def latest_k8s_version() -> str:
    return k8s_versions()[-1]


def _read_json(*parts: str) -> Any:
    return json.loads(package_dir(K8S_SCHEMAS[0]).joinpath(*parts).read_text(encoding="utf-8"))


@cache
def _registry(schema_dir: str):
    """The `_definitions.json` every kind's schema refers to, as a referencing registry (read once)."""
    from referencing import Registry, Resource

    return Resource.from_contents(_read_json(K8S_SCHEMAS[1], schema_dir, "_definitions.json")) @ Registry()


@cache
def _k8s_validator(schema_dir: str, kind: str, api_version: str):
    """The strict validator of one kind (None when no schema is bundled for it)."""
    import jsonschema
    from referencing import Resource

    try:
        schema = _read_json(K8S_SCHEMAS[1], schema_dir, f"{kind.lower()}-{api_version}.json")
    except FileNotFoundError:
        return None
    registry = Resource.from_contents(schema) @ _registry(schema_dir)
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def _path(parts) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".") or "(document)"


def validate_kubernetes(text: str, version: str | None = None) -> str | None:
    """The first schema error of a multi-document Kubernetes YAML ("Kind/name: path: message"),
    or None. Strict: unknown fields are errors. `version`: default the newest bundled schema."""
    import jsonschema

    version = (version or latest_k8s_version()).removeprefix("v")
    schema_version = [v for v in k8s_versions() if _major_minor(v) <= _major_minor(version)][-1]
    schema_dir = f"v{schema_version}-local-strict"
    for doc in yaml.load_all(text, Loader=_LOADER):
        where = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
        # rbac.authorization.k8s.io/v1 -> rbac-v1 (kubernetes-validate's file names)
        api_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", doc["apiVersion"])
        with _LOCK:
            validator = _k8s_validator(schema_dir, doc["kind"], api_version)
        if validator is None:  # kubernetes-validate's own message (and only then its package: ~0.5 s)
            from kubernetes_validate.utils import SchemaNotFoundError

            missing = SchemaNotFoundError(doc["kind"], _major_minor(version), doc["apiVersion"])
            return f"{where}: {missing.message}"
        try:
            validator.validate(doc)
        except jsonschema.ValidationError as exc:
            return f"{where}: {_path(exc.absolute_path)}: {exc.message}"
    return None


@cache
def compose_schema() -> dict:
    """The Compose Specification schema bundled with check-jsonschema (no network)."""
    package, path = COMPOSE_SCHEMA
    return json.loads((package_dir(package) / path).read_text(encoding="utf-8"))


@cache
def _compose_validator():
    import jsonschema

    schema = compose_schema()
    return jsonschema.validators.validator_for(schema)(schema)


def validate_compose(text: str) -> str | None:
    """The first Compose Specification error ("path: message"), or None."""
    with _LOCK:
        validator = _compose_validator()
    # The most specific error first: a bad value rather than the "unevaluated properties"
    # complaint its parent raises because of it, then the deepest path.
    errors = sorted(
        validator.iter_errors(yaml.load(text, Loader=_LOADER)),
        key=lambda e: (e.validator == "unevaluatedProperties", -len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    return f"{_path(errors[0].absolute_path)}: {errors[0].message}" if errors else None
