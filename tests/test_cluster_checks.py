"""deploy.cluster.* against the Kubernetes API stand-in (tests/services/kube_standin.py)."""

from __future__ import annotations

import pytest

from app.answers import parse_document
from app.checks.engine import checks_for, run_checks_sync
from tests import factories as f
from tests.services.kube_standin import node

CLUSTER_IDS = [c.id for c in checks_for(["deploy"]) if c.id.startswith("deploy.cluster.")]
DEPENDANTS = [i for i in CLUSTER_IDS if i != "deploy.cluster.connect"]


def run(kubeconfig: str | None, timeout: float = 3.0, requirements: str = "current", **deploy) -> dict:
    """Run the cluster checks; {id: Result}."""
    tls = deploy.pop("tls", {"mode": "provided"})
    doc = f.answers_doc(
        f.MINIMAL, profile="kube-test", requirements=requirements, tls=tls, deploy={"target": "kubernetes", **deploy}
    )
    if kubeconfig is not None:
        doc["deploy"]["kubeconfig"] = kubeconfig
    report = run_checks_sync(parse_document(doc), only=CLUSTER_IDS, timeout=timeout)
    return {r.id: r for r in report.results}


def test_a_good_cluster_passes_every_check(kube):
    kube.state.issuers = {"letsencrypt": True}
    results = run(kube.kubeconfig(), target="helm-operator", tls={"mode": "cert-manager", "issuer": "letsencrypt"})
    assert {i: r.status for i, r in results.items()} == {i: "pass" for i in CLUSTER_IDS}
    assert results["deploy.cluster.connect"].observed == "v1.34.1"
    assert results["deploy.cluster.nodes"].observed == {"amd64": 2}


def test_checks_are_read_only(kube):
    run(kube.kubeconfig(), target="helm-operator")
    writes = [(m, p) for m, p in kube.state.requests if m != "GET"]
    assert writes and all(p.endswith("/selfsubjectaccessreviews") for _, p in writes)


@pytest.mark.parametrize(
    "make, cause",
    [
        pytest.param(lambda k, port: k.kubeconfig(token="wrong-token-123"), "unauthorised (401)", id="wrong-token"),
        pytest.param(lambda k, port: k.kubeconfig(trusted=False), "TLS: the API server certificate", id="untrusted-ca"),
        pytest.param(
            lambda k, port: k.kubeconfig(server=f"https://127.0.0.1:{port}"), "connection refused", id="refused"
        ),
    ],
)
def test_connect_names_the_cause_and_dependants_skip(kube, closed_port, make, cause):
    results = run(make(kube, closed_port))
    connect = results["deploy.cluster.connect"]
    assert connect.status == "fail" and cause in str(connect.message)
    assert connect.hint
    assert all(results[i].status == "skip" and "deploy.cluster.connect" in str(results[i].message) for i in DEPENDANTS)


@pytest.mark.parametrize("how", ["standin-silent", "tcp-silent"])
def test_a_silent_api_server_times_out_within_the_timeout(kube, silent_port, how):
    if how == "standin-silent":
        kube.state.silent = True
        text = kube.kubeconfig()
    else:
        text = kube.kubeconfig(server=f"https://127.0.0.1:{silent_port}")
    connect = run(text, timeout=1.0)["deploy.cluster.connect"]
    # Our own budget fired (the runner's timeout would be an `error` without a cause): no wall clock.
    assert connect.status == "fail" and "timed out" in str(connect.message)
    assert connect.observed == "timeout"


def test_client_certificate_authentication(kube):
    import base64

    cert, key = kube.client_cert()
    user = {
        "client-certificate-data": base64.b64encode(cert.encode()).decode(),
        "client-key-data": base64.b64encode(key.encode()).decode(),
    }
    assert run(kube.kubeconfig(user=user))["deploy.cluster.connect"].status == "pass"


def test_exec_plugin_kubeconfig_is_refused_clearly(kube):
    user = {
        "exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws", "args": ["eks", "get-token"]}
    }
    connect = run(kube.kubeconfig(user=user))["deploy.cluster.connect"]
    assert connect.status == "fail"
    assert "not supported here: use a token or client certificate" in str(connect.message)
    assert not kube.state.requests  # refused before any request


def test_context_selection_picks_the_named_context(kube, closed_port):
    text = kube.kubeconfig(contexts=[("first", f"https://127.0.0.1:{closed_port}"), ("second", kube.url)])
    assert run(text)["deploy.cluster.connect"].status == "fail"  # current-context: first
    assert run(text, context="second")["deploy.cluster.connect"].status == "pass"
    missing = run(text, context="third")["deploy.cluster.connect"]
    assert missing.status == "fail" and "first, second" in str(missing.message)


@pytest.mark.parametrize("target", ["kubernetes", "helm-operator"])
def test_without_kubeconfig_every_cluster_check_says_what_to_provide(target):
    results = run(None, target=target)
    assert all(r.status == "skip" and "deploy.kubeconfig" in str(r.message) for r in results.values())


def test_docker_compose_target_skips_the_cluster(kube):
    results = run(kube.kubeconfig(), target="docker-compose")
    assert all(r.status == "skip" for r in results.values())
    assert not kube.state.requests


