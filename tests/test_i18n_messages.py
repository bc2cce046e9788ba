"""Check messages with values reach the Korean UI translated: real outcomes from the engine are
rendered through app/i18n_messages.py's patterns and the Korean catalog."""

import pytest

from app import i18n
from app.answers import parse_document
from app.checks.engine import run_checks_sync
from app.i18n_messages import PATTERNS, translate

KO = i18n.translations("ko").gettext


def results(doc):
    return {r.id: r for r in run_checks_sync(parse_document({"schema": 1, "profile": "p", **doc}),
                                             steps=["hardware"]).results}


@pytest.mark.parametrize("check_id,doc,expected", [
    pytest.param("hardware.app.cpu", {"hardware": {"app": {"cpu_cores": 2}}}, "애플리케이션 노드가 2 cores", id="cpu"),
    pytest.param("hardware.database.memory", {"hardware": {"database": {"memory_gib": 16}}}, "데이터베이스 서버가 16 GiB",
                 id="db-memory"),
    pytest.param("hardware.app.arch", {"hardware": {"app": {"arch": "aarch64"}}}, "aarch64 아키텍처는 지원되지 않습니다",
                 id="arch"),
    pytest.param("hardware.app.disk", {}, "입력값이 없습니다: hardware.app.disk_gb", id="input-missing"),
])
def test_real_messages_translate(check_id, doc, expected):
    result = results(doc)[check_id]
    assert expected in translate(result.message, KO)


def test_hint_with_value_translates():
    hint = results({"hardware": {"app": {"cpu_cores": 2}}})["hardware.app.cpu"].hint
    assert translate(hint, KO) == "각 노드에 CPU 코어를 4개 이상 할당하세요"


def test_every_pattern_template_is_translated_with_the_same_fields():
    for _, template in PATTERNS:
        assert KO(template) != template, template
        fields = set(__import__("re").findall(r"%\((\w+)\)s", template))
        assert set(__import__("re").findall(r"%\((\w+)\)s", KO(template))) == fields


def test_unknown_messages_stay_english():
    assert translate("something new happened", KO) == "something new happened"
    assert translate("input missing: x", lambda s: s) == "input missing: x"  # English catalog


def test_korean_checks_panel_shows_translated_message(client):
    client.post_form("/profiles", {"name": "acme-ko"}, headers={"Accept-Language": "ko"}, follow_redirects=False)
    client.post_form("/p/acme-ko/hardware", {"version": "1", "hardware.app.cpu_cores": "2", "language": "ko"},
                     follow_redirects=False)
    from tests.services.wizard import wait_until

    client.post("/p/acme-ko/checks/hardware", headers={"X-CSRF-Token": client.csrf})
    assert wait_until(lambda: "애플리케이션 노드가 2 cores" in client.get("/p/acme-ko/checks/hardware").text)


@pytest.mark.parametrize("message,expected", [
    pytest.param("bucket wandb-files does not exist (NoSuchBucket)", "버킷 wandb-files 이(가) 없습니다", id="no-bucket"),
    pytest.param("the secret key does not match access key AKIA1 (SignatureDoesNotMatch)", "시크릿 키가 액세스 키 AKIA1",
                 id="bad-secret"),
    pytest.param("bucket b1 is in eu-west-1, not us-east-1", "us-east-1 이(가) 아니라 eu-west-1", id="region"),
    pytest.param("the certificate expired on 2026-01-02 (331 days ago)", "2026-01-02 에 만료", id="expired"),
    pytest.param("W&B should be served over TLS: host is http://x", "W&B는 TLS로 제공해야 합니다", id="http-host"),
])
def test_object_store_and_tls_messages_translate(message, expected):
    assert expected in translate(message, KO)


def test_patterns_do_not_swallow_each_other():
    """More specific shapes come first: the region mismatch is not read as the plain location."""
    assert "아니라" in translate("bucket b1 is in eu-west-1, not us-east-1", KO)
    assert translate("bucket b1 is in eu-west-1", KO) == "버킷 b1 의 리전: eu-west-1"
