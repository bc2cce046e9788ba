"""Air-gapped installs (SPEC §2 deploy.registry/chart_repo/chart_version, §6 images.txt, "Air-gapped"):
every image of every artifact comes from the registry, proven for the operator chart with a real
`helm template` of W&B's operator-wandb chart; the CR pins the internal chart; replicas spread."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from app.answers import parse_document
from app.artifacts.bundle import build_bundle
from app.artifacts.images import chart_path, mirror
from app.checks.deploy import validate_kubernetes
from tests import factories as f

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = "registry.acme.internal:5000/mirror"
BASE = f.answers_doc(
    f.MINIMAL,
    profile="airgap",
    host="https://wandb.acme.internal",
    license="lic",
    database={"host": "mysql.acme.internal", "password": "pw"},
    object_store={
        "endpoint": "https://s3.acme.internal:9000",
        "bucket": "wandb-files",
        "access_key": "AK",
        "secret_key": "SK",
    },
    tls={"mode": "cert-manager", "issuer": "letsencrypt"},
)


def answers(tls=None, **deploy):
    doc = {**BASE, "deploy": {"version": "0.70.0", "registry": REGISTRY, **deploy}}
    if tls:
        doc["tls"] = tls
    return parse_document(doc)


def _helm() -> str:
    return str(ROOT / ".test-deps/bin/helm") if (ROOT / ".test-deps/bin/helm").exists() else shutil.which("helm") or ""


def _chart() -> Path | None:
    for base in (os.environ.get("WBSETUP_UPSTREAM"), str(ROOT.parent / "shared/upstream"), "/work/shared/upstream"):
        if base and (Path(base) / "operator-wandb-0.43.8.tgz").exists():
            return Path(base) / "operator-wandb-0.43.8.tgz"
    return None


def helm_template(values: str, tmp_path: Path, *extra: str) -> list[dict]:
    helm, chart = _helm(), _chart()
    if not helm or chart is None:
        pytest.skip("helm or ../shared/upstream/operator-wandb-0.43.8.tgz not found (make test installs helm)")
    (tmp_path / "values.yaml").write_text(values)
    out = subprocess.run(
        [helm, "template", "wandb", str(chart), "-f", str(tmp_path / "values.yaml"), *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def pod_images(docs: list[dict], *, tests: bool = True) -> dict[str, str]:
    """{kind/name/container: image} of every container and init container rendered; `tests=False`
    leaves out `helm test` hooks (upgrade hooks, which do run in a deployment, stay in)."""
    found = {}
    for doc in docs:
        hook = str((doc.get("metadata", {}).get("annotations") or {}).get("helm.sh/hook", ""))
        if not tests and "test" in hook.split(","):
            continue
        spec = doc.get("spec") or {}
        for pod in (
            spec,
            (spec.get("template") or {}).get("spec") or {},
            (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec") or {},
        ):
            for c in (pod.get("containers") or []) + (pod.get("initContainers") or []):
                found[f"{doc['kind']}/{doc['metadata']['name']}/{c['name']}"] = c["image"]
    return found


@pytest.mark.parametrize(
    "image,expected",
    [
        pytest.param("wandb/local:0.70.0", f"{REGISTRY}/wandb/local:0.70.0", id="docker-hub-path"),
        pytest.param("nginx:1.27", f"{REGISTRY}/nginx:1.27", id="official-image"),
        pytest.param("docker.io/bitnamilegacy/redis:7", f"{REGISTRY}/bitnamilegacy/redis:7", id="host-dropped"),
        pytest.param("quay.io/x/y:1", f"{REGISTRY}/x/y:1", id="other-host-dropped"),
        pytest.param("localhost:5000/w/l:1", f"{REGISTRY}/w/l:1", id="localhost-port-host"),
        pytest.param(f"{REGISTRY}/wandb/local:1", f"{REGISTRY}/wandb/local:1", id="already-mirrored"),
    ],
)
def test_mirror_maps_one_reference(image, expected):
    assert mirror(image, REGISTRY) == expected
    assert mirror(image, None) == image


def test_chart_path_leaves_the_prefix_to_the_chart():
    assert chart_path("wandb/local", REGISTRY) == "wandb/local"
    assert chart_path(f"{REGISTRY}/wandb/local", REGISTRY) == "wandb/local"
    assert chart_path("wandb/local", None) == "wandb/local"


@pytest.mark.parametrize(
    "tls", [None, {"mode": "provided", "cert_pem": "C", "key_pem": "K"}], ids=["no-nginx", "nginx"]
)
def test_every_kubernetes_and_compose_image_comes_from_the_registry_and_is_listed(tls):
    tree = build_bundle(answers(tls=tls), redact=True)
    listed = tree["images.txt"].decode().splitlines()
    k8s = [
        c["image"]
        for d in yaml.safe_load_all(tree["kubernetes/wandb.yaml"])
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
    ]
    compose = [s["image"] for s in yaml.safe_load(tree["docker-compose/docker-compose.yaml"])["services"].values()]
    used = set(k8s) | set(compose)
    assert used == set(listed)
    assert listed == sorted(listed)
    assert all(i.startswith(REGISTRY + "/") for i in listed)
    assert f"{REGISTRY}/wandb/local:0.70.0" in listed
    assert (f"{REGISTRY}/nginx:1.27" in listed) == bool(tls)


def test_without_registry_images_are_the_public_ones():
    a = parse_document({**BASE, "deploy": {"version": "0.70.0"}})
    assert build_bundle(a, redact=True)["images.txt"] == b"wandb/local:0.70.0\n"


def test_real_chart_renders_every_image_from_the_registry_with_the_app_tag(tmp_path):
    tree = build_bundle(answers(target="helm-operator"), redact=True)
    docs = helm_template(tree["helm/values.yaml"].decode(), tmp_path)
    images = pod_images(docs, tests=False)
    assert len(images) >= 10, images  # app, console, redis, weave, otel, parquet, upgrade hooks, …
    assert any(k.startswith("Job/") for k in images), "upgrade hooks are checked too"
    outside = {k: v for k, v in images.items() if not v.startswith(REGISTRY + "/")}
    assert outside == {}
    app = [v for k, v in images.items() if k.startswith("Deployment/wandb-app")]
    assert app and set(app) == {f"{REGISTRY}/wandb/local:0.70.0"}
    # `helm test` hooks are the only images outside: they never run in a deployment.
    all_images = pod_images(docs)
    assert {k for k, v in all_images.items() if not v.startswith(REGISTRY)} == set(all_images) - set(images)


def test_real_chart_without_registry_renders_public_images(tmp_path):
    a = parse_document({**BASE, "deploy": {"version": "0.70.0", "target": "helm-operator"}})
    docs = helm_template(build_bundle(a, redact=True)["helm/values.yaml"].decode(), tmp_path)
    images = pod_images(docs, tests=False)
    assert "wandb/local:0.70.0" in images.values()
    assert not any(v.startswith(REGISTRY) for v in images.values())


def test_cr_pins_the_internal_chart():
    a = answers(target="helm-operator", chart_repo="https://charts.acme.internal/wandb", chart_version="0.43.8")
    cr = yaml.safe_load(build_bundle(a, redact=True)["helm/wandb-cr.yaml"])
    assert cr["spec"]["chart"] == {
        "url": "https://charts.acme.internal/wandb",
        "name": "operator-wandb",
        "version": "0.43.8",
    }
    assert cr["spec"]["values"]["global"]["repositoryPrefix"] == REGISTRY


def test_cr_version_only_pins_the_public_chart_and_nothing_leaves_it_unset():
    cr = yaml.safe_load(build_bundle(answers(chart_version="0.43.8"), redact=True)["helm/wandb-cr.yaml"])
    assert cr["spec"]["chart"] == {"url": "https://charts.wandb.ai", "name": "operator-wandb", "version": "0.43.8"}
    cr = yaml.safe_load(build_bundle(answers(), redact=True)["helm/wandb-cr.yaml"])
    assert "chart" not in cr["spec"]


@pytest.mark.parametrize("replicas", [1, 3])
def test_replicas_spread_over_nodes_with_a_disruption_budget(replicas):
    a = answers(replicas=replicas, redis_url="redis://redis.acme.internal:6379/0")
    text = build_bundle(a, redact=True)["kubernetes/wandb.yaml"].decode()
    for version in ("1.29.0", "1.33.0"):
        assert validate_kubernetes(text, version) is None
    docs = list(yaml.safe_load_all(text))
    (dep,) = [d for d in docs if d["kind"] == "Deployment"]
    pdbs = [d for d in docs if d["kind"] == "PodDisruptionBudget"]
    pod = dep["spec"]["template"]["spec"]
    if replicas == 1:
        assert pdbs == [] and "topologySpreadConstraints" not in pod
        return
    (tsc,) = pod["topologySpreadConstraints"]
    assert tsc["topologyKey"] == "kubernetes.io/hostname"
    assert tsc["labelSelector"]["matchLabels"] == dep["spec"]["selector"]["matchLabels"]
    (pdb,) = pdbs
    assert pdb["spec"]["selector"]["matchLabels"] == dep["spec"]["selector"]["matchLabels"]
    assert pdb["spec"]["maxUnavailable"] == 1
    assert pdb["metadata"]["namespace"] == dep["metadata"]["namespace"]