@pytest.mark.parametrize(
    "requirements, version, status",
    [
        pytest.param("current", "v1.35.0", "pass", id="current-1.35"),
        pytest.param("current", "v1.34.1", "pass", id="current-1.34"),
        pytest.param("current", "v1.33.5", "warn", id="current-1.33"),
        pytest.param("current", "v1.29.0", "warn", id="current-1.29"),
        pytest.param("current", "v1.28.15", "fail", id="current-1.28"),
        pytest.param("baseline-8.0.28", "v1.19.0", "pass", id="baseline-1.19"),
        pytest.param("baseline-8.0.28", "v1.27.3-gke.100", "pass", id="baseline-1.27-vendor"),
        pytest.param("baseline-8.0.28", "v1.18.20", "fail", id="baseline-1.18"),
    ],
)
def test_version_rules_per_requirement_profile(kube, requirements, version, status):
    kube.state.version = version
    result = run(kube.kubeconfig(), requirements=requirements)["deploy.cluster.version"]
    assert result.status == status and result.observed == version
    assert (str(result.hint) != "") == (status != "pass")


@pytest.mark.parametrize(
    "nodes, replicas, status, observed, words",
    [
        pytest.param(
            [node("a1", "arm64"), node("a2", "arm64")], 1, "fail", {"arm64": 2}, "x86-64 only", id="arm64-only"
        ),
        pytest.param([node("n1"), node("n2")], 3, "warn", {"amd64": 2}, "only 2", id="too-few"),
        pytest.param(
            [node("n1"), node("small", cpu="1")], 2, "warn", {"amd64": 2}, "allocatable cpu 1", id="one-too-small"
        ),
        pytest.param([node("n1", memory="2Gi")], 1, "fail", {"amd64": 1}, "allocatable memory 2Gi", id="memory"),
        pytest.param(
            [
                node("n1", ready=False),
                node("n2", unschedulable=True),
                node("cp", taints=[{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]),
            ],
            1,
            "fail",
            {"amd64": 3},
            "not Ready",
            id="not-ready-cordoned-tainted",
        ),
        pytest.param(
            [node("n1"), node("n2"), node("a1", "arm64")], 2, "pass", {"amd64": 2, "arm64": 1}, "2 nodes", id="mixed"
        ),
    ],
)
def test_nodes(kube, nodes, replicas, status, observed, words):
    kube.state.nodes = nodes
    result = run(kube.kubeconfig(), replicas=replicas, cpu_request="2", memory_request="4Gi")["deploy.cluster.nodes"]
    assert (result.status, result.observed) == (status, observed)
    assert words in str(result.message)


@pytest.mark.parametrize(
    "denied, namespaces, target, status, words",
    [
        pytest.param(set(), {"wandb"}, "kubernetes", "pass", "secrets, services", id="all-allowed"),
        pytest.param({"secrets"}, {"wandb"}, "kubernetes", "fail", "create secrets", id="secrets-denied"),
        pytest.param(
            {"weightsandbiases.apps.wandb.com"},
            {"wandb"},
            "helm-operator",
            "fail",
            "create weightsandbiases.apps.wandb.com",
            id="operator-cr-denied",
        ),
        pytest.param({"namespaces"}, set(), "kubernetes", "fail", "create namespaces", id="namespace-missing-denied"),
        pytest.param(set(), set(), "kubernetes", "pass", "does not exist yet", id="namespace-missing-allowed"),
    ],
)
def test_permissions(kube, denied, namespaces, target, status, words):
    kube.state.denied, kube.state.namespaces = denied, namespaces
    result = run(kube.kubeconfig(), target=target)["deploy.cluster.permissions"]
    assert result.status == status and words in str(result.message)
    if status == "fail":
        assert "kubectl create rolebinding" in str(result.hint)


@pytest.mark.parametrize(
    "classes, forbidden, status, words",
    [
        pytest.param(["nginx", "traefik"], set(), "pass", "exists", id="present"),
        pytest.param(["traefik", "haproxy"], set(), "fail", "existing: traefik, haproxy", id="missing"),
        pytest.param([], {"ingressclasses"}, "warn", "forbidden", id="forbidden"),
    ],
)
def test_ingress_class(kube, classes, forbidden, status, words):
    kube.state.classes, kube.state.forbidden = classes, forbidden
    result = run(kube.kubeconfig())["deploy.cluster.ingress_class"]
    assert result.status == status and words in str(result.message)


@pytest.mark.parametrize(
    "target, crd, status",
    [
        pytest.param("helm-operator", "Established", "pass", id="present"),
        pytest.param("helm-operator", None, "fail", id="absent"),
        pytest.param("helm-operator", "pending", "fail", id="not-established"),
        pytest.param("kubernetes", None, "skip", id="other-target"),
    ],
)
def test_operator(kube, target, crd, status):
    kube.state.crd = crd
    result = run(kube.kubeconfig(), target=target)["deploy.cluster.operator"]
    assert result.status == status
    if crd is None and status == "fail":
        assert "helm upgrade --install operator wandb/operator -n wandb-cr --create-namespace" in str(result.hint)


@pytest.mark.parametrize(
    "tls, issuers, installed, status, words",
    [
        pytest.param({"mode": "cert-manager", "issuer": "le"}, {"le": True}, True, "pass", "Ready", id="ready"),
        pytest.param(
            {"mode": "cert-manager", "issuer": "le"}, {"le": False}, True, "warn", "not Ready", id="not-ready"
        ),
        pytest.param({"mode": "cert-manager", "issuer": "le"}, {}, True, "fail", "absent", id="absent"),
        pytest.param(
            {"mode": "cert-manager", "issuer": "le"}, {}, False, "fail", "not installed", id="no-cert-manager"
        ),
        pytest.param({"mode": "provided"}, {}, True, "skip", "not used", id="other-mode"),
    ],
)
def test_cert_manager(kube, tls, issuers, installed, status, words):
    kube.state.issuers, kube.state.cert_manager = issuers, installed
    result = run(kube.kubeconfig(), tls=tls)["deploy.cluster.cert_manager"]
    assert result.status == status and words in str(result.message)
