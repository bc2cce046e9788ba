"""Upgrade preflight (SPEC §4.7, step `upgrade`): the running version from the cluster (Kubernetes API
stand-in), the direction with numeric version order (0.9.0 < 0.10.0), a downgrade refused with the
restore hint, and the target's requirements re-judged on the live servers."""

from __future__ import annotations

import pytest

from app.artifacts.kubernetes import LABELS
from app.change.drift_run import desired_objects
from app.checks.upgrade import version_key
from app.demo.kube_served import served
from tests import factories as f
from tests.services.kube_pods import pod


def test_versions_compare_numerically():
    assert version_key("0.9.0") < version_key("0.10.0") < version_key("v0.10.1") < version_key("1.0")
    assert version_key("0.10.0-rc1") < version_key("0.10.0") and version_key("latest") is None
    assert version_key("v0.70.0") == version_key("0.70.0") and version_key("0.70.0-custom.1") == version_key("0.70")


def _answers(kubeconfig: str, version: str, target: str = "kubernetes"):
    return f.answers(
        f.MINIMAL,
        profile="acme-prod",
        deploy={"target": target, "version": version, "namespace": "wandb", "kubeconfig": kubeconfig},
    )


def _install(kube, running: str, target: str = "kubernetes"):
    installed = _answers(kube.kubeconfig(), running, target)
    kube.state.objects = [served(o, i) for i, o in enumerate(desired_objects(installed))]
    kube.state.pods = [pod("wandb-0", LABELS, image=f"wandb/local:{running}")]


def _results(answers):
    return f.results(answers, steps=["upgrade"], timeout=3)


@pytest.mark.parametrize(
    ("running", "target", "status", "words"),
    [
        ("0.9.0", "0.10.0", "pass", "upgrade from 0.9.0 to 0.10.0"),
        ("0.70.0", "0.70.0", "pass", "already running 0.70.0"),
        ("0.10.0", "0.9.0", "fail", "older than the running 0.10.0"),
        ("0.70.0", "latest", "warn", "not pinned"),
    ],
)
def test_direction(kube, running, target, status, words):
    _install(kube, running)
    results = _results(_answers(kube.kubeconfig(), target))
    assert results["upgrade.running"].status == "pass" and results["upgrade.running"].observed == running
    direction = results["upgrade.direction"]
    assert direction.status == status and words in str(direction.message)
    if status == "fail":
        assert "ops/restore-mysql.sh" in str(direction.hint) and "previous bundle" in str(direction.hint)
    writes = [(m, p) for m, p in kube.state.requests if m != "GET" and "selfsubjectaccessreviews" not in p]
    assert writes == []  # read-only (an access review only asks what the credentials may do)


def test_helm_operator_reads_the_pods(kube):
    _install(kube, "0.71.0", "helm-operator")
    results = _results(_answers(kube.kubeconfig(), "0.72.0", "helm-operator"))
    assert results["upgrade.running"].observed == "0.71.0" and results["upgrade.direction"].status == "pass"


def test_not_installed_and_nothing_to_read(kube):
    results = _results(_answers(kube.kubeconfig(), "0.72.0"))  # no Deployment in the cluster
    assert results["upgrade.running"].status == "skip" and "not installed" in str(results["upgrade.running"].message)
    assert results["upgrade.direction"].status == "skip"
    bare = f.answers(f.MINIMAL, profile="x", deploy={"target": "docker-compose", "version": "0.72.0"})
    results = _results(bare)
    assert results["upgrade.running"].status == "skip" and "verify.api_key" in str(results["upgrade.running"].message)
    assert results["upgrade.requirements"].status == "skip"


def test_requirements_judged_on_the_live_cluster(kube):
    _install(kube, "0.70.0")
    kube.state.version = "v1.27.3"  # below what the current requirements accept
    results = _results(_answers(kube.kubeconfig(), "0.71.0"))
    req = results["upgrade.requirements"]
    assert req.status == "fail" and "deploy.cluster.version" in str(req.message)
    kube.state.version = "v1.34.1"
    assert _results(_answers(kube.kubeconfig(), "0.71.0"))["upgrade.requirements"].status == "pass"


@pytest.mark.parametrize(("target", "apply"), [("kubernetes", "kubectl apply -f kubernetes/wandb.yaml"),
                                               ("helm-operator", "--set airgapped=true"),
                                               ("docker-compose", "sudo systemctl restart wandb.service")])  # fmt: skip
