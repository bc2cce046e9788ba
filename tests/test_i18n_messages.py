"""Messages with values reach the Korean UI translated: every f-string of the modules that produce check
messages, hints, action results and form errors is a catalog template (scripts/i18n_strings.py), and
app/i18n/legacy.py reads stored English messages back through those templates."""

from __future__ import annotations

import html
import re
import socket

import pytest

from app import i18n
from app.answers import AnswersError, parse_document
from app.checks.engine import run_checks_sync
from app.i18n.legacy import pattern_of, patterns, translate
from app.i18n.strings import TEMPLATES

KO = i18n.translations("ko").gettext
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def korean(text: str) -> bool:
    return bool(HANGUL.search(text))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_template_is_translated_with_the_same_fields():
    assert len(TEMPLATES) > 250
    for template in TEMPLATES:
        translated = KO(template)
        fields = set(re.findall(r"%\((\w+)\)s", template))
        assert set(re.findall(r"%\((\w+)\)s", translated)) == fields, template


def test_pattern_reads_values_back():
    p = pattern_of("bucket %(bucket)s is in %(actual)s, not %(region)s (100%% sure)")
    m = p.match("bucket b.1 is in eu-west-1, not us-east-1 (100% sure)")
    assert m and m.groupdict() == {"bucket": "b.1", "actual": "eu-west-1", "region": "us-east-1"}
    assert not p.match("bucket b.1 is in eu-west-1")


def test_more_specific_templates_come_first():
    order = [t for _, t, _ in patterns()]
    assert order.index("bucket %(bucket)s is in %(actual)s, not %(region)s") < order.index(
        "bucket %(bucket)s is in %(actual)s")
    assert "아니라" in translate("bucket b1 is in eu-west-1, not us-east-1", KO)


def test_unknown_messages_stay_english():
    assert translate("something new happened", KO) == "something new happened"
    assert translate("input missing: x", lambda s: s) == "input missing: x"  # the English catalog
    assert translate("", KO) == ""


def test_values_are_translated_too():
    """A value that is itself a message (here a ClusterIssuer note) is translated inside its sentence."""
    text = translate("denied in namespace wandb: create deployments (namespace wandb does not exist yet)", KO)
    assert korean(text) and "wandb" in text and "does not exist" not in text


def test_empty_parts_never_pull_in_the_catalog_header():
    """A "; "-list with an empty part (a note appended after "; ") must not translate "" (the .po header)."""
    text = translate("CN=x (SHA-256 AA) at 127.0.0.1, trusted, covers x; trusted only through tls.ca_pem; "
                     "equals tls.cert_pem's leaf", KO)
    assert "Content-Type" not in text and "Project-Id" not in text
    assert korean(text) and "CN=x (SHA-256 AA) at 127.0.0.1" in text
    assert translate("; ", KO) == "; " and translate(" ", KO) == " "


def test_a_list_of_messages_reads_item_by_item():
    """One item's pattern must not swallow the next items of a "; "-list."""
    text = translate("node report rejected: profile: the report is for profile 'other', not 'acme'; "
                     "node: the node's name (a string)", KO)
    first, _, second = text.partition("; ")
    assert "'other'" in first and "'acme'" in first and "node" not in first, text
    assert second.startswith("node: ") and korean(second), text


def test_path_prefixed_messages_translate_after_the_prefix():
    text = translate("tls.cert_pem: this is a private key, not a certificate", KO)
    assert text.startswith("tls.cert_pem: ") and korean(text)


