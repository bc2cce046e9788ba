"""deploy.version, deploy.resources, deploy.artifacts (§4.5); the quantity parser: tests/test_facts.py."""

import pytest

from app.artifacts import kubernetes
from app.checks.deploy import validate_compose, validate_kubernetes
from tests import factories as f


def answers(deploy=None, **top):
    return f.answers(**top, deploy=deploy or {})


@pytest.mark.parametrize(
    "version,status",
    [
        pytest.param("0.70.0", "pass", id="pinned"),
        pytest.param("latest", "warn", id="latest"),
        pytest.param("LATEST", "warn", id="latest-any-case"),
        pytest.param(None, "skip", id="missing"),
    ],
)
def test_version(version, status):
    result = f.result(answers({"version": version} if version else {}), "deploy.version", timeout=30)
    assert result.status == status
    if status == "warn":
        assert "deploy.version" in str(result.hint)


@pytest.mark.parametrize(
    "deploy,memory_gib,status,needle",
    [
        pytest.param({}, None, "pass", "cpu 2/4", id="defaults"),
        pytest.param({"cpu_request": "500m", "cpu_limit": "1"}, None, "pass", "500m", id="milli-below-whole"),
        pytest.param({"cpu_request": "4", "cpu_limit": "4000m"}, None, "pass", "", id="equal-in-other-units"),
        pytest.param(
            {"cpu_request": "4", "cpu_limit": "2"}, None, "fail", "cpu request 4 > limit 2", id="cpu-request-above"
        ),
        pytest.param(
            {"memory_request": "9Gi", "memory_limit": "8Gi"},
            None,
            "fail",
            "memory request 9Gi > limit 8Gi",
            id="memory-request-above",
        ),
        pytest.param({"memory_request": "8G", "memory_limit": "8Gi"}, None, "pass", "", id="8G-below-8Gi"),
        pytest.param(
            {"memory_request": "8Gi", "memory_limit": "8G"}, None, "fail", "memory request", id="8Gi-above-8G"
        ),
        pytest.param({"memory_limit": "16Gi"}, 8, "warn", "above the application node's 8 GiB", id="limit-above-node"),
        pytest.param({"memory_limit": "8Gi"}, 8, "pass", "", id="limit-equals-node"),
    ],
)
def test_resources(deploy, memory_gib, status, needle):
    hw = {"app": {"memory_gib": memory_gib}} if memory_gib else {}
    result = f.result(answers(deploy, hardware=hw), "deploy.resources", timeout=30)
    assert result.status == status, result.message
    assert needle in str(result.message)


def test_artifacts_pass_for_every_target_and_tls_mode():
    for target in ("kubernetes", "helm-operator", "docker-compose"):
        for tls in (
            {"mode": "provided", "cert_pem": "C", "key_pem": "K"},
            {"mode": "cert-manager", "issuer": "le"},
            {"mode": "external"},
            {"mode": "none"},
        ):
            result = f.result(answers({"target": target, "version": "0.70.0"}, tls=tls), "deploy.artifacts", timeout=30)
            assert result.status == "pass", (target, tls, result.message)


def test_artifacts_pass_with_nothing_but_the_profile():
    result = f.result(f.answers(f.MINIMAL), "deploy.artifacts", timeout=30)
    assert result.status == "pass", result.message


def test_artifacts_fail_names_the_first_error_path(monkeypatch):
    real = kubernetes.deployment

    def broken(a):  # fault injection: a field Kubernetes does not know
        doc = real(a)
        doc["spec"]["template"]["spec"]["containers"][0]["resource"] = {}
        return doc

    monkeypatch.setattr(kubernetes, "deployment", broken)
    result = f.result(answers({"version": "0.70.0"}), "deploy.artifacts", timeout=30)
    assert result.status == "fail"
    assert str(result.message).startswith("kubernetes/wandb.yaml: Deployment/wandb: spec.template.spec.containers[0]")
    assert "resource" in str(result.message)


@pytest.mark.parametrize(
    "text,needle",
    [
        pytest.param(
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: x}]}\n",
            "Service/s: spec.ports[0].port",
            id="wrong-type",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: n, colour: red}\n",
            "Namespace/n: metadata",
            id="unknown-field-strict",
        ),
    ],
)
def test_validate_kubernetes_reports_path(text, needle):
    assert needle in validate_kubernetes(text)


@pytest.mark.parametrize(
    "text,needle",
    [
        pytest.param("services: {wandb: {image: x, expose: 8080}}\n", "services.wandb.expose", id="wrong-type"),
        pytest.param("services: {wandb: {image: x, colour: red}}\n", "services.wandb", id="unknown-key"),
        pytest.param("servces: {}\n", "(document)", id="unknown-top-level"),
    ],
)
def test_validate_compose_reports_path(text, needle):
    assert validate_compose(text).startswith(needle)


def test_validate_compose_accepts_valid():
    assert validate_compose("services: {wandb: {image: x, ports: ['8080:8080']}}\n") is None
