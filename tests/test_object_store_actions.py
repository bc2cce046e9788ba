"""Object-store actions (create bucket, apply CORS) against a real SeaweedFS; each is proven by the
check it fixes turning from fail to pass."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from app.actions.object_store import apply_cors, cors_preview, create_bucket
from app.answers import parse_document
from app.artifacts.cors import S3_XMLNS
from tests.test_object_store_checks import HOST, answers_doc, run


def test_create_bucket_fixes_the_bucket_check(seaweedfs):
    bucket = seaweedfs.new_bucket(create=False)
    doc = answers_doc(seaweedfs, bucket)
    assert run(doc)["bucket"].status == "fail"
    result = create_bucket(parse_document(doc), timeout=5)
    assert (result.ok, str(result.message)) == (True, f"bucket {bucket} created in us-east-1")
    assert run(doc)["bucket"].status == "pass"
    again = create_bucket(parse_document(doc), timeout=5)  # idempotent
    assert again.ok and "already exists" in str(again.message)


def test_create_bucket_with_a_region(seaweedfs):
    bucket = seaweedfs.new_bucket(create=False)
    result = create_bucket(parse_document(answers_doc(seaweedfs, bucket, region="eu-central-1")), timeout=5)
    assert result.ok, result
    assert bucket in [b["Name"] for b in seaweedfs.client().list_buckets()["Buckets"]]


@pytest.mark.parametrize(
    "store, detail",
    [
        pytest.param({"secret_key": "wrong"}, "SignatureDoesNotMatch", id="wrong-secret"),
        pytest.param({"access_key": "AKIANOSUCHKEY0000000"}, "InvalidAccessKeyId", id="wrong-key"),
    ],
)
def test_create_bucket_reports_the_store_error(seaweedfs, store, detail):
    bucket = seaweedfs.new_bucket(create=False)
    result = create_bucket(parse_document(answers_doc(seaweedfs, bucket, **store)), timeout=5)
    assert not result.ok
    assert result.detail == detail and detail in str(result.message)
    assert "wrong" not in str(result.message)


def test_create_bucket_closed_port_fails_fast(seaweedfs, closed_port):
    doc = answers_doc(seaweedfs, "wb-nowhere", endpoint=f"http://127.0.0.1:{closed_port}")
    result = create_bucket(parse_document(doc), timeout=2)
    assert not result.ok and "cannot connect" in str(result.message)


def test_apply_cors_fixes_the_cors_check_and_preview_is_what_is_applied(seaweedfs):
    bucket = seaweedfs.new_bucket()
    doc = answers_doc(seaweedfs, bucket)
    assert run(doc)["cors"].status == "fail"
    a = parse_document(doc)
    preview = cors_preview(a)
    origin = ET.fromstring(preview).find(f"{{{S3_XMLNS}}}CORSRule/{{{S3_XMLNS}}}AllowedOrigin").text
    assert origin == HOST
    result = apply_cors(a, timeout=5)
    assert result.ok, result
    assert result.detail == preview
    assert run(doc)["cors"].status == "pass"
    rules = seaweedfs.client().get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert [r["AllowedOrigins"] for r in rules] == [[HOST]]


@pytest.mark.parametrize(
    "drop, needle",
    [
        pytest.param("host", "host", id="no-host"),
        pytest.param("bucket", "object_store.bucket", id="no-bucket"),
    ],
)
def test_apply_cors_refuses_missing_inputs(seaweedfs, drop, needle):
    doc = answers_doc(seaweedfs, "wb-whatever")
    if drop == "host":
        del doc["host"]
    else:
        del doc["object_store"][drop]
    result = apply_cors(parse_document(doc), timeout=5)
    assert not result.ok and str(result.message).startswith("input missing") and needle in str(result.message)
