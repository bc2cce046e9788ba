"""Checks that do not apply to the chosen deployment fold into one line per reason (UI and HTML
report); the JSON report keeps every `skip` row. Skips the page can resolve point to their control."""

from __future__ import annotations

import json
import re

from app.applicability import fold
from app.artifacts.bundle import build_bundle
from app.checks.engine import run_checks_sync
from tests.bundle_corpus import answers, plain_document
from tests.services.wizard import wait_until

CLUSTER = [
    "deploy.cluster.connect",
    "deploy.cluster.version",
    "deploy.cluster.nodes",
    "deploy.cluster.permissions",
    "deploy.cluster.ingress_class",
    "deploy.cluster.operator",
    "deploy.cluster.cert_manager",
]


def compose_answers():
    return answers(plain_document(deploy={"target": "docker-compose", "version": "0.70.0"}))


def test_compose_folds_the_seven_cluster_checks():
    a = compose_answers()
    report = run_checks_sync(a, steps=["deploy"], timeout=2).to_dict()
    shown, folds = fold(report["checks"], a)
    assert [(f.group, [c["id"] for c in f.items]) for f in folds] == [
        ("kube", CLUSTER),
        ("registry", ["deploy.images"]),
    ]
    assert str(folds[0].label) == "7 Kubernetes cluster checks do not apply to docker-compose"
    assert not any(c["id"].startswith("deploy.cluster.") for c in shown)
    assert {c["id"] for c in shown} >= {"deploy.node.docker", "deploy.node.ports"}  # these apply to compose


def test_kubernetes_folds_compose_operator_and_cert_manager():
    a = answers(plain_document())  # kubernetes target, provided certificate
    report = run_checks_sync(a, steps=["deploy"], timeout=2).to_dict()
    _, folds = fold(report["checks"], a)
    assert {f.group: [c["id"] for c in f.items] for f in folds} == {
        "compose": ["deploy.node.docker", "deploy.node.ports"],
        "operator": ["deploy.cluster.operator"],
        "cert_manager": ["deploy.cluster.cert_manager"],
        "registry": ["deploy.images"],
    }
    labels = {f.group: str(f.label) for f in folds}
    assert labels["compose"] == "2 Docker Compose checks do not apply to kubernetes"
    assert labels["cert_manager"] == "The cert-manager check does not apply to TLS mode provided"


def test_a_result_that_is_not_a_skip_never_folds():
    a = compose_answers()
    rows = [{"id": "deploy.cluster.nodes", "status": "fail"}, {"id": "deploy.cluster.version", "status": "skip"}]
    shown, folds = fold(rows, a)
    assert shown == rows[:1] and len(folds) == 1


def test_html_report_folds_and_json_keeps_every_skip_row():
    a = compose_answers()
    report = run_checks_sync(a, steps=["deploy"], timeout=2).to_dict()
    tree = build_bundle(a, report=report)
    data = json.loads(tree["report/validation.json"])
    assert [c["status"] for c in data["checks"] if c["id"] in CLUSTER] == ["skip"] * 7
    html = tree["report/validation.html"].decode()
    assert html.count("7 Kubernetes cluster checks do not apply to docker-compose") == 1
    assert "<br><code>deploy.cluster.version</code>" not in html  # no row of its own
    assert "<br><code>deploy.node.docker</code>" in html


def _run_deploy(client) -> str:
    started = client.post("/p/acme/checks/deploy", headers={"X-CSRF-Token": client.csrf})
    run = re.search(r"checks/deploy\?run=(\d+)", started.text)  # none: finished within the answer
    url = f"/p/acme/checks/deploy?run={run.group(1)}" if run else "/p/acme/checks/deploy"
    assert wait_until(lambda: "hx-get" not in client.get(url).text.split("<table")[0])
    return client.get("/p/acme/deploy").text


def _save_deploy(client, step="deploy", **fields):
    page = client.get(f"/p/acme/{step}").text
    version = page.split('name="version" value="')[1].split('"')[0]
    r = client.post_form(f"/p/acme/{step}", {"version": version, **fields}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]


def test_ui_folds_not_applicable_checks_into_one_line(client):
    client.create("acme")
    _save_deploy(client, **{"deploy.target": "docker-compose", "deploy.version": "0.70.0"})
    page = _run_deploy(client)
    assert page.count('data-testid="fold"') == 2  # the cluster checks, and deploy.images (no registry)
    assert "7 Kubernetes cluster checks do not apply to docker-compose" in page
    assert not any(f'data-check="{i}"' in page for i in CLUSTER)
    assert 'data-check="deploy.node.docker"' in page
    review = client.get("/p/acme/review").text  # the review's latest results fold the same way
    assert review.count("7 Kubernetes cluster checks do not apply to docker-compose") == 1
    assert not any(f'data-check="{i}"' in review for i in CLUSTER)


def test_ui_skips_point_to_the_controls_that_resolve_them(client):
    client.create("acme")
    _save_deploy(client, **{"deploy.target": "helm-operator", "deploy.version": "0.70.0"})
    _save_deploy(client, "database", **{"database.host": "mysql.acme.internal"})
    page = _run_deploy(client)
    node = re.search(r'<tr[^>]*data-check="deploy.node.database".*?</tr>', page, re.DOTALL).group(0)
    assert 'data-control="node-probe"' in node and 'href="/p/acme/deploy#node-probe-app"' in node
    assert "wbsetup probe" not in node  # the CLI command is for the CLI
    cluster = re.search(r'<tr[^>]*data-check="deploy.cluster.connect".*?</tr>', page, re.DOTALL).group(0)
    assert 'data-control="kubeconfig"' in cluster and "#f-deploy-kubeconfig" in cluster
    assert 'id="node-probe-app"' in page and 'id="f-deploy-kubeconfig"' in page  # the targets exist


def test_verify_skips_without_an_api_key_point_to_its_field(client):
    from app.demo.wandb_server import WandbStandin

    wandb = WandbStandin(api_key="k-0123456789").start()  # every check before login passes
    try:
        client.create("acme")
        _save_deploy(client, "tls", host=wandb.url)
        started = client.post("/p/acme/checks/verify", headers={"X-CSRF-Token": client.csrf})
        run = re.search(r"checks/verify\?run=(\d+)", started.text)
        url = f"/p/acme/checks/verify?run={run.group(1)}" if run else "/p/acme/checks/verify"
        assert wait_until(lambda: "hx-get" not in client.get(url).text.split("<table")[0])
        page = client.get("/p/acme/verify").text
        login = re.search(r'<tr[^>]*data-check="verify.login".*?</tr>', page, re.DOTALL).group(0)
        assert 'data-control="api-key"' in login and 'href="/p/acme/verify#f-verify-api_key"' in login
        assert 'id="f-verify-api_key"' in page
    finally:
        wandb.stop()
