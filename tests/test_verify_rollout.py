"""`verify.rollout` against the Kubernetes API stand-in (tests/services/kube_standin.py + kube_pods.py):
W&B's pods found by the labels the bundle sets (kubernetes) or through the operator chart's workloads
(helm-operator, from a real `helm template` of operator-wandb), each failure named with its cause, log
lines quoted with every secret scrubbed, and nothing but reads sent to the cluster."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from app.answers import parse_document
from app.artifacts.bundle import build_bundle
from app.artifacts.kubernetes import LABELS
from app.checks.engine import run_checks_sync
from tests import factories as f
from tests.services.kube_pods import pod, scheduling_event, workloads_from_chart

ROOT = Path(__file__).resolve().parent.parent
CHART = Path("/work/shared/upstream/operator-wandb-0.43.8.tgz")
HELM = ROOT / ".test-deps" / "bin" / "helm"
DB_PASSWORD = "p@ss/w:rd+Zq 9%"  # appears percent-encoded inside the MYSQL URL W&B logs
LICENSE = "lic-eyJhbGciOiJSUzI1NiJ9.secret-license-body"


def answers(kube, *, target: str = "kubernetes", kubeconfig: str | None = None, **deploy):
    doc = f.answers_doc(
        f.MINIMAL,
        profile="rollout",
        host="https://wandb.acme.internal",
        license=LICENSE,
        database={"host": "mysql.acme.internal", "password": DB_PASSWORD},
        deploy={
            "target": target,
            "version": "0.70.0",
            "namespace": "wandb",
            "kubeconfig": kubeconfig if kubeconfig is not None else kube.kubeconfig(),
            **deploy,
        },
    )
    return parse_document(doc)


def rollout(a):
    return f.result(a, "verify.rollout", timeout=5)


def test_all_ready_passes(kube):
    kube.state.pods = [pod("wandb-7d9f-abcde", LABELS), pod("wandb-7d9f-fghij", LABELS)]
    result = rollout(answers(kube))
    assert result.status == "pass", result.message
    assert "2 pods Ready" in str(result.message) and "wandb-7d9f-abcde" in str(result.message)
    assert all(method == "GET" for method, _ in kube.state.requests)  # read-only


def test_other_pods_in_the_namespace_are_not_judged(kube):
    kube.state.pods = [pod("wandb-1", LABELS), pod("mysql-0", {"app": "mysql"}, state="crash")]
    assert rollout(answers(kube)).status == "pass"


def test_image_pull_backoff_fails_naming_the_image(kube):
    kube.state.pods = [pod("wandb-1", LABELS, state="pull", image="wandb/local:0.70.0")]
    result = rollout(answers(kube))
    assert result.status == "fail"
    assert "cannot pull image wandb/local:0.70.0" in str(result.message) and "ImagePullBackOff" in str(result.message)
    assert "deploy.registry" in str(result.hint)


def test_image_pull_with_registry_hints_the_mirror_command(kube):
    image = "registry.acme.internal/mirror/wandb/local:0.70.0"
    kube.state.pods = [pod("wandb-1", LABELS, state="pull", image=image)]
    result = rollout(answers(kube, registry="registry.acme.internal/mirror"))
    assert result.status == "fail"
    assert f"skopeo copy docker://wandb/local:0.70.0 docker://{image}" in str(result.hint)


def test_crash_loop_quotes_the_last_log_lines_scrubbed(kube):
    url_password = quote(DB_PASSWORD, safe="")
    lines = [f"boot line {i}" for i in range(30)] + [
        f"connecting to mysql://wandb_local:{url_password}@mysql.acme.internal:3306/wandb_local",
        f"license: {LICENSE}",
        f"license (base64): {base64.b64encode(LICENSE.encode()).decode()}",
        "Error 1045 (28000): Access denied for user 'wandb_local'@'10.244.0.17' (using password: YES)",
    ]
    kube.state.pods = [pod("wandb-1", LABELS, state="crash", restarts=6, exit_code=1)]
    kube.state.logs = {"wandb-1": lines}
    result = rollout(answers(kube))
    assert result.status == "fail"
    assert "CrashLoopBackOff, 6 restarts, last exit code 1" in str(result.message)
    quoted = str(result.message).split("its last log lines:\n", 1)[1].split("\n")
    assert len(quoted) == 20 and quoted[-1].startswith("Error 1045")  # the last 20, newest last
    assert "boot line 13" not in str(result.message) and "boot line 14" in str(result.message)
    for secret in (DB_PASSWORD, url_password, LICENSE, base64.b64encode(LICENSE.encode()).decode()):
        assert secret not in str(result.message) and secret not in str(result.observed)
    assert "mysql://wandb_local:********@mysql.acme.internal" in str(result.message)
    assert "kubectl logs wandb-1 -n wandb --previous" in str(result.hint)


def test_pending_names_the_schedulers_reason(kube):
    why = "0/2 nodes are available: 2 Insufficient memory. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
    kube.state.pods = [pod("wandb-1", LABELS, state="pending", message="0/2 nodes are available")]
    kube.state.events = [scheduling_event("other-pod", "unrelated"), scheduling_event("wandb-1", why)]
    result = rollout(answers(kube))
    assert result.status == "fail"
    assert str(result.message) == f"pod wandb-1 cannot be scheduled: {why}"
    assert "deploy.memory_request" in str(result.hint)


@pytest.mark.parametrize("state", ["creating", "starting"])
def test_still_starting_warns(kube, state):
    kube.state.pods = [pod("wandb-1", LABELS), pod("wandb-2", LABELS, state=state)]
    result = rollout(answers(kube))
    assert result.status == "warn"
    assert "1 of 2 W&B pods Ready" in str(result.message) and "wandb-2" in str(result.message)
    if state == "creating":
        assert "ContainerCreating" in str(result.message)


def test_a_failure_outranks_a_starting_pod_and_mentions_it(kube):
    kube.state.pods = [pod("wandb-1", LABELS, state="creating"), pod("wandb-2", LABELS, state="pull")]
    result = rollout(answers(kube))
    assert result.status == "fail" and "wandb-2" in str(result.message) and "also: wandb-1" in str(result.message)


def test_no_pods_fails_not_deployed(kube):
    result = rollout(answers(kube))
    assert result.status == "fail" and "not deployed" in str(result.message)
    assert "kubectl apply -f kubernetes/wandb.yaml" in str(result.hint)


def test_forbidden_pods_warns(kube):
    kube.state.forbidden = {"pods"}
    result = rollout(answers(kube))
    assert result.status == "warn" and "forbidden" in str(result.message)


def test_skips_without_cluster(kube):
    assert rollout(answers(kube, target="docker-compose")).status == "skip"
    result = rollout(answers(kube, kubeconfig=""))
    assert result.status == "skip" and "kubeconfig" in str(result.message)


def test_silent_api_server_ends_within_the_timeout(kube):
    kube.state.silent = True
    result = run_checks_sync(answers(kube), only=["verify.rollout"], timeout=1.5).results[0]
    assert result.status == "fail" and "timed out" in str(result.message)
    assert result.duration_ms < 2000


# --- helm-operator: the workloads of the real operator-wandb chart ------------------------------------
@pytest.fixture(scope="module")
def chart_docs(tmp_path_factory):
    helm = shutil.which("helm") if not HELM.exists() else str(HELM)
    if not CHART.exists() or helm is None:
        pytest.skip(f"W&B's operator-wandb chart or helm not found ({CHART}, {HELM})")
    a = f.answers(
        f.MINIMAL,
        profile="rollout",
        host="https://wandb.acme.internal",
        deploy={"target": "helm-operator", "version": "0.70.0", "namespace": "wandb"},
    )
    values = tmp_path_factory.mktemp("helm") / "values.yaml"
    values.write_bytes(build_bundle(a, redact=True)["helm/values.yaml"])
    out = subprocess.run(
        [helm, "template", "wandb", str(CHART), "-n", "wandb", "-f", str(values)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return list(yaml.safe_load_all(out.stdout))


def _operator_pods(deployments, statefulsets, broken: str | None = None, state: str = "crash"):
    pods = []
    for w in deployments + statefulsets:
        labels = w["spec"]["template"]["metadata"]["labels"]
        name = f"{w['metadata']['name']}-5c8d7-x1"
        pods.append(
            pod(
                name,
                labels,
                state=state if w["metadata"]["name"] == broken else "ready",
                container=w["spec"]["template"]["spec"]["containers"][0]["name"],
            )
        )
    return pods


def test_helm_operator_finds_the_charts_workloads(kube, chart_docs):
    deployments, statefulsets = workloads_from_chart(chart_docs)
    names = {d["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/name") for d in deployments}
    assert "app" in names and statefulsets, (names, statefulsets)  # W&B itself and the chart's Redis
    kube.state.deployments, kube.state.statefulsets = deployments, statefulsets
    kube.state.pods = _operator_pods(deployments, statefulsets)
    kube.state.pods.append(
        pod("wandb-app-rename-pre-hook-z9", {"app.kubernetes.io/instance": "wandb"}, state="succeeded")
    )
    result = rollout(answers(kube, target="helm-operator"))
    assert result.status == "pass", result.message
    assert f"{len(deployments) + len(statefulsets)} pods Ready" in str(result.message)


def test_helm_operator_crashing_app_is_named(kube, chart_docs):
    deployments, statefulsets = workloads_from_chart(chart_docs)
    app = next(
        d["metadata"]["name"]
        for d in deployments
        if d["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/name") == "app"
    )
    kube.state.deployments, kube.state.statefulsets = deployments, statefulsets
    kube.state.pods = _operator_pods(deployments, statefulsets, broken=app)
    kube.state.logs = {f"{app}-5c8d7-x1": ["fatal: cannot connect to mysql"]}
    result = rollout(answers(kube, target="helm-operator"))
    assert result.status == "fail"
    assert f"pod {app}-5c8d7-x1" in str(result.message) and "fatal: cannot connect to mysql" in str(result.message)


def test_helm_operator_without_workloads_warns(kube):
    result = rollout(answers(kube, target="helm-operator"))
    assert result.status == "warn" and "operator has not deployed W&B" in str(result.message)
