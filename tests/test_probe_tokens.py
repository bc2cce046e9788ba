"""Probe upload tokens and upload parsing: pure logic, table-driven."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from app.checks.engine import run_checks_sync
from app.probe.tokens import (
    TOKEN_TTL,
    UploadError,
    expires_at,
    facts_to_section,
    new_token,
    parse_upload,
    token_hash,
    token_matches,
    token_problem,
    weakest,
)
from tests import factories as f

TOKEN = new_token()
FACTS = {
    "arch": "x86_64",
    "cpu_cores": 8,
    "memory_gib": 31.3,
    "disk_gb": 200,
    "disk_mbps": 5210,
    "nics": 2,
    "nic_gbps": 10,
}


def _body(**changes) -> bytes:
    doc = {"token": TOKEN, "role": "app", "node": "app-1.acme.internal", "facts": dict(FACTS)}
    facts = changes.pop("facts", {})
    doc.update(changes)
    if isinstance(facts, dict):
        doc["facts"].update(facts)
    else:
        doc["facts"] = facts
    return json.dumps(doc).encode()


def test_tokens_are_random_and_only_hashes_are_stored():
    a, b = new_token(), new_token()
    assert a != b and len(a) == 43  # 32 random bytes, base64url
    assert token_hash(a) == token_hash(a) and len(token_hash(a)) == 64 and a not in token_hash(a)
    assert token_matches(a, token_hash(a)) and not token_matches(b, token_hash(a))


NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "kw, problem",
    [
        pytest.param({}, None, id="fresh"),
        pytest.param({"expires_at": NOW.replace(tzinfo=None) + timedelta(minutes=1)}, None, id="naive-utc-fresh"),
        pytest.param({"expires_at": NOW}, "expired", id="expires-now"),
        pytest.param({"expires_at": NOW - timedelta(seconds=1)}, "expired", id="expired"),
        pytest.param({"used_at": NOW - timedelta(minutes=5)}, "already used", id="one-time"),
        pytest.param({"role": "database"}, "issued for the database role, not app", id="other-role"),
    ],
)
def test_token_problem(kw, problem):
    args = {"expires_at": expires_at(NOW), "used_at": None, "role": "app", "upload_role": "app", "now": NOW, **kw}
    result = token_problem(**args)
    assert (result is None) if problem is None else (problem in str(result))


def test_expiry_is_the_ttl():
    assert expires_at(NOW) - NOW == TOKEN_TTL == timedelta(minutes=30)


def test_valid_upload():
    upload = parse_upload(_body(facts={"cpu_cores": 8.0, "nic_gbps": None}))
    assert upload.token == TOKEN and upload.role == "app" and upload.node == "app-1.acme.internal"
    assert upload.facts["cpu_cores"] == 8 and isinstance(upload.facts["cpu_cores"], int)
    assert upload.facts["nic_gbps"] is None and list(upload.facts) == list(FACTS)
    assert upload.token_hash == token_hash(TOKEN)


REJECTIONS = [
    pytest.param(b"x" * 16385, "upload too large: 16385 bytes", id="oversized"),
    pytest.param(b"{not json", "upload is not JSON", id="not-json"),
    pytest.param(b"\xff\xfe", "not UTF-8", id="not-utf8"),
    pytest.param(b"[1, 2]", "must be a JSON object", id="array"),
    pytest.param(_body(extra=1), "extra: unknown key", id="unknown-top-key"),
    pytest.param(
        json.dumps({"token": TOKEN, "role": "app", "node": "n"}).encode(),
        "facts: required key is missing",
        id="no-facts",
    ),
    pytest.param(_body(token=None), "token: missing or malformed", id="no-token"),
    pytest.param(_body(token="x' OR 1=1"), "token: missing or malformed", id="bad-token"),
    pytest.param(_body(role="client"), 'role: must be app or database, not "client"', id="wrong-role"),
    pytest.param(_body(role=None), "role: must be app or database", id="null-role"),
    pytest.param(_body(node="bad host/../x"), "node: must be a host name", id="node-path"),
    pytest.param(_body(node="a" * 254), "node: must be a host name", id="node-too-long"),
    pytest.param(_body(node=7), "node: must be a host name", id="node-number"),
    pytest.param(_body(facts=[1]), "facts: must be an object", id="facts-array"),
    pytest.param(_body(facts={"gpu": 1}), "facts.gpu: unknown key", id="unknown-fact"),
    pytest.param(
        json.dumps(
            {"token": TOKEN, "role": "app", "node": "n", "facts": {k: v for k, v in FACTS.items() if k != "nics"}}
        ).encode(),
        "facts.nics: required key is missing",
        id="missing-fact",
    ),
    pytest.param(_body(facts={"cpu_cores": -4}), "facts.cpu_cores: must be at least 1", id="negative-cores"),
    pytest.param(_body(facts={"cpu_cores": 4.5}), "facts.cpu_cores", id="fractional-cores"),
    pytest.param(_body(facts={"cpu_cores": "8"}), "facts.cpu_cores: must be a number or null", id="string-cores"),
    pytest.param(_body(facts={"cpu_cores": True}), "facts.cpu_cores: must be a number or null", id="bool-cores"),
    pytest.param(_body(facts={"memory_gib": 0}), "facts.memory_gib: must be greater than 0", id="zero-mem"),
    pytest.param(_body(facts={"memory_gib": 1e9}), "facts.memory_gib: must be at most 65536", id="absurd-mem"),
    pytest.param(_body(facts={"disk_mbps": 1e12}), "facts.disk_mbps", id="absurd-bandwidth"),
    pytest.param(_body(facts={"nics": 65}), "facts.nics", id="absurd-nics"),
    pytest.param(_body(facts={"nic_gbps": -10}), "facts.nic_gbps", id="negative-speed"),
    pytest.param(_body().replace(b'"disk_gb": 200', b'"disk_gb": NaN'), "facts: NaN is not a number", id="nan"),
    pytest.param(_body().replace(b'"disk_gb": 200', b'"disk_gb": Infinity'), "Infinity is not a number", id="infinity"),
    pytest.param(
        _body(facts={"arch": "x86 64; rm"}),
        "facts.arch: not allowed here; use letters, digits, _ and -",
        id="arch-pattern",
    ),
    pytest.param(_body(facts={"arch": 64}), "facts.arch: must be a string", id="arch-number"),
    pytest.param(_body(role="database", facts={"memory_gib": 70000}), "facts.memory_gib", id="database-bounds"),
]


@pytest.mark.parametrize("body, message", REJECTIONS)
def test_rejections(body, message):
    with pytest.raises(UploadError) as exc:
        parse_upload(body)
    assert message in str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_pasted_report_needs_no_token():
    doc = json.loads(_body())
    del doc["token"]
    assert parse_upload(json.dumps(doc).encode(), require_token=False).token is None
    with pytest.raises(UploadError, match="token: required key is missing"):
        parse_upload(json.dumps(doc).encode())


def test_max_bytes_is_adjustable():
    with pytest.raises(UploadError, match="at most 100"):
        parse_upload(_body(), max_bytes=100)


@pytest.mark.parametrize(
    "role, facts, section",
    [
        pytest.param("app", FACTS, FACTS, id="app-all"),
        pytest.param("database", FACTS, {k: v for k, v in FACTS.items() if k != "arch"}, id="database-no-arch"),
        pytest.param(
            "app",
            {**FACTS, "nic_gbps": None, "disk_mbps": None},
            {k: v for k, v in FACTS.items() if k not in ("nic_gbps", "disk_mbps")},
            id="unknowns-left-out",
        ),
    ],
)
def test_facts_to_section(role, facts, section):
    assert facts_to_section(role, facts) == section


def test_uploaded_facts_feed_the_hardware_checks():
    """End to end without the web: upload → section → answers → engine judgements."""
    upload = parse_upload(_body(role="database", facts={"memory_gib": 16.0, "nic_gbps": None}))
    answers = f.answers(f.MINIMAL, profile="p", hardware={"database": facts_to_section(upload.role, upload.facts)})
    report = run_checks_sync(answers, steps=["hardware"])
    status = {r.id: r.status for r in report.results if r.id.startswith("hardware.database.")}
    assert status == {
        "hardware.database.cpu": "pass",
        "hardware.database.memory": "fail",
        "hardware.database.disk": "fail",
        "hardware.database.disk_bandwidth": "pass",
        "hardware.database.network": "skip",
    }


def test_weakest_node_decides():
    a = {**FACTS, "cpu_cores": 16, "disk_mbps": None}
    b = {**FACTS, "arch": "aarch64", "memory_gib": 15.6, "nic_gbps": 25}
    assert weakest([a, b]) == {**FACTS, "arch": "aarch64", "memory_gib": 15.6, "disk_mbps": 5210}
    assert weakest([]) == dict.fromkeys(FACTS)
