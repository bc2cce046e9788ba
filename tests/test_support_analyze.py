"""The support bundle's analyzers and redaction as pure functions over plain data (app/support/analyze.py,
app/support/redact.py): no server, no cluster."""

from __future__ import annotations

import datetime as dt

from app.demo.kube_objects import node, pod
from app.support import analyze
from app.support.redact import Redactor
from app.support.run import parse_duration

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _by_id(outcomes, id):
    return [o for o in outcomes if o["id"] == id]


def test_crash_loop_names_the_pod_and_reads_the_cause_from_the_previous_log():
    crashing = pod("wandb-7f9c-abcde", {"app": "wandb"}, state="crash", restarts=6)
    facts = {
        "namespace": "wandb",
        "pods": [crashing],
        "logs": {
            ("wandb-7f9c-abcde", "wandb", False): "",
            ("wandb-7f9c-abcde", "wandb", True): "starting\n"
            "Error 1045 (28000): Access denied for user 'wandb_local'@'10.244.0.17' (using password: YES)\n",
        },
    }
    [o] = analyze.pods(facts)
    assert o["id"] == "pods.crash_loop" and o["status"] == "fail"
    assert "wandb-7f9c-abcde" in str(o["message"]) and "6 restarts" in str(o["message"])
    assert "database password in the Secret differs from the server's" in str(o["message"])
    assert "Access denied for user 'wandb_local'" in str(o["message"])  # the log line quoted
    assert "kubectl -n wandb delete pod wandb-7f9c-abcde" in str(o["hint"])


def test_crash_loop_without_a_known_cause_quotes_the_last_line_and_the_exit_code():
    facts = {
        "pods": [pod("p1", {}, state="crash", restarts=2, exit_code=137)],
        "logs": {("p1", "wandb", True): "a\nlast words\n"},
    }
    [o] = analyze.pods(facts)
    assert "exit code 137" in str(o["message"]) and "last words" in str(o["message"])
    assert "--previous" in str(o["hint"])


def test_other_log_causes():
    for line, words in [
        ("InvalidAccessKeyId: The AWS Access Key Id you provided does not exist", "access key or the secret key"),
        ("NoSuchBucket: The specified bucket does not exist", "bucket does not exist"),
        ("x509: certificate signed by unknown authority", "not trusted"),
        ("dial tcp 10.0.0.5:3306: connect: connection refused", "cannot reach"),
        ("Error 1049: Unknown database 'wandb'", "does not exist on the server"),
    ]:
        cause, hint, quoted = analyze.log_cause(f"x\n{line}\n", "wandb", "p")
        assert words in str(cause) and quoted == line and hint


def test_image_pull_and_unschedulable_pods():
    facts = {
        "pods": [
            pod("puller", {}, state="pull", image="registry.invalid/wandb/local:9.9.9"),
            pod("waiting", {}, state="pending"),
            pod("fine", {}),
        ]
    }
    out = analyze.pods(facts)
    [pull] = _by_id(out, "pods.image_pull")
    assert "puller" in str(pull["message"]) and "registry.invalid/wandb/local:9.9.9" in str(pull["message"])
    assert "ImagePullBackOff" in str(pull["message"]) and "deploy.registry" in str(pull["hint"])
    [pending] = _by_id(out, "pods.unschedulable")
    assert "waiting" in str(pending["message"]) and "Insufficient cpu" in str(pending["message"])
    assert analyze.pods({"pods": [pod("fine", {})]})[0]["status"] == "pass"


def test_nodes_not_ready_and_under_pressure():
    sick = node("node-3", ready=False)
    pressed = node("node-4")
    pressed["status"]["conditions"].append(
        {"type": "DiskPressure", "status": "True", "message": "ephemeral storage low"}
    )
    out = analyze.nodes({"nodes": [node("node-1"), sick, pressed]})
    assert [str(o["message"]).split(":")[0] for o in _by_id(out, "nodes.ready")] == ["node node-3 is NotReady"]
    [p] = _by_id(out, "nodes.pressure")
    assert "node-4" in str(p["message"]) and "DiskPressure" in str(p["message"]) and p["status"] == "warn"
    assert analyze.nodes({"nodes": [node("node-1")]})[0]["status"] == "pass"


def test_warning_events_grouped_most_frequent_first():
    def ev(reason, name, count, type="Warning"):
        return {
            "type": type,
            "reason": reason,
            "count": count,
            "message": f"{reason} happened",
            "involvedObject": {"kind": "Pod", "name": name},
        }

    out = analyze.events(
        {
            "namespace": "wandb",
            "events": [
                ev("FailedMount", "a", 2),
                ev("BackOff", "b", 9),
                ev("Scheduled", "c", 1, "Normal"),
                ev("FailedMount", "a", 3),
            ],
        }
    )
    assert [str(o["message"]).split(" (")[0] for o in out] == ["BackOff on Pod b", "FailedMount on Pod a"]
    assert "(5×)" in str(out[1]["message"]) and "Secret" in str(out[1]["hint"])
    assert analyze.events({"events": []})[0]["status"] == "pass"


