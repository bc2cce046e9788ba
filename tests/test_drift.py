"""`wbsetup drift` (SPEC §10) against the Kubernetes API stand-in serving the rendered objects the way a
real API server returns them after `kubectl apply` (app/demo/kube_served.py: uid, resourceVersion,
managedFields, status, imagePullPolicy, terminationMessagePath, clusterIP, revisionHistoryLimit, Secret
stringData turned into base64 data …): no false positive on an untouched install; each kind of change
found; no secret in the output; read-only."""

from __future__ import annotations

import base64
import json

import pytest
import yaml

from app import cli
from app.answers import parse_document
from app.artifacts.kubernetes import LABELS
from app.artifacts.redact import encodings
from app.change.drift_run import desired_objects, running_versions
from app.demo.kube_served import served
from tests.services.kube_pods import pod

PASSWORD, LICENSE, S3 = "drift-Pa55:w/rd@x", "drift-license-distinctive-1", "drift-s3-secret-distinctive"


def _doc(kubeconfig: str, target: str = "kubernetes") -> dict:
    return {
        "schema": 1,
        "profile": "acme-prod",
        "host": "https://wandb.acme.internal",
        "license": LICENSE,
        "database": {"host": "db.acme.internal", "password": PASSWORD},
        "object_store": {"endpoint": "https://s3.acme.internal", "bucket": "wandb", "access_key": "AK", "secret_key": S3},
        "tls": {"mode": "none"},
        "deploy": {"target": target, "version": "0.70.0", "namespace": "wandb", "replicas": 2,
                   "redis_url": "redis://redis.acme.internal:6379", "kubeconfig": kubeconfig},
    }  # fmt: skip


@pytest.fixture
def installed(kube, tmp_path):
    """An untouched install: every rendered object applied, two W&B pods running the pinned version."""
    doc = _doc(kube.kubeconfig())
    answers = parse_document(doc)
    kube.state.objects = [served(o, i) for i, o in enumerate(desired_objects(answers))]
    kube.state.pods = [pod(f"wandb-6f7c9-{n}", LABELS) for n in ("abcde", "fghij")]
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _drift(capsys, path, *extra):
    code = cli.main(["drift", str(path), "--format", "json", *extra])
    out = capsys.readouterr().out
    for value in (PASSWORD, LICENSE, S3, "drift-changed-pw"):
        for form in encodings(value):
            assert form not in out, f"a secret leaked: {form!r}"
    return code, json.loads(out) if out.startswith("{") else out


def _live(kube, kind, name="wandb"):
    return next(o for o in kube.state.objects if o["kind"] == kind and o["metadata"]["name"] == name)


def _fields(doc, kind, name="wandb"):
    obj = next(o for o in doc["objects"] if o["kind"] == kind and o["name"] == name)
    return obj["status"], {f["path"]: (f["desired"], f["live"]) for f in obj["fields"]}


def test_untouched_install_is_in_sync(kube, installed, capsys):
    code, doc = _drift(capsys, installed)
    assert code == 0 and doc["in_sync"] is True, json.dumps(doc, indent=1)
    assert {o["status"] for o in doc["objects"]} == {"in-sync"}
    assert {o["kind"] for o in doc["objects"]} >= {"Namespace", "Secret", "Deployment", "Service", "Ingress"}
    assert doc["version"] == {"desired": "0.70.0", "running": "0.70.0", "in_sync": True, "message": None}
    assert all(method == "GET" for method, _ in kube.state.requests)  # read-only
    assert cli.main(["drift", str(installed)]) == 0
    assert capsys.readouterr().out.endswith("in sync\n")


def test_replicas_env_image_and_annotation_changes_are_found(kube, installed, capsys):
    dep = _live(kube, "Deployment")
    dep["spec"]["replicas"] = 3
    container = dep["spec"]["template"]["spec"]["containers"][0]
    next(e for e in container["env"] if e["name"] == "AWS_REGION")["value"] = "eu-west-1"
    container["image"] = "wandb/local:0.71.2"
    ingress = _live(kube, "Ingress")
    ingress["metadata"]["annotations"].pop("nginx.ingress.kubernetes.io/proxy-body-size")
    code, doc = _drift(capsys, installed)
    assert code == 1 and doc["in_sync"] is False
    status, fields = _fields(doc, "Deployment")
    assert status == "drifted"
    assert fields["spec.replicas"] == (2, 3)
    assert fields["spec.template.spec.containers[wandb].env[AWS_REGION].value"] == ("us-east-1", "eu-west-1")
    assert fields["spec.template.spec.containers[wandb].image"] == ("wandb/local:0.70.0", "wandb/local:0.71.2")
    assert len(fields) == 3  # nothing the server defaulted
    status, fields = _fields(doc, "Ingress")
    assert fields == {"metadata.annotations.nginx.ingress.kubernetes.io/proxy-body-size": ("0", None)}


