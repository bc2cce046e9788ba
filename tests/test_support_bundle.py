"""`wbsetup support-bundle` (SPEC §3, §6.1) against the Kubernetes API stand-in (tests/services/kube_standin.py):
crash-looping pods whose logs, env, events, Secrets and WeightsAndBiases resource spill every secret of a
hostile answers file in every encoding plus third-party secrets → zero leaks in any file of the archive;
the analyses name the pod and the cause; logs are bounded; an unreachable cluster, a silent one and a
forbidden list are recorded in errors.json, not fatal; the CLI's exit codes."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import time
from urllib.parse import quote, quote_plus

import pytest
import trustme
import yaml

from app.artifacts.redact import encodings
from app.demo.kube_objects import NS, pod
from app.support.run import make_bundle
from tests.bundle_corpus import HOSTILE, HOSTILE_USER, answers, hostile_document, plain_document, secrets_of
from tests.serve_proc import ROOT

KUBE_TOKEN = "kube-token-'\"\\$:@/#%+?&={}` zz"
API_KEY = "api-key-Q7w!x@y#z$%^&*()"
THIRD_PARTY_PEM = trustme.CA().private_key_pem.bytes().decode()
AWS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
THIRD = {
    "yaml": "yaml-third-party-pass",
    "bearer": "eyJhbGciOiJSUzI1NiJ9.third-party-jwt",
    "json": "json-third-party-pass",
    "kv": "kv-third-party-pass",
    "url": "url-third-party-pass",
}


def _doc(kube, value: str) -> dict:
    doc = hostile_document(value)
    doc["deploy"] = {"target": "kubernetes", "version": "0.70.0", "kubeconfig": kube.kubeconfig(token=KUBE_TOKEN)}
    doc["verify"] = {"api_key": API_KEY}
    kube.state.token = KUBE_TOKEN
    return doc


def _spill(secret: str, user: str) -> list[str]:
    """Log lines with `secret` in every encoding a program could print it."""
    b64 = base64.b64encode(secret.encode()).decode()
    basic = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return [
        f"plain: {secret}",
        f"percent: {quote(secret, safe='')} plus: {quote_plus(secret)}",
        f"base64: {b64}",
        f"dsn mysql://{quote(user, safe='')}:{quote(secret, safe='')}@mysql.acme.internal:3306/wandb_local",
        f"GET / HTTP/1.1 Authorization: Basic {basic}",
        f"json {json.dumps({'k': secret})}",
    ]


def _third_party() -> list[str]:
    return [
        "config dump:",
        f"  password: {THIRD['yaml']}",
        f"Authorization: Bearer {THIRD['bearer']}",
        json.dumps({"user": "x", "password": THIRD["json"]}),
        f"connecting with password={THIRD['kv']} host=db",
        f"fetch https://bob:{THIRD['url']}@files.example.invalid/x",
        f"creds AKIAIOSFODNN7EXAMPLE {AWS_KEY}",
        *THIRD_PARTY_PEM.splitlines(),
    ]


def _populate(kube, doc: dict) -> None:
    secrets = secrets_of(doc) | {"kube": KUBE_TOKEN, "api": API_KEY}
    user = doc["database"]["user"]
    lines = [line for s in secrets.values() for line in _spill(s, user)] + _third_party()
    crash = pod("wandb-7f9c-x1", {"app.kubernetes.io/name": "wandb"}, state="crash", restarts=5)
    crash["spec"]["containers"][0]["env"] = [
        {
            "name": "MYSQL",
            "value": f"mysql://{quote(user, safe='')}:{quote(secrets['database.password'], safe='')}@db/wandb",
        },
        {"name": "LICENSE", "value": secrets["license"]},
    ]
    kube.state.pods = [crash, pod("wandb-ok", {"app.kubernetes.io/name": "wandb"})]
    kube.state.logs = {"wandb-7f9c-x1": lines, "wandb-ok": lines}
    kube.state.previous_logs = {
        "wandb-7f9c-x1": lines
        + [f"Error 1045 (28000): Access denied for user '{user}'@'10.244.0.17' (using password: YES)"]
    }
    kube.state.events = [
        {
            "metadata": {"name": "ev1", "namespace": NS},
            "type": "Warning",
            "reason": "BackOff",
            "count": 7,
            "message": f"Back-off restarting failed container; env LICENSE={secrets['license']}",
            "involvedObject": {"kind": "Pod", "name": "wandb-7f9c-x1", "namespace": NS},
        }
    ]
    kube.state.secrets = [
        {
            "metadata": {"name": "wandb-secrets", "namespace": NS},
            "type": "Opaque",
            "data": {
                k: base64.b64encode(v.encode()).decode()
                for k, v in (("password", secrets["database.password"]), ("license", secrets["license"]))
            },
        }
    ]
    kube.state.wandb = [
        {
            "apiVersion": "apps.wandb.com/v1",
            "kind": "WeightsAndBiases",
            "metadata": {"name": "wandb", "namespace": NS},
            "spec": {
                "values": {
                    "global": {"license": secrets["license"], "mysql": {"password": secrets["database.password"]}}
                }
            },
        }
    ]


def _extract(data: bytes) -> dict[str, str]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        names = tf.getnames()
        return {n: tf.extractfile(n).read().decode("utf-8") for n in names if tf.getmember(n).isfile()}


def _forms(doc: dict) -> dict[str, str]:
    """Every form of every secret that must not appear: {form: what}."""
    user = doc["database"]["user"]
    out = {}
    for what, s in (secrets_of(doc) | {"kube": KUBE_TOKEN, "api": API_KEY}).items():
        for f in encodings(s) | {base64.b64encode(f"{user}:{s}".encode()).decode()}:
            out[f] = what
    for what, s in THIRD.items():
        out[s] = what
    out[AWS_KEY] = "aws"
    for line in THIRD_PARTY_PEM.splitlines()[1:-1]:
        out[line] = "pem"
    return out


@pytest.mark.parametrize("value", HOSTILE)
def test_no_secret_leaks_in_any_encoding_and_the_analysis_names_the_cause(kube, value):
    doc = _doc(kube, value)
    _populate(kube, doc)
    made = make_bundle(answers(doc), timeout=15)
    files = _extract(made.data)
    top = {p.split("/", 1)[0] for p in files}
    assert top == {made.name.removesuffix(".tar.gz")} and re.fullmatch(r"acme-prod-support-\d{8}T\d{6}Z", top.pop())
    rel = {p.split("/", 1)[1]: t for p, t in files.items()}
    for path in (
        "README.md",
        "versions.json",
        "answers.yaml",
        "analysis.json",
        "report/validation.json",
        "report/history.json",
        "errors.json",
        "redaction.json",
        "cluster/pods.json",
        "cluster/events.json",
        "cluster/secrets.json",
        "cluster/weightsandbiases.json",
        "cluster/version.json",
        "cluster/nodes.json",
        "cluster/logs/wandb-7f9c-x1/wandb.log",
        "cluster/logs/wandb-7f9c-x1/wandb.previous.log",
        "cluster/logs/wandb-ok/wandb.log",
    ):
        assert path in rel, path
    leaks = [(path, what, form) for form, what in _forms(doc).items() for path, text in rel.items() if form in text]
    assert leaks == []
    # the redaction is named and counted; secrets keep their names and keys, never values
    counts = json.loads(rel["redaction.json"])
    assert counts["WANDB_DB_PASSWORD"] > 0 and counts["WANDB_LICENSE"] > 0 and counts["REDACTED_PRIVATE_KEY"] > 0
    assert counts["WANDB_KUBECONFIG"] > 0 and counts["WANDB_API_KEY"] > 0 and counts["REDACTED_AWS_SECRET_KEY"] > 0
    assert "${WANDB_DB_PASSWORD}" in rel["cluster/logs/wandb-7f9c-x1/wandb.log"]
    assert json.loads(rel["cluster/secrets.json"])["items"][0]["keys"] == ["license", "password"]
    # the analysis: the pod and the cause read from its previous log
    analysis = json.loads(rel["analysis.json"])
    [crash] = [a for a in analysis if a["id"] == "pods.crash_loop"]
    assert "wandb-7f9c-x1" in str(crash["message"]) and "database password in the Secret differs" in str(
        crash["message"]
    )
    assert set(crash) == {"id", "status", "title", "message", "hint"} and crash["status"] == "fail"
    assert any(a["id"] == "events.warning" and "BackOff" in str(a["message"]) for a in analysis)
    readme = rel["README.md"]
    assert readme.index("## Analysis") < readme.index("## Collected") < readme.index("## Collectors that failed")
    assert "wandb-7f9c-x1" in readme.split("## Collected")[0]
    versions = json.loads(rel["versions.json"])
    assert set(versions) == {
        "wbsetup",
        "python",
        "platform",
        "requirements",
        "target",
        "deploy_version",
        "running_version",
        "kubernetes",
        "mysql",
    }
    assert (
        versions["kubernetes"] == "v1.34.1"
        and versions["target"] == "kubernetes"
        and versions["running_version"] == "0.70.0"
    )
    validation = json.loads(rel["report/validation.json"])
    assert {c["step"] for c in validation["checks"]} >= {
        "hardware",
        "database",
        "object_store",
        "tls",
        "deploy",
        "verify",
    }
    assert json.loads(rel["report/history.json"]) == []
    # read-only: GETs, and the deploy checks' SelfSubjectAccessReviews (which change nothing)
    assert all(m == "GET" or p.endswith("/selfsubjectaccessreviews") for m, p in kube.state.requests)


def test_logs_are_bounded_in_lines_and_bytes_also_with_since(kube):
    doc = plain_document(deploy={"target": "kubernetes", "version": "0.70.0", "kubeconfig": kube.kubeconfig()})
    kube.state.pods = [pod("many", {}, restarts=1), pod("big", {})]
    kube.state.pods[0]["status"]["containerStatuses"][0]["lastState"] = {"terminated": {"exitCode": 1}}
    old = [f"2020-01-01T00:00:00Z old line {i}" for i in range(100)]
    kube.state.logs = {"many": old + [f"line {i}" for i in range(3000)], "big": ["x" * 8000] * 900}
    kube.state.previous_logs = {"many": [f"prev {i}" for i in range(1500)]}
    files = _extract(make_bundle(answers(doc), timeout=15, since=3600).data)
    rel = {p.split("/", 1)[1]: t for p, t in files.items()}
    many = rel["cluster/logs/many/wandb.log"].splitlines()
    assert len(many) == 1000 and many[-1] == "line 2999" and not any("old line" in x for x in many)
    assert len(rel["cluster/logs/many/wandb.previous.log"].splitlines()) == 1000
    assert len(rel["cluster/logs/big/wandb.log"].encode()) <= 5 * 1024 * 1024 < 900 * 8001
    logs = [p for _, p in kube.state.requests if "/log" in p]
    assert logs and all("tailLines=1000" in p and "limitBytes=5242880" in p and "sinceSeconds=3600" in p for p in logs)
    assert any("previous=true" in p for p in logs)


def test_a_paged_list_keeps_page_one_and_says_so(kube, monkeypatch):
    from app.support import cluster

    monkeypatch.setattr(cluster, "LIST_LIMIT", 2)
    doc = plain_document(deploy={"target": "kubernetes", "version": "0.70.0", "kubeconfig": kube.kubeconfig()})
    kube.state.pods = [pod(f"wandb-{i}", {}) for i in range(3)]
    rel = {p.split("/", 1)[1]: t for p, t in _extract(make_bundle(answers(doc), timeout=15).data).items()}
    assert [p["metadata"]["name"] for p in json.loads(rel["cluster/pods.json"])["items"]] == ["wandb-0", "wandb-1"]
    [paged] = [e for e in json.loads(rel["errors.json"]) if e["collector"] == "cluster.pods"]
    assert paged["error"] == "more than 2 items: only the first 2 are in the bundle"
    assert any("/pods?limit=2" in p for _, p in kube.state.requests)
    assert "cluster.events" not in {e["collector"] for e in json.loads(rel["errors.json"])}  # a short list is whole


def test_the_stand_in_pages_as_the_api_server_does(kube):
    """limit → a page and a `continue` token; the token → the rest; a bad limit → 400 (the support bundle
    keeps page one; a client that follows tokens reaches the end)."""
    import ssl

    import httpx

    kube.state.pods = [pod(f"wandb-{i}", {}) for i in range(5)]
    tls = ssl.create_default_context(cadata=kube.ca.cert_pem.bytes().decode())
    auth = {"Authorization": f"Bearer {kube.state.token}"}
    with httpx.Client(base_url=kube.url, verify=tls, headers=auth, timeout=5) as c:
        names, token, pages = [], "", 0
        while True:
            doc = c.get(f"/api/v1/namespaces/{NS}/pods", params={"limit": 2, "continue": token}).json()
            names += [p["metadata"]["name"] for p in doc["items"]]
            pages, token = pages + 1, doc["metadata"].get("continue", "")
            if not token:
                break
            assert doc["metadata"]["remainingItemCount"] == 5 - len(names)
        assert (names, pages) == ([f"wandb-{i}" for i in range(5)], 3)
        assert c.get(f"/api/v1/namespaces/{NS}/pods", params={"limit": "x"}).status_code == 400


def test_the_total_log_budget_leaves_the_rest_out_and_says_so(kube, monkeypatch):
    from app.support import cluster

    monkeypatch.setattr(cluster, "TOTAL_LOG_BYTES", 25_000)  # 64 MiB in the product: two 10 kB logs fit, not three
    monkeypatch.setattr(cluster, "LOG_CONCURRENCY", 1)  # one at a time: the first two read are the ones kept
    doc = plain_document(deploy={"target": "kubernetes", "version": "0.70.0", "kubeconfig": kube.kubeconfig()})
    kube.state.pods = [pod(f"wandb-{i}", {}) for i in range(3)]
    kube.state.logs = {f"wandb-{i}": ["y" * 99] * 100 for i in range(3)}  # 10,000 bytes each
    rel = {p.split("/", 1)[1]: t for p, t in _extract(make_bundle(answers(doc), timeout=15).data).items()}
    kept = [p for p in rel if p.startswith("cluster/logs/")]
    assert len(kept) == 2 and all(len(rel[p]) == 10_000 for p in kept)
    [left] = [e for e in json.loads(rel["errors.json"]) if e["collector"].startswith("cluster.logs")]
    assert "total log size limit" in left["error"]


def test_forbidden_list_is_recorded_and_the_rest_collected(kube):
    doc = plain_document(deploy={"target": "kubernetes", "version": "0.70.0", "kubeconfig": kube.kubeconfig()})
    kube.state.forbidden = {"events"}
    kube.state.pods = [pod("wandb-1", {})]
    rel = {p.split("/", 1)[1]: t for p, t in _extract(make_bundle(answers(doc), timeout=15).data).items()}
    errors = json.loads(rel["errors.json"])
    [denied] = [e for e in errors if e["collector"] == "cluster.events"]
    assert "403" in denied["error"] and "forbidden" in denied["error"]
    assert "cluster/events.json" not in rel and "cluster/pods.json" in rel and "cluster/logs/wandb-1/wandb.log" in rel
    assert "cluster.events" in rel["README.md"].split("## Collectors that failed")[1]


def test_unreachable_cluster_is_one_error_and_nothing_else_is_tried(kube):
    from tests.services.net import free_port

    dead = kube.kubeconfig(server=f"https://127.0.0.1:{free_port()}")  # a closed loopback port
    doc = plain_document(deploy={"target": "kubernetes", "version": "0.70.0", "kubeconfig": dead})
    rel = {p.split("/", 1)[1]: t for p, t in _extract(make_bundle(answers(doc), timeout=15).data).items()}
    errors = [e for e in json.loads(rel["errors.json"]) if e["collector"].startswith("cluster")]
    assert [e["collector"] for e in errors] == ["cluster.version"] and "refused" in errors[0]["error"]
    assert not any(p.startswith("cluster/") for p in rel)
    assert "report/validation.json" in rel and "analysis.json" in rel


def test_silent_cluster_costs_one_timeout(kube):
    kube.state.silent = True  # accepts connections, never answers
    doc = plain_document(deploy={"target": "kubernetes", "version": "0.70.0", "kubeconfig": kube.kubeconfig()})
    t0 = time.perf_counter()
    made = make_bundle(answers(doc), timeout=1)
    wall = time.perf_counter() - t0
    # after the failed probe, nothing else of the cluster is tried (these paths only the bundle reads)
    only_ours = ("/services", "/secrets", "/ingresses", "/weightsandbiases", "/log", "/events")
    assert not [p for _, p in kube.state.requests if p.split("?")[0].endswith(only_ours)]
    assert [e["collector"] for e in made.errors if e["collector"].startswith("cluster")] == ["cluster.version"]
    assert "timeout" in made.errors[[e["collector"] for e in made.errors].index("cluster.version")]["error"]
    assert wall < 1 * 4 + 10  # the check run's own limit; never one timeout per collector


def _cli(*args, env=None):
    e = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "app", "support-bundle", *args],
        cwd=ROOT,
        env=e,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_writes_the_archive_and_prints_its_path(kube, tmp_path):
    doc = plain_document(deploy={"target": "kubernetes", "version": "0.70.0", "kubeconfig": kube.kubeconfig()})
    from app.probe.reports import node_report

    kube.state.pods = [pod("wandb-1", {}, state="pull"), pod("wandb-2", {})]
    path = tmp_path / "acme.yaml"
    path.write_text(yaml.safe_dump(doc))
    report = tmp_path / "node.json"
    report.write_text(json.dumps(node_report(answers(doc), name="gpu-1")))
    r = _cli(str(path), "--out", str(tmp_path / "out"), "--since", "2h", "--timeout", "2", "--node-report", str(report))
    assert r.returncode == 0, r.stderr
    written = r.stdout.strip()
    assert re.fullmatch(re.escape(str(tmp_path / "out")) + r"/acme-prod-support-\d{8}T\d{6}Z\.tar\.gz", written)
    rel = {p.split("/", 1)[1]: t for p, t in _extract(open(written, "rb").read()).items()}
    assert any(
        a["id"] == "pods.image_pull" and "wandb-1" in str(a["message"]) for a in json.loads(rel["analysis.json"])
    )
    assert any("sinceSeconds=7200" in p for _, p in kube.state.requests)
    assert json.loads(rel["nodes/gpu-1.json"])["node"] == "gpu-1"
    assert HOSTILE_USER not in r.stdout + r.stderr


def test_cli_exit_codes(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: 1\nprofile: Not A Name\n")
    r = _cli(str(bad), "--out", str(tmp_path))
    assert r.returncode == 2 and "profile" in r.stderr and not list(tmp_path.glob("*.tar.gz"))
    good = tmp_path / "ok.yaml"
    good.write_text(yaml.safe_dump(plain_document(deploy={"target": "docker-compose", "version": "0.70.0"})))
    r = _cli(str(good), "--since", "yesterday")
    assert r.returncode == 2 and "--since" in r.stderr
    r = _cli(str(good), "--timeout", "0")
    assert r.returncode == 2 and "--timeout" in r.stderr
    r = _cli()
    assert r.returncode == 2


def test_a_check_run_cut_short_keeps_what_finished(kube, monkeypatch):
    from app.support import collect

    kube.state.silent = True  # the cluster checks wait their whole timeout
    monkeypatch.setattr(collect, "CHECKS_SPAN", 0)  # the run may take 1 s, the cluster checks need 2
    doc = plain_document(deploy={"target": "kubernetes", "version": "0.70.0", "kubeconfig": kube.kubeconfig()})
    made = make_bundle(answers(doc), timeout=2)
    rel = {p.split("/", 1)[1]: t for p, t in _extract(made.data).items()}
    checks = json.loads(rel["report/validation.json"])["checks"]
    cut = [c for c in checks if "not finished within" in str(c["message"])]
    assert cut and all(c["status"] == "error" for c in cut)
    assert any(c["status"] != "error" for c in checks)  # what finished in time is kept
    assert any(e["collector"] == "checks" for e in json.loads(rel["errors.json"]))


@pytest.mark.parametrize("value", HOSTILE)
def test_every_secret_of_the_answers_is_redacted_also_the_derived_registry_auth(value):
    """The secrets test_no_secret_leaks… does not place in the cluster (the admin password, Redis URL, registry
    password) and the docker `auth` built from the registry's user and password: a dockerconfigjson printed in a
    log carries `auth`, whose base64 contains none of the password's own forms."""
    from app.support.redact import Redactor

    doc = plain_document(
        database={"admin_password": f"A:{value}"},
        deploy={
            "target": "kubernetes",
            "version": "0.70.0",
            "redis_url": f"redis://:{quote(value, safe='')}@redis.acme.internal:6379/0",
            "registry": "registry.acme.internal/mirror",
            "registry_username": "puller",
            "registry_password": f"R:{value}",
        },
    )
    auth = base64.b64encode(f"puller:R:{value}".encode()).decode()
    config = json.dumps({"auths": {"registry.acme.internal": {"username": "puller", "auth": auth}}})
    log = "\n".join(
        [
            f"admin={doc['database']['admin_password']}",
            f"REDIS={doc['deploy']['redis_url']}",
            f"registry password {doc['deploy']['registry_password']}",
            f"config {config}",
            f"config.b64 {base64.b64encode(config.encode()).decode()}",
        ]
    )
    redactor = Redactor(answers(doc))
    out = redactor.text(log)
    for secret in (doc["database"]["admin_password"], doc["deploy"]["redis_url"], f"R:{value}", auth):
        assert not [f for f in encodings(secret) if f in out], secret
    assert redactor.counts["WANDB_REGISTRY_AUTH"] >= 1 and redactor.counts["WANDB_REGISTRY_PASSWORD"] >= 1
    assert redactor.counts["WANDB_DB_ADMIN_PASSWORD"] >= 1 and redactor.counts["WANDB_REDIS_URL"] >= 1


