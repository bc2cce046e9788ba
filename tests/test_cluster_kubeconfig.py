"""kubeconfig parsing, version rules, failure causes, and secrecy of the kubeconfig."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest
import yaml

from app.checks import _kube as k, kubeconfig as kc
from app.requirements import load
from tests import factories as f

ROOT = Path(__file__).resolve().parents[1]

TWO = yaml.safe_dump(
    {
        "current-context": "a",
        "clusters": [
            {"name": "ca", "cluster": {"server": "https://a.invalid:6443"}},
            {"name": "cb", "cluster": {"server": "https://b.invalid:6443"}},
        ],
        "contexts": [
            {"name": "a", "context": {"cluster": "ca", "user": "u"}},
            {"name": "b", "context": {"cluster": "cb", "user": "u"}},
        ],
        "users": [{"name": "u", "user": {"token": "sekret-token-abc"}}],
    }
)


def test_contexts_and_current_context():
    assert kc.contexts(TWO) == ["a", "b"]
    assert kc.current_context(TWO) == "a"
    assert kc.server(TWO, "b") == "https://b.invalid:6443"
    assert kc.single_config(TWO, "b").cluster.server == "https://b.invalid:6443"


def _with_user(user: dict, **cluster) -> str:
    return yaml.safe_dump(
        {
            "current-context": "x",
            "clusters": [{"name": "c", "cluster": {"server": "https://k.invalid", **cluster}}],
            "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
            "users": [{"name": "u", "user": user}],
        }
    )


@pytest.mark.parametrize(
    "text, words",
    [
        pytest.param("a: [", "not valid YAML", id="bad-yaml"),
        pytest.param("- 1", "a mapping", id="not-a-mapping"),
        pytest.param("clusters: []\ncontexts: []\n", "no clusters", id="empty"),
        pytest.param(
            _with_user(
                {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "gke-gcloud-auth-plugin"}}
            ),
            "exec plugins: not supported here: use a token or client certificate",
            id="exec",
        ),
        pytest.param(_with_user({"auth-provider": {"name": "oidc"}}), "not supported here", id="auth-provider"),
        pytest.param(_with_user({"username": "admin", "password": "pw-secret-1"}), "no credentials", id="basic-auth"),
        pytest.param(_with_user({"client-certificate-data": "Zm9v"}), "no client key", id="cert-without-key"),
        pytest.param(
            _with_user({"token": "t0k3n-xyz"}, **{"certificate-authority-data": "***"}), "not base64", id="bad-ca"
        ),
        pytest.param(
            _with_user({"token": "t0k3n-xyz"}, **{"certificate-authority": "ca.crt"}), "absolute path", id="relative-ca"
        ),
    ],
)
def test_unusable_kubeconfigs_are_explained_without_secrets(text, words):
    with pytest.raises(kc.KubeconfigError) as exc:
        kc.single_config(text)
    assert words in str(exc.value)
    for secret in ("pw-secret-1", "t0k3n-xyz"):
        assert secret not in str(exc.value)


def test_unknown_context_lists_the_known_ones():
    with pytest.raises(kc.KubeconfigError, match="'c' is not in deploy.kubeconfig .contexts: a, b."):
        kc.resolve(TWO, "c")


def test_version_rules_are_ordered_data():
    rules = load("current")["cluster"]["version"]
    assert [k.judge_version(v, rules)["status"] for v in [(1, 36), (1, 34), (1, 31), (1, 28)]] == [
        "pass",
        "pass",
        "warn",
        "fail",
    ]
    assert k.parse_version("v1.30.2+k3s1") == (1, 30)
    assert k.parse_version("garbage") is None


def _connect_error(inner: BaseException) -> Exception:
    try:
        try:
            raise inner
        except BaseException as e:
            raise httpx2.ConnectError(str(e)) from e
    except httpx2.ConnectError as outer:
        return outer


@pytest.mark.parametrize(
    "exc, kind",
    [
        pytest.param(_connect_error(socket.gaierror(-2, "Name or service not known")), "dns", id="dns"),
        pytest.param(_connect_error(ConnectionRefusedError(111, "Connection refused")), "refused", id="refused"),
        pytest.param(httpx2.ConnectTimeout("timed out"), "timeout", id="timeout"),
        pytest.param(_connect_error(ssl.SSLCertVerificationError("CERTIFICATE_VERIFY_FAILED")), "tls", id="tls"),
    ],
)
def test_failure_causes(exc, kind):
    assert k.cause(exc) == kind


def test_cli_json_report_never_contains_the_kubeconfig_token(kube, tmp_path):
    """The token (valid and invalid) appears nowhere in validate output, in any format."""
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        yaml.safe_dump(
            f.answers_doc(f.MINIMAL, profile="kube-cli", deploy={"target": "kubernetes", "kubeconfig": {"env": "KCFG"}})
        )
    )
    outputs = []
    for token in (kube.token, "bad-token-Qx81"):
        for fmt in ("json", "text", "junit"):
            env = {**os.environ, "PYTHONPATH": str(ROOT), "KCFG": kube.kubeconfig(token=token)}
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "app",
                    "validate",
                    str(answers),
                    "--step",
                    "deploy",
                    "--format",
                    fmt,
                    "--timeout",
                    "5",
                ],
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
                cwd=ROOT,
            )
            outputs.append((token, fmt, done))
            assert token not in done.stdout + done.stderr
    good_json = json.loads(outputs[0][2].stdout)
    bad_json = json.loads(outputs[3][2].stdout)
    status = {c["id"]: c["status"] for c in good_json["checks"]}
    assert status["deploy.cluster.connect"] == "pass" and status["deploy.cluster.nodes"] == "pass"
    bad = {c["id"]: c for c in bad_json["checks"]}["deploy.cluster.connect"]
    assert bad["status"] == "fail" and "401" in str(bad["message"])
    assert outputs[3][2].returncode == 1