def test_secret_value_change_is_found_never_shown(kube, installed, capsys):
    secret = _live(kube, "Secret", "wandb-secrets")
    mysql = base64.b64decode(secret["data"]["MYSQL"]).decode().replace("drift-Pa55%3Aw%2Frd%40x", "drift-changed-pw")
    assert "drift-changed-pw" in mysql
    secret["data"]["MYSQL"] = base64.b64encode(mysql.encode()).decode()
    code, doc = _drift(capsys, installed)
    assert code == 1
    assert _fields(doc, "Secret", "wandb-secrets") == ("drifted", {"data.MYSQL": ("(secret)", "(secret changed)")})
    assert cli.main(["drift", str(installed)]) == 1
    out = capsys.readouterr().out
    assert "data.MYSQL: desired (secret), live (secret changed)" in out and "drift-changed-pw" not in out


def test_deleted_object_is_missing(kube, installed, capsys):
    kube.state.objects = [o for o in kube.state.objects if o["kind"] != "Service"]
    code, doc = _drift(capsys, installed)
    assert code == 1
    assert _fields(doc, "Service") == ("missing", {})


def test_running_version_differs_names_the_operator(kube, tmp_path, capsys):
    doc = _doc(kube.kubeconfig(), target="helm-operator")
    answers = parse_document(doc)
    kube.state.objects = [served(o, i) for i, o in enumerate(desired_objects(answers))]
    kube.state.pods = [pod("wandb-app-0", LABELS, image="wandb/local:0.72.0")]
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(doc))
    code, out = _drift(capsys, path)
    assert code == 1
    assert [o["kind"] for o in out["objects"]] == ["WeightsAndBiases"] and out["objects"][0]["status"] == "in-sync"
    assert out["version"]["running"] == "0.72.0" and out["version"]["in_sync"] is False
    assert "operator updates W&B by itself unless the version is pinned" in str(out["version"]["message"])


def test_unreachable_cluster_and_other_target(kube, tmp_path, capsys):
    doc = _doc(kube.kubeconfig(server="https://127.0.0.1:9"))
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump(doc))
    code, out = _drift(capsys, path, "--timeout", "2")
    assert code == 1 and {o["status"] for o in out["objects"]} == {"error"}
    assert all(o["error"] for o in out["objects"])
    doc["deploy"]["target"] = "docker-compose"
    path.write_text(yaml.safe_dump(doc))
    assert cli.main(["drift", str(path)]) == 2
    assert "drift needs target kubernetes or helm-operator" in capsys.readouterr().err


def test_running_versions_from_images():
    pods = [pod("a", LABELS, image="registry.acme.internal/mirror/wandb/local:0.71.0"), pod("b", LABELS)]
    assert running_versions([p for p in pods], "wandb/local") == ["0.70.0", "0.71.0"]


def test_verify_page_drift_panel(kube, client):
    doc = _doc(kube.kubeconfig())
    answers = parse_document(doc)
    client.app.state.store.save_answers(answers, replace=True)
    kube.state.objects = [served(o, i) for i, o in enumerate(desired_objects(answers))]
    kube.state.pods = [pod("wandb-6f7c9-abcde", LABELS, image="wandb/local:0.71.0")]
    _live(kube, "Deployment")["spec"]["replicas"] = 5
    page = client.get("/p/acme-prod/verify").text
    assert 'data-testid="drift-run"' in page and 'hx-post="/p/acme-prod/drift"' in page
    panel = client.post_form("/p/acme-prod/drift", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and "Not in sync" in panel.text
    assert "spec.replicas" in panel.text and "W&amp;B runs 0.71.0, the bundle pins 0.70.0" in panel.text
    client.get("/lang/ko?next=/", follow_redirects=False)  # the language switcher
    korean = client.post_form("/p/acme-prod/drift", headers={"HX-Request": "true"})
    assert "W&amp;B는 0.71.0 버전으로 실행 중이고 번들은 0.70.0 버전을 고정합니다" in korean.text
    assert "이 번들 밖에서 변경" in korean.text and "W&amp;B runs" not in korean.text
    for value in (PASSWORD, LICENSE, S3):
        for form in encodings(value):
            assert form not in panel.text


@pytest.mark.browser
def test_drift_panel_in_the_browser(kube, live_server, page):
    from tests.services.wizard import TOKEN
    from tests.test_browser import shot

    answers = parse_document(_doc(kube.kubeconfig()))
    live_server.app.state.store.save_answers(answers, replace=True, last_step="verify")
    kube.state.objects = [served(o, i) for i, o in enumerate(desired_objects(answers))]
    kube.state.pods = [pod("wandb-6f7c9-abcde", LABELS)]
    secret = _live(kube, "Secret", "wandb-secrets")
    secret["data"]["LICENSE"] = base64.b64encode(b"someone-else-s-license").decode()
    _live(kube, "Deployment")["spec"]["replicas"] = 4
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/login?token={TOKEN}&next=/p/acme-prod/verify")
    page.click("[data-testid=drift-run]")
    page.wait_for_selector("[data-testid=drift-verdict]")
    text = page.inner_text("[data-testid=drift-panel]")
    assert "Not in sync" in text and "spec.replicas" in text and "(secret changed)" in text
    assert "someone-else-s-license" not in page.content() and LICENSE not in page.content()
    page.locator("[data-testid=drift-panel]").scroll_into_view_if_needed()
    shot(page, "drift-panel")