def test_the_certificate_w_and_b_serves_is_read_and_judged(pki, https_server):
    """The served leaf (e.g. issued by cert-manager, in no answer) is collected: one that expires in 10 days warns
    with a hint about where it is issued; an address that does not answer is recorded, and the answers'
    certificates are still judged."""
    leaf = pki.leaf("127.0.0.1", days=(-1, 10))
    port = https_server(pki.chain_pem(leaf), leaf.key_pem)
    doc = plain_document(host=f"https://127.0.0.1:{port}", tls={"mode": "cert-manager", "issuer": "le"},
                         deploy={"target": "docker-compose", "version": "0.70.0"})  # fmt: skip
    made = make_bundle(answers(doc), timeout=5)
    rel = {p.split("/", 1)[1]: t for p, t in _extract(made.data).items()}
    [expiry] = [a for a in json.loads(rel["analysis.json"]) if a["id"] == "certificates.expiry"]
    assert expiry["status"] == "warn" and f"served by 127.0.0.1:{port}" in expiry["message"]
    assert "expires in 9 days" in expiry["message"] or "expires in 10 days" in expiry["message"]
    assert "kubectl describe certificate" in expiry["hint"]

    from tests.services.net import free_port

    closed = plain_document(host=f"https://127.0.0.1:{free_port()}",  # a closed loopback port
                            tls={"mode": "provided", "cert_pem": leaf.cert_pem, "key_pem": leaf.key_pem})  # fmt: skip
    made = make_bundle(answers(closed), timeout=5)
    assert any(e["collector"] == "certificates" and "served by 127.0.0.1" in e["error"] for e in made.errors)
    rel = {p.split("/", 1)[1]: t for p, t in _extract(made.data).items()}
    [expiry] = [a for a in json.loads(rel["analysis.json"]) if a["id"] == "certificates.expiry"]
    assert expiry["status"] == "warn" and "(tls.cert_pem)" in expiry["message"]  # the answers' one, still judged
    assert "put it into tls.cert_pem" in expiry["hint"]
