"""object_store.* checks (§4.3) against a real SeaweedFS (tests/services/seaweedfs.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.answers import parse_document
from app.checks import _s3
from tests import factories as f

HOST = "https://wandb.acme.internal"  # origin https://wandb.acme.internal
IDS = ["endpoint", "tls", "credentials", "bucket", "region", "read_write", "presigned", "cors", "clock_skew"]
ROOT = Path(__file__).resolve().parent.parent


def answers_doc(s3, bucket: str, **store) -> dict:
    doc = f.answers_doc(
        f.MINIMAL,
        profile="s3-test",
        host=HOST,
        object_store={
            "endpoint": s3.endpoint,
            "bucket": bucket,
            "region": "us-east-1",
            "access_key": s3.access_key,
            "secret_key": s3.secret_key,
            "path_style": True,
        },
    )
    doc["object_store"].update(store)
    return doc


def run(doc: dict, timeout: float = 5.0) -> dict:
    by_id = f.results(parse_document(doc), steps=["object_store"], timeout=timeout)
    results = {i.split(".", 1)[1]: r for i, r in by_id.items()}
    assert sorted(results) == sorted(IDS)
    return results


def statuses(results: dict) -> dict:
    return {k: results[k].status for k in IDS}


ALL_PASS_HTTP = dict.fromkeys(IDS, "pass") | {"tls": "warn"}
SIGNED_SKIPPED = {"bucket": "skip", "region": "skip", "read_write": "skip", "presigned": "skip", "cors": "skip"}


def test_good_bucket_passes_and_leaves_nothing_behind(seaweedfs):
    bucket = seaweedfs.new_bucket(cors_origin=HOST)
    results = run(answers_doc(seaweedfs, bucket))
    assert statuses(results) == ALL_PASS_HTTP, {k: r.message for k, r in results.items()}
    assert "unencrypted" in str(results["tls"].message)
    assert results["credentials"].observed == seaweedfs.access_key
    assert seaweedfs.keys(bucket) == []  # read_write and presigned deleted their scratch objects


@pytest.mark.parametrize(
    "store, check, status, needle",
    [
        pytest.param(
            {"access_key": "AKIANOSUCHKEY0000000"}, "credentials", "fail", "InvalidAccessKeyId", id="wrong-access-key"
        ),
        pytest.param(
            {"secret_key": "not-the-secret"}, "credentials", "fail", "SignatureDoesNotMatch", id="wrong-secret"
        ),
    ],
)
def test_bad_credentials_are_named(seaweedfs, store, check, status, needle):
    bucket = seaweedfs.new_bucket(cors_origin=HOST)
    results = run(answers_doc(seaweedfs, bucket, **store))
    assert results[check].status == status
    assert needle in str(results[check].message)
    assert store.get("secret_key", "\0") not in str(results[check].message)
    assert {k: results[k].status for k in SIGNED_SKIPPED} == SIGNED_SKIPPED
    assert results["clock_skew"].status == "pass"  # independent of the credentials


def test_valid_key_without_access_fails_bucket_not_credentials(seaweedfs):
    from tests.services.seaweedfs import LIMITED_KEY, LIMITED_SECRET

    bucket = seaweedfs.new_bucket(cors_origin=HOST)
    results = run(answers_doc(seaweedfs, bucket, access_key=LIMITED_KEY, secret_key=LIMITED_SECRET))
    assert results["credentials"].status == "pass"
    assert results["bucket"].status == "fail"
    assert "AccessDenied" in str(results["bucket"].message) and "s3:ListBucket" in str(results["bucket"].hint)


def test_https_endpoint_serving_plain_http_fails_tls(seaweedfs):
    port = seaweedfs.endpoint.rsplit(":", 1)[1]
    results = run(answers_doc(seaweedfs, "wb-plain", endpoint=f"https://127.0.0.1:{port}"))
    assert results["tls"].status == "fail"
    assert "TLS handshake failed" in str(results["tls"].message)
    assert "serves TLS" in str(results["tls"].hint)


def test_scratch_object_is_deleted_when_a_later_step_fails(seaweedfs):
    from app.checks._object_store_collect import client, round_trip
    from app.checks._object_store_rules import judge_round_trip
    from app.checks.engine import Context
    from app.requirements import load

    bucket = seaweedfs.new_bucket()
    ctx = Context(parse_document(answers_doc(seaweedfs, bucket)), load("current"), 5.0)
    s3 = client(ctx)

    def broken_get():
        assert seaweedfs.keys(bucket) == ["wbsetup-check-x"]  # the put really happened
        raise ConnectionError("network dropped")

    got = round_trip(
        ctx,
        "wbsetup-check-x",
        put=lambda data: s3.put_object(Bucket=bucket, Key="wbsetup-check-x", Body=data),
        get=broken_get,
    )
    outcome = judge_round_trip(ctx.answers.object_store, got, ctx.timeout)
    assert outcome.status == "fail" and str(outcome.message).startswith("get of a scratch object failed")
    assert seaweedfs.keys(bucket) == []


def test_missing_bucket_fails_with_mc_mb_hint(seaweedfs):
    bucket = seaweedfs.new_bucket(create=False)
    results = run(answers_doc(seaweedfs, bucket))
    assert results["credentials"].status == "pass"
    assert results["bucket"].status == "fail"
    assert "NoSuchBucket" in str(results["bucket"].message)
    assert f"mc mb --region=us-east-1 ALIAS/{bucket}" in str(results["bucket"].hint)
    assert "Create bucket action" in str(results["bucket"].hint)
    assert {k: results[k].status for k in ("region", "read_write", "presigned", "cors")} == dict.fromkeys(
        ("region", "read_write", "presigned", "cors"), "skip"
    )


@pytest.mark.parametrize(
    "cors_origin",
    [
        pytest.param(None, id="no-cors-rule"),
        pytest.param("https://other.acme.internal", id="rule-for-another-origin"),
        pytest.param("http://wandb.acme.internal", id="rule-for-http-not-https"),
    ],
)
def test_cors_denied_fails_with_xml_and_command(seaweedfs, cors_origin):
    bucket = seaweedfs.new_bucket(cors_origin=cors_origin)
    results = run(answers_doc(seaweedfs, bucket))
    cors = results["cors"]
    assert cors.status == "fail"
    assert "https://wandb.acme.internal" in str(cors.message) and "HTTP 403" in str(cors.message)
    assert f"mc cors set ALIAS/{bucket} cors.xml" in str(cors.hint)
    assert "<AllowedOrigin>https://wandb.acme.internal</AllowedOrigin>" in str(cors.hint)
    assert "\n" not in str(cors.hint)
    assert statuses(results) == ALL_PASS_HTTP | {"cors": "fail"}


def test_cors_needs_host(seaweedfs):
    doc = answers_doc(seaweedfs, seaweedfs.new_bucket(cors_origin=HOST))
    del doc["host"]
    results = run(doc)
    assert results["cors"].status == "skip" and "host" in str(results["cors"].message)


def test_region_mismatch_fails(seaweedfs):
    bucket = seaweedfs.new_bucket(cors_origin=HOST)
    results = run(answers_doc(seaweedfs, bucket, region="eu-central-1"))
    assert results["credentials"].status == "pass"  # SeaweedFS accepts any signing region
    assert results["region"].status == "fail"
    assert results["region"].observed == "us-east-1" and results["region"].expected == "eu-central-1"
    assert "object_store.region: us-east-1" in str(results["region"].hint)


@pytest.mark.parametrize(
    "path_style, url",
    [
        pytest.param(True, "http://localhost:9000/wb-bucket/k?", id="path-style"),
        pytest.param(False, "http://wb-bucket.localhost:9000/k?", id="virtual-host"),
    ],
)
def test_addressing_style_is_honoured(seaweedfs, path_style, url):
    store = parse_document(
        answers_doc(seaweedfs, "wb-bucket", endpoint="http://localhost:9000", path_style=path_style)
    ).object_store
    signed = _s3.client(store, 5).generate_presigned_url("get_object", Params={"Bucket": "wb-bucket", "Key": "k"})
    assert signed.startswith(url)
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in signed  # SigV4


def test_closed_port_fails_endpoint_and_skips_the_rest(seaweedfs, closed_port):
    results = run(answers_doc(seaweedfs, "wb-closed", endpoint=f"http://127.0.0.1:{closed_port}"))
    assert results["endpoint"].status == "fail"
    assert "127.0.0.1: connection refused" in str(results["endpoint"].message)
    assert "Start the S3 service" in str(results["endpoint"].hint)
    assert all(results[k].status == "skip" for k in IDS if k != "endpoint")


def test_unresolvable_host_fails_endpoint(seaweedfs):
    results = run(answers_doc(seaweedfs, "wb-dns", endpoint="http://no-such-host.invalid:9000"))
    assert results["endpoint"].status == "fail"
    assert "does not resolve" in str(results["endpoint"].message)


def test_silent_server_ends_within_the_timeout(seaweedfs, silent_port):
    """The checks give up on their own budget and say so; how long that takes is a bench figure
    (bench/timeouts.py: `validate --step object_store` against a silent server, wall / timeout)."""
    results = run(answers_doc(seaweedfs, "wb-silent", endpoint=f"http://127.0.0.1:{silent_port}"), timeout=2.0)
    assert results["endpoint"].status == "pass"  # TCP connects; nothing answers
    assert results["credentials"].status == "fail"
    assert "no answer within" in str(results["credentials"].message)
    assert results["clock_skew"].status == "fail"


def test_silent_server_over_https_fails_tls_within_the_timeout(seaweedfs, silent_port):
    results = run(answers_doc(seaweedfs, "wb-silent", endpoint=f"https://127.0.0.1:{silent_port}"), timeout=1.0)
    assert results["tls"].status == "fail" and "no TLS handshake" in str(results["tls"].message)


def test_https_untrusted_certificate_fails(seaweedfs):
    bucket = seaweedfs.new_bucket(cors_origin=HOST)
    results = run(answers_doc(seaweedfs, bucket, endpoint=seaweedfs.https_endpoint))
    assert results["tls"].status == "fail"
    assert "W&B does not support self-signed certificates" in str(results["tls"].message)
    assert "unable to get local issuer certificate" in str(results["tls"].message)
    assert results["credentials"].status == "skip"


def test_https_private_ca_warns_and_everything_works_through_it(seaweedfs):
    bucket = seaweedfs.new_bucket(cors_origin=HOST)
    results = run(answers_doc(seaweedfs, bucket, endpoint=seaweedfs.https_endpoint, ca_pem=seaweedfs.ca_pem))
    assert results["tls"].status == "warn"
    assert "customCACerts" in str(results["tls"].hint)
    assert statuses(results) == ALL_PASS_HTTP, {k: r.message for k, r in results.items()}
    assert seaweedfs.keys(bucket) == []


def test_https_system_trust_store_passes(seaweedfs, monkeypatch):
    # OpenSSL reads SSL_CERT_FILE as the system store: the trustme CA becomes "publicly trusted".
    monkeypatch.setenv("SSL_CERT_FILE", seaweedfs.ca_path)
    bucket = seaweedfs.new_bucket(cors_origin=HOST)
    results = run(answers_doc(seaweedfs, bucket, endpoint=seaweedfs.https_endpoint))
    assert statuses(results) == dict.fromkeys(IDS, "pass"), {k: r.message for k, r in results.items()}


def test_https_host_name_mismatch_fails(seaweedfs):
    # The certificate names localhost only; the same server reached as 127.0.0.1 must not verify.
    port = seaweedfs.https_endpoint.rsplit(":", 1)[1]
    bucket = seaweedfs.new_bucket(cors_origin=HOST)
    results = run(answers_doc(seaweedfs, bucket, endpoint=f"https://127.0.0.1:{port}", ca_pem=seaweedfs.ca_pem))
    assert results["endpoint"].status == "pass"
    assert results["tls"].status == "fail"
    assert "does not name 127.0.0.1" in str(results["tls"].message) and "mismatch" in str(results["tls"].message)
    assert "subjectAltName" in str(results["tls"].hint)
    assert results["credentials"].status == "skip"


def test_validate_cli_json(seaweedfs, tmp_path):
    bucket = seaweedfs.new_bucket(cors_origin=HOST)
    doc = answers_doc(seaweedfs, bucket)
    doc["object_store"]["secret_key"] = {"env": "WANDB_S3_SECRET_KEY"}
    (tmp_path / "answers.yaml").write_text(yaml.safe_dump(doc))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WANDB_S3_SECRET_KEY": seaweedfs.secret_key}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "validate",
            str(tmp_path / "answers.yaml"),
            "--step",
            "object_store",
            "--format",
            "json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {c["id"]: c["status"] for c in out["checks"]} == {f"object_store.{k}": v for k, v in ALL_PASS_HTTP.items()}
    assert out["summary"]["pass"] == 8 and out["summary"]["warn"] == 1
    assert seaweedfs.secret_key not in proc.stdout
    assert seaweedfs.keys(bucket) == []
