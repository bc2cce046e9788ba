"""object-store/cors.xml, cors.json and minio-setup.sh (§6): exact values reach the consumer."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import xml.etree.ElementTree as ET

import pytest

from app.answers import parse_document
from app.artifacts.cors import PLACEHOLDER_ORIGIN, S3_XMLNS, cors_json, cors_rules, cors_xml, minio_setup_sh
from tests import factories as f

NS = {"s3": S3_XMLNS}


def answers(host="https://wandb.acme.internal", **store):
    doc = f.answers_doc(
        f.MINIMAL,
        profile="cors",
        object_store={
            "endpoint": "https://s3.acme.internal:9000",
            "bucket": "wandb-files",
            "region": "eu-central-1",
            "access_key": "AKIAEXAMPLE",
            **store,
        },
    )
    if host:
        doc["host"] = host
    return parse_document(doc)


@pytest.mark.parametrize(
    "host, origin",
    [
        pytest.param("https://wandb.acme.internal", "https://wandb.acme.internal", id="https-default-port"),
        pytest.param("https://wandb.acme.internal:443", "https://wandb.acme.internal", id="explicit-443-dropped"),
        pytest.param("http://10.0.0.5:8080", "http://10.0.0.5:8080", id="http-ip-port"),
        pytest.param("https://[fd00::5]:8443", "https://[fd00::5]:8443", id="ipv6"),
        pytest.param(None, PLACEHOLDER_ORIGIN, id="no-host-placeholder"),
    ],
)
def test_rule_allows_exactly_the_host_origin(host, origin):
    assert cors_rules(answers(host)) == {
        "CORSRules": [
            {
                "AllowedOrigins": [origin],
                "AllowedMethods": ["GET", "PUT", "HEAD"],
                "AllowedHeaders": ["*"],
                "ExposeHeaders": ["ETag"],
                "MaxAgeSeconds": 3000,
            }
        ]
    }


def parse_xml(text: str) -> dict:
    root = ET.fromstring(text.encode())
    assert root.tag == f"{{{S3_XMLNS}}}CORSConfiguration"
    (rule,) = root.findall("s3:CORSRule", NS)
    return {
        "AllowedOrigins": [e.text for e in rule.findall("s3:AllowedOrigin", NS)],
        "AllowedMethods": [e.text for e in rule.findall("s3:AllowedMethod", NS)],
        "AllowedHeaders": [e.text for e in rule.findall("s3:AllowedHeader", NS)],
        "ExposeHeaders": [e.text for e in rule.findall("s3:ExposeHeader", NS)],
        "MaxAgeSeconds": int(rule.find("s3:MaxAgeSeconds", NS).text),
    }


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("https://wandb.acme.internal", id="plain"),
        pytest.param("https://a&b<c>.example:8443", id="xml-special-characters-escaped"),
    ],
)
def test_xml_and_json_carry_the_same_rule(host):
    a = answers(host)
    assert parse_xml(cors_xml(a)) == cors_rules(a)["CORSRules"][0]
    assert json.loads(cors_json(a)) == cors_rules(a)
    assert cors_xml(a).startswith('<?xml version="1.0" encoding="UTF-8"?>\n<CORSConfiguration xmlns=')


def test_xml_is_deterministic():
    assert cors_xml(answers()) == cors_xml(answers())


def test_cors_json_applies_to_a_real_store_and_the_preflight_passes(seaweedfs):
    import httpx

    a = answers("http://wandb.acme.internal:8080")
    bucket = seaweedfs.new_bucket()
    seaweedfs.client().put_bucket_cors(Bucket=bucket, CORSConfiguration=json.loads(cors_json(a)))
    r = httpx.options(
        f"{seaweedfs.endpoint}/{bucket}/x",
        headers={"Origin": "http://wandb.acme.internal:8080", "Access-Control-Request-Method": "PUT"},
        timeout=5,
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "http://wandb.acme.internal:8080"
    assert r.headers["access-control-expose-headers"] == "ETag"


# -- minio-setup.sh ---------------------------------------------------------------------------------

MC_STANDIN = """#!/bin/sh
# stand-in for MinIO's mc: records each invocation's arguments, one per line, NUL-terminated records
for a in "$@"; do printf '%s\\n' "$a"; done >> "$MC_LOG"
printf '\\0' >> "$MC_LOG"
"""

HOSTILE_KEY = "AK'\"$(touch pwned) `id` ;&|*?\\ x"
HOSTILE_SECRET = "s3cr3t'\"$HOME `id` \\ /+=%#{}"


def run_script(tmp_path, text: str, env_extra: dict) -> tuple[subprocess.CompletedProcess, list[list[str]]]:
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    mc = bindir / "mc"
    mc.write_text(MC_STANDIN)
    mc.chmod(mc.stat().st_mode | stat.S_IEXEC)
    script = tmp_path / "minio-setup.sh"
    script.write_text(text)
    log = tmp_path / "mc.log"
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "MC_LOG": str(log), **env_extra}
    proc = subprocess.run(["sh", str(script)], cwd="/", env=env, capture_output=True, text=True, timeout=10)
    calls = [rec.split("\n")[:-1] for rec in log.read_text().split("\0")[:-1]] if log.exists() else []
    return proc, calls


def test_minio_script_passes_exact_values_to_mc(tmp_path):
    a = answers(access_key=HOSTILE_KEY)
    text = minio_setup_sh(a)
    assert "set -eu" in text.splitlines()
    assert HOSTILE_SECRET not in text and "WANDB_S3_SECRET_KEY" in text
    assert subprocess.run(["sh", "-n"], input=text, text=True).returncode == 0
    proc, calls = run_script(tmp_path, text, {"WANDB_S3_SECRET_KEY": HOSTILE_SECRET})
    assert proc.returncode == 0, proc.stderr
    assert calls == [
        ["alias", "set", "wandb", "https://s3.acme.internal:9000", HOSTILE_KEY, HOSTILE_SECRET, "--api", "s3v4"],
        ["mb", "--ignore-existing", "--region=eu-central-1", "wandb/wandb-files"],
        ["cors", "set", "wandb/wandb-files", "cors.xml"],
    ]
    assert not os.path.exists("/pwned") and not (tmp_path / "pwned").exists()


def test_minio_script_refuses_to_run_without_the_secret(tmp_path):
    proc, calls = run_script(tmp_path, minio_setup_sh(answers()), {})
    assert proc.returncode != 0
    assert "WANDB_S3_SECRET_KEY" in proc.stderr
    assert calls == []  # stopped before the first mc call