@pytest.mark.parametrize("message, values", [
    pytest.param("bucket wandb-files does not exist (NoSuchBucket)", ["wandb-files", "NoSuchBucket"], id="no-bucket"),
    pytest.param("the secret key does not match access key AKIA1 (SignatureDoesNotMatch)", ["AKIA1"], id="bad-secret"),
    pytest.param("the certificate expired on 2026-01-02 (331 days ago)", ["2026-01-02", "331"], id="expired"),
    pytest.param("W&B should be served over TLS: host is http://x", ["http://x"], id="http-host"),
    pytest.param("app-1: Docker Engine not found", ["app-1"], id="node-docker"),
    pytest.param("cannot reach the database db1:3306 from app-1: timed out", ["db1:3306", "app-1"], id="node-db"),
    pytest.param("IngressClass nginx does not exist (existing: traefik)", ["nginx", "traefik"], id="ingress-class"),
    pytest.param("MySQL 5.7.44 is too old: W&B Server needs MySQL 5.7 or 8.0.28+", ["5.7.44"], id="db-version"),
    pytest.param("connection refused by 127.0.0.1:1", ["127.0.0.1:1"], id="db-refused"),
])
def test_messages_translate_with_their_values(message, values):
    text = translate(message, KO)
    assert korean(text), text
    for v in values:
        assert v in text


def test_every_failure_of_a_dead_installation_reads_korean(tmp_path):
    """Run every step against services that are not there (closed loopback ports): each message and hint
    of a result that is not a pass shows in Korean, with its values."""
    port = closed_port()
    answers = parse_document({
        "schema": 1, "profile": "dead", "host": f"https://127.0.0.1:{port}",
        "hardware": {"app": {"cpu_cores": 2, "memory_gib": 4, "disk_gb": 20, "arch": "aarch64", "nics": 1,
                             "nic_gbps": 1, "disk_mbps": 100},
                     "database": {"cpu_cores": 2, "memory_gib": 4, "disk_gb": 20}},
        "database": {"host": "127.0.0.1", "port": port, "user": "wandb", "password": "x"},
        "object_store": {"endpoint": f"http://127.0.0.1:{port}", "bucket": "wandb-files", "access_key": "AK",
                         "secret_key": "SK"},
        "tls": {"mode": "external"},
        "deploy": {"target": "kubernetes", "version": "latest", "kubeconfig": "apiVersion: v1\nkind: Config\n"},
    })
    report = run_checks_sync(answers, timeout=3)
    english = []
    for r in report.results:
        if r.status == "pass":
            continue
        for text in (r.message, r.hint):
            if text and not korean(translate(text, KO)):
                english.append(f"{r.id}: {text}")
    assert not english, english


def test_form_errors_translate():
    with pytest.raises(AnswersError) as err:
        parse_document({"schema": 1, "profile": "p", "database": {"port": 70000, "name": "a-b", "tls": "x"},
                        "deploy": {"cpu_request": "2 cores"}})
    for line in err.value.errors:
        path, _, message = line.partition(": ")
        assert korean(translate(message, KO)), line


def test_korean_checks_panel_shows_translated_message(client):
    client.post_form("/profiles", {"name": "acme-ko"}, headers={"Accept-Language": "ko"}, follow_redirects=False)
    client.post_form("/p/acme-ko/hardware", {"version": "1", "hardware.app.cpu_cores": "2", "language": "ko"},
                     follow_redirects=False)
    from tests.services.wizard import wait_until

    client.post("/p/acme-ko/checks/hardware", headers={"X-CSRF-Token": client.csrf})
    expected = translate("The application node has 2 cores; W&B needs at least 4 cores", KO)
    assert korean(expected)
    assert wait_until(lambda: html.escape(expected, quote=False) in client.get("/p/acme-ko/checks/hardware").text)


def test_korean_form_error_on_the_step_page(client):
    client.post_form("/profiles", {"name": "acme-ko2"}, headers={"Accept-Language": "ko"}, follow_redirects=False)
    client.get("/lang/ko", follow_redirects=False)
    r = client.post_form("/p/acme-ko2/database", {"version": "1", "database.port": "70000"}, follow_redirects=False)
    assert r.status_code == 422
    error = re.search(r'class="field-error"[^>]*>(.*?)</small>', r.text, re.S).group(1)
    assert "database.port:" in error and "65535" in error and korean(error), error
    assert "must be at most" not in r.text