def test_runbook_has_the_upgrade_section(target, apply):
    from app.artifacts.bundle import build_bundle

    answers = f.answers(f.MINIMAL, profile="acme", deploy={"target": target, "version": "0.71.0"})
    readme = build_bundle(answers, redact=True)["README.md"].decode()
    section = readme.split("## Upgrade (changing the W&B version)", 1)[1].split("\n## ", 1)[0]
    for step in ("ops/", "gzip -t", "wbsetup diff deployed/ answers.yaml", "wbsetup validate answers.yaml --step upgrade",
                 apply, "wbsetup verify answers.yaml", "restore-mysql.sh"):  # fmt: skip
        assert step in section
    # the roll-back says how W&B is stopped: on helm-operator the operator first (it would start W&B again)
    rollback = section.split("**Roll back**", 1)[1]
    stop = {
        "kubernetes": ["kubectl -n wandb scale deployment/wandb --replicas=0"],
        "helm-operator": ["kubectl -n wandb-cr scale deployment --all --replicas=0",
                          "kubectl -n wandb scale deployment,statefulset --all --replicas=0",
                          "kubectl apply -f deployed/helm/wandb-cr.yaml",
                          "kubectl -n wandb-cr scale deployment --all --replicas=1"],
        "docker-compose": ["docker compose -f /opt/wandb/docker-compose.yaml stop"],
    }[target]  # fmt: skip
    for command in stop:
        assert command in rollback, command


def test_upgrade_has_no_wizard_page(client):
    client.create("acme")
    assert client.get("/p/acme/upgrade").status_code == 404


@pytest.mark.parametrize(("target", "code", "status"), [("0.72.0", 0, "pass"), ("0.70.0", 1, "fail")])
def test_the_cli_step_upgrade(kube, tmp_path, target, code, status):
    """`wbsetup validate ANSWERS --step upgrade`, as the runbook's Upgrade section runs it: the kubeconfig from
    the environment ({env: WANDB_KUBECONFIG}), only the upgrade step's checks, exit 1 on a downgrade."""
    import json
    import os
    import subprocess
    import sys

    import yaml

    _install(kube, "0.71.0")
    deploy = {
        "target": "kubernetes",
        "version": target,
        "namespace": "wandb",
        "kubeconfig": {"env": "WANDB_KUBECONFIG"},
    }
    doc = f.answers_doc(f.MINIMAL, profile="acme-prod", deploy=deploy)
    (tmp_path / "answers.yaml").write_text(yaml.safe_dump(doc))
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")} | {"WANDB_KUBECONFIG": kube.kubeconfig()}
    r = subprocess.run(
        [sys.executable, "-m", "app", "validate", "answers.yaml", "--step", "upgrade", "--format", "json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == code, r.stderr
    checks = {c["id"]: c for c in json.loads(r.stdout)["checks"]}
    assert {c["step"] for c in checks.values()} == {"upgrade"}
    assert checks["upgrade.running"]["observed"] == "0.71.0" and checks["upgrade.direction"]["status"] == status


API_KEY = "local-upgrade" + "k" * 30


@pytest.mark.parametrize(
    ("key", "running", "direction", "words"),
    [
        (API_KEY, "pass", "pass", "upgrade from 0.70.0 to 0.72.0"),
        ("local-wrong" + "k" * 30, "error", "skip", "without a version"),
    ],
)
def test_docker_compose_reads_the_running_version_from_serverinfo(wandb_site, key, running, direction, words):
    """No cluster: the running version comes from W&B's GraphQL serverInfo, with the API key, through real
    nginx running the bundle's nginx.conf in front of the W&B stand-in (which reports 0.70.0)."""
    host, ca_pem, _ = wandb_site(API_KEY, version="0.70.0")
    a = f.answers(
        f.MINIMAL,
        profile="acme",
        host=host,
        tls={"mode": "provided", "ca_pem": ca_pem},
        deploy={"target": "docker-compose", "version": "0.72.0"},
        verify={"api_key": key},
    )
    results = _results(a)
    assert results["upgrade.running"].status == running, results["upgrade.running"].message
    assert results["upgrade.direction"].status == direction, results["upgrade.direction"].message
    said = results["upgrade.direction" if running == "pass" else "upgrade.running"].message
    assert words in str(said)
    if running == "pass":
        assert results["upgrade.running"].observed == "0.70.0"