def test_services_and_wandb_ready_from_check_results():
    checks = [
        {
            "id": "database.connect",
            "status": "fail",
            "message": "connection refused by 10.0.0.5:3306",
            "hint": "Open TCP 3306",
        },
        {"id": "object_store.endpoint", "status": "pass", "message": ""},
        {"id": "verify.ready", "status": "error", "message": "timed out after 5 s", "hint": "raise --timeout"},
    ]
    out = analyze.services({"checks": checks})
    [db] = _by_id(out, "database.reachable")
    assert (
        db["status"] == "fail"
        and "connection refused by 10.0.0.5:3306" in str(db["message"])
        and str(db["hint"]) == "Open TCP 3306"
    )
    assert _by_id(out, "object_store.reachable")[0]["status"] == "pass"
    deployments = [{"metadata": {"name": "wandb"}, "spec": {"replicas": 2}, "status": {"readyReplicas": 1}}]
    ready = analyze.wandb_ready({"checks": checks, "deployments": deployments})
    assert {o["status"] for o in ready} == {"fail"}
    assert any("verify.ready" in str(o["message"]) for o in ready) and any(
        "1 of 2 replicas" in str(o["message"]) for o in ready
    )


def test_certificates_expiring_within_30_days():
    certs = [
        {"source": "tls.cert_pem", "subject": "soon", "not_after": (NOW + dt.timedelta(days=10)).isoformat()},
        {"source": "database.ca_pem", "subject": "gone", "not_after": (NOW - dt.timedelta(days=1)).isoformat()},
        {"source": "tls.ca_pem", "subject": "later", "not_after": (NOW + dt.timedelta(days=300)).isoformat()},
    ]
    out = analyze.certificates({"certificates": certs}, NOW)
    assert [(o["status"], str(o["message"]).split(" (")[0]) for o in out] == [
        ("warn", "certificate soon"),
        ("fail", "certificate gone"),
    ]
    assert "expires in 10 days" in str(out[0]["message"])


def test_analyze_orders_failures_first():
    facts = {"nodes": [node("n1")], "events": [], "pods": [pod("x", {}, state="pull")]}
    statuses = [o["status"] for o in analyze.analyze(facts, NOW)]
    assert statuses == sorted(statuses, key={"fail": 0, "warn": 1, "pass": 2}.get) and statuses[0] == "fail"


def test_third_party_patterns_are_redacted_with_named_placeholders():
    r = Redactor(None)
    text = r.text(
        "db:\n  password: hunter2 secret\n"
        "url=https://bob:s3cr3t-url@example.invalid/x?password=qs-pass&x=1\n"
        'json {"password": "json-pass", "Authorization": "Bearer eyJhbGciOi.jwt"}\n'
        "Authorization: Basic Ym9iOnBhc3M=\n"
        "creds AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY used\n"
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----\n"
        "sha1 0123456789abcdef0123456789abcdef01234567 stays\n"
    )
    for leaked in (
        "hunter2",
        "s3cr3t-url",
        "qs-pass",
        "json-pass",
        "eyJhbGciOi",
        "Ym9iOnBhc3M",
        "wJalrXUtnFEMI",
        "MIIEow",
    ):
        assert leaked not in text, leaked
    assert "0123456789abcdef0123456789abcdef01234567" in text  # a hex digest is no AWS key
    assert "https://bob:${REDACTED_URL_PASSWORD}@example.invalid" in text
    assert "${REDACTED_PRIVATE_KEY}" in text and "${REDACTED_AUTHORIZATION}" in text
    assert set(r.counts) == {
        "REDACTED_PASSWORD",
        "REDACTED_URL_PASSWORD",
        "REDACTED_AUTHORIZATION",
        "REDACTED_AWS_SECRET_KEY",
        "REDACTED_PRIVATE_KEY",
    }


def test_json_documents_redact_sensitive_keys_and_env_pairs():
    r = Redactor(None)
    doc = r.data(
        {
            "env": [{"name": "MYSQL_PASSWORD", "value": "env-pass"}, {"name": "HOST", "value": "kept"}],
            "values": {"mysql": {"password": "val-pass"}},
        }
    )
    assert doc == {
        "env": [{"name": "MYSQL_PASSWORD", "value": "${REDACTED_PASSWORD}"}, {"name": "HOST", "value": "kept"}],
        "values": {"mysql": {"password": "${REDACTED_PASSWORD}"}},
    }


def test_since_durations():
    assert parse_duration("90s") == 90 and parse_duration("1h30m") == 5400 and parse_duration("2d") == 172800
    for bad in ("", "ten", "5x", "0s"):
        try:
            parse_duration(bad)
        except ValueError as exc:
            assert "--since" in str(exc)
        else:
            raise AssertionError(bad)


def test_kubeconfig_credentials_are_redacted_written_and_decoded():
    import base64

    import trustme
    import yaml

    from tests.bundle_corpus import answers, plain_document

    key = trustme.CA().private_key_pem.bytes().decode()
    key_data = base64.b64encode(key.encode()).decode()
    kubeconfig = yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "c",
            "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:6443"}}],
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
            "users": [
                {
                    "name": "u",
                    "user": {
                        "client-certificate-data": "Y2VydA==",
                        "client-key-data": key_data,
                        "password": "kube-basic-pass",
                    },
                }
            ],
        }
    )
    r = Redactor(
        answers(plain_document(deploy={"target": "kubernetes", "version": "0.70.0", "kubeconfig": kubeconfig}))
    )
    body = key.splitlines()[3]
    text = r.text(f"a {key_data} b\nkey line {body}\nbasic kube-basic-pass\n")
    assert key_data not in text and body not in text and "kube-basic-pass" not in text
    assert r.counts["WANDB_KUBECONFIG"] == 3
