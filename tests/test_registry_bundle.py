"""Registry credentials in the bundle (SPEC §6 "Registry credentials"): the `kubernetes.io/dockerconfigjson`
Secret `wandb-registry` with the exact credentials for any printable password, named by every pod
spec (kubernetes) and by the operator chart's pods (helm-operator, through the real chart), the
compose runbook's `docker login --password-stdin`, and redaction of the password and its derived
`auth`. The real consumer of the Secret's content is skopeo (containers/image reads docker config
files as the kubelet does): it pulls from the real htpasswd registry with it."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from app.artifacts.bundle import build_bundle
from app.artifacts.redact import derived_secrets, encodings, scrub
from tests.bundle_corpus import HOSTILE, answers, plain_document
from tests.consumers import containers, helm_template

REGISTRY = "registry.acme.internal:5000/mirror"
USER = 'pull\'er "$x" {u}'  # printable, no `:` (docker's auth is user:password)
CA = "-----BEGIN CERTIFICATE-----\nMIIBregistryCA\n-----END CERTIFICATE-----\n"
BIN = Path(sys.executable).parent


def registry_doc(password: str | None, *, target: str = "kubernetes", registry: str = REGISTRY, **deploy) -> dict:
    d = {"target": target, "version": "0.70.0", "registry": registry, "registry_username": USER, **deploy}
    if password is not None:
        d["registry_password"] = password
    return plain_document(deploy=d)


def _docs(text: bytes) -> dict[str, dict]:
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in yaml.safe_load_all(text)}


def _config(secret: dict) -> dict:
    """The `.dockerconfigjson` as the API server stores it (stringData → base64 data) and reads back."""
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    stored = base64.b64encode(secret["stringData"][".dockerconfigjson"].encode()).decode()
    return json.loads(base64.b64decode(stored))


def _entry(config: dict, host: str = "registry.acme.internal:5000") -> dict:
    assert list(config["auths"]) == [host]
    return config["auths"][host]


@pytest.mark.parametrize("password", HOSTILE)
def test_kubernetes_secret_holds_the_exact_credentials_and_every_pod_names_it(password, tmp_path):
    tree = build_bundle(answers(registry_doc(password)))
    docs = _docs(tree["kubernetes/wandb.yaml"])
    entry = _entry(_config(docs["Secret/wandb-registry"]))
    assert entry["username"] == USER and entry["password"] == password
    assert base64.b64decode(entry["auth"]).decode() == f"{USER}:{password}"
    pods = [d for d in docs.values() if "template" in (d.get("spec") or {})]
    assert pods, "no pod template in kubernetes/wandb.yaml"
    for d in pods:
        assert d["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "wandb-registry"}], d["kind"]
    path = tmp_path / "wandb.yaml"
    path.write_bytes(tree["kubernetes/wandb.yaml"])
    k8s = kubernetes_validate.utils.latest_version()
    proc = subprocess.run(
        [str(BIN / "kubernetes-validate"), "--strict", "-k", k8s, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("password", HOSTILE)
def test_skopeo_pulls_from_the_real_registry_with_the_secret(oci_registry_factory, oci_layout, password, tmp_path):
    """The Secret's .dockerconfigjson, as the kubelet would read it, logs skopeo into the real
    htpasswd registry with the hostile password (wrong bytes would be refused)."""
    reg = oci_registry_factory("htpasswd")
    reg.push(oci_layout, "multi", "mirror/nginx:1.27")
    user = "u" + base64.b32encode(password.encode()).decode().rstrip("=")[:20].lower()
    reg.add_user(user, password)
    doc = registry_doc(password, registry=f"{reg.host}/mirror")
    doc["deploy"]["registry_username"] = user
    docs = _docs(build_bundle(answers(doc))["kubernetes/wandb.yaml"])
    config = _config(docs["Secret/wandb-registry"])
    auth_file = tmp_path / "config.json"
    auth_file.write_text(json.dumps(config))
    inspect = [
        "skopeo",
        "inspect",
        "--raw",
        "--tls-verify=false",
        f"--authfile={auth_file}",
        f"docker://{reg.host}/mirror/nginx:1.27",
    ]
    out = subprocess.run(inspect, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["mediaType"] == "application/vnd.oci.image.index.v1+json"
    config["auths"][reg.host]["auth"] = base64.b64encode(f"{user}:{password}x".encode()).decode()
    auth_file.write_text(json.dumps(config))
    assert subprocess.run(inspect, capture_output=True, timeout=60).returncode != 0  # the proof can fail


def test_helm_registry_secret_and_the_chart_pods_that_carry_it(tmp_path):
    password = 'h3lm:p@ss "w" ü'
    tree = build_bundle(answers(registry_doc(password, target="helm-operator")))
    secret = yaml.safe_load(tree["helm/registry-secret.yaml"])
    assert secret["metadata"] == {
        "name": "wandb-registry",
        "namespace": "wandb",
        "labels": {"app.kubernetes.io/name": "wandb", "app.kubernetes.io/instance": "wandb"},
    }
    assert base64.b64decode(_entry(_config(secret))["auth"]).decode() == f"{USER}:{password}"
    values = yaml.safe_load(tree["helm/values.yaml"])
    assert values["global"]["imagePullSecrets"] == [{"name": "wandb-registry"}]
    cr = yaml.safe_load(tree["helm/wandb-cr.yaml"])
    assert cr["spec"]["values"]["global"]["imagePullSecrets"] == [{"name": "wandb-registry"}]
    values_path = tmp_path / "values.yaml"
    values_path.write_bytes(tree["helm/values.yaml"])
    rendered = helm_template(values_path)
    carried, bare = set(), set()
    for workload, pod, _ in containers(rendered):
        names = [s.get("name") for s in pod.get("imagePullSecrets") or []]
        (carried if "wandb-registry" in names else bare).add(workload)
    # What the real chart (operator-wandb 0.43.8) does with global.imagePullSecrets, as the runbook says:
    # every workload it renders carries it, Redis included; only its helm-test pod does not.
    assert {"Deployment/wandb-app-bc", "Deployment/wandb-console-bc", "Deployment/wandb-weave-bc"} <= carried
    assert {
        "Deployment/wandb-parquet-bc",
        "CronJob/wandb-parquet-backfill",
        "DaemonSet/wandb-otel-daemonset",
    } <= carried
    assert {"StatefulSet/wandb-redis-master", "Job/wandb-app-rename-pre-hook"} <= carried
    assert bare == {"Pod/wandb-operator-wandb-test-connection"}, sorted(bare)
    readme = tree["README.md"].decode()
    assert "`test-connection`" in readme and "`wandb/controller`" in readme


def test_compose_runbook_logs_in_from_the_environment_before_pulling():
    tree = build_bundle(answers(registry_doc("pw", target="docker-compose")))
    text = tree["README.md"].decode()
    login = (
        "printf '%s' \"$WANDB_REGISTRY_PASSWORD\" | sudo docker login --username 'pull'\"'\"'er \"$x\" {u}' "
        "--password-stdin registry.acme.internal:5000"
    )
    assert login in text
    assert text.index(login) < text.index("systemctl enable --now wandb.service")
    mirror = "printf '%s' \"$WANDB_REGISTRY_PASSWORD\" | skopeo login --username"
    assert mirror in text and text.index(mirror) < text.index("skopeo copy --all")
    assert "helm/registry-secret.yaml" in tree  # every artifact for every target (§6)


def test_runbook_in_korean_has_the_same_commands():
    doc = registry_doc("pw", target="docker-compose", registry_ca_pem=CA)
    doc["language"] = "ko"
    text = build_bundle(answers(doc))["README.md"].decode()
    assert "레지스트리 자격 증명" in text
    assert "sudo docker login --username" in text and "--password-stdin" in text
    assert "/etc/docker/certs.d/registry.acme.internal:5000/ca.crt" in text and "MIIBregistryCA" in text


@pytest.mark.parametrize("password", HOSTILE)
def test_redacted_bundle_holds_neither_the_password_nor_its_auth(password):
    a = answers(registry_doc(password, registry_ca_pem=CA))
    tree = build_bundle(a, redact=True)
    auth = derived_secrets(a)["WANDB_REGISTRY_AUTH"]
    forms = encodings(password) | encodings(auth)
    for path, data in tree.items():
        text = data.decode()
        leaked = [f for f in forms if f in text]
        assert not leaked, f"{path} holds {leaked}"
    entry = _entry(_config(_docs(tree["kubernetes/wandb.yaml"])["Secret/wandb-registry"]))
    assert entry == {"username": USER, "password": "${WANDB_REGISTRY_PASSWORD}", "auth": "${WANDB_REGISTRY_AUTH}"}
    readme = tree["README.md"].decode()
    assert "| `${WANDB_REGISTRY_PASSWORD}` | `deploy.registry_password` |" in readme
    assert "| `${WANDB_REGISTRY_AUTH}` | `deploy.registry_password` |" in readme
    assert "read -rs WANDB_REGISTRY_AUTH" not in readme  # derived: not an answer to re-enter
    assert "base64 -w0" in readme


def test_scrub_removes_the_auth_inside_a_base64_dockerconfigjson():
    """Free text (a check report, an event) may carry the Secret's `data` form: base64 of the JSON
    whose `auth` is base64 of user:password."""
    password = "scrub-me:p@ss"
    a = answers(registry_doc(password))
    auth = derived_secrets(a)["WANDB_REGISTRY_AUTH"]
    secret = _docs(build_bundle(a)["kubernetes/wandb.yaml"])["Secret/wandb-registry"]
    data = base64.b64encode(
        secret["stringData"][".dockerconfigjson"].encode()
    ).decode()  # as `kubectl get -o yaml` shows it
    decoded = base64.b64decode(data).decode()
    assert auth in decoded and password in decoded  # the form really carries both
    for text in (auth, data, f"x {password} y", f'{{"auth": "{auth}"}}'):
        clean = scrub(f"event: {text} end", a)
        assert auth not in clean and password not in clean
        leaked = [f for f in encodings(auth) | encodings(password) if f in clean]
        assert not leaked, (leaked, clean)


def test_without_credentials_nothing_changes():
    plain = build_bundle(answers(plain_document(deploy={"target": "kubernetes", "registry": REGISTRY})))
    assert "helm/registry-secret.yaml" not in plain
    assert b"imagePullSecrets" not in plain["kubernetes/wandb.yaml"]
    assert b"imagePullSecrets" not in plain["helm/values.yaml"]
    assert b"wandb-registry" not in plain["kubernetes/wandb.yaml"]
    assert "## Registry credentials" not in plain["README.md"].decode()


def test_absent_password_is_a_placeholder_and_listed():
    tree = build_bundle(answers(registry_doc(None, target="helm-operator")))
    entry = _entry(_config(yaml.safe_load(tree["helm/registry-secret.yaml"])))
    assert entry["password"] == "${WANDB_REGISTRY_PASSWORD}" and entry["auth"] == "${WANDB_REGISTRY_AUTH}"
    assert "`${WANDB_REGISTRY_PASSWORD}`" in tree["README.md"].decode()


def test_registry_ca_reaches_the_runbook_without_credentials():
    doc = plain_document(deploy={"target": "kubernetes", "registry": REGISTRY, "registry_ca_pem": CA})
    text = build_bundle(answers(doc))["README.md"].decode()
    assert "/etc/containerd/certs.d/registry.acme.internal:5000/ca.crt" in text
    assert "MIIBregistryCA" in text and "docker login" not in text


def test_user_name_with_a_colon_is_refused_naming_the_field():
    from app.answers import AnswersError

    with pytest.raises(AnswersError) as err:
        answers(registry_doc("pw", registry_username="a:b"))
    assert "deploy.registry_username" in str(err.value)
