"""Pure judges of the object-store checks: clock skew, CORS preflight answers, certificates, S3
error bodies — table-driven, no network."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from app.checks._s3_probes import Preflight, judge_clock_skew, s3_error_code, self_signed
from app.requirements import PROFILES, load

NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=timezone.utc)
LIMITS = {"pass_seconds": 60, "warn_seconds": 900}


def date(offset_s: int) -> str:
    return format_datetime(NOW + timedelta(seconds=offset_s), usegmt=True)


@pytest.mark.parametrize(
    "header, status, observed",
    [
        pytest.param(date(0), "pass", "0 s", id="same-second"),
        pytest.param(date(60), "pass", "60 s", id="60s-ahead-is-the-limit"),
        pytest.param(date(-60), "pass", "60 s", id="60s-behind"),
        pytest.param(date(61), "warn", "61 s", id="61s-ahead"),
        pytest.param(date(-900), "warn", "900 s", id="15min-behind-is-the-limit"),
        pytest.param(date(901), "fail", "901 s", id="just-over-15min"),
        pytest.param(date(-7200), "fail", "7200 s", id="two-hours-behind"),
        pytest.param(None, "warn", None, id="no-date-header"),
        pytest.param("yesterday-ish", "warn", "yesterday-ish", id="garbage-date"),
    ],
)
def test_clock_skew_judge(header, status, observed):
    outcome = judge_clock_skew(header, NOW, LIMITS)
    assert outcome.status == status
    assert outcome.observed == observed
    if status != "pass":
        assert outcome.hint


def test_clock_skew_direction_is_named():
    assert "ahead of" in str(judge_clock_skew(date(120), NOW, LIMITS).message)
    assert "behind" in str(judge_clock_skew(date(-120), NOW, LIMITS).message)
    assert "rejected" in str(judge_clock_skew(date(-1000), NOW, LIMITS).message)


@pytest.mark.parametrize("profile", PROFILES)
def test_clock_skew_limits_are_data(profile):
    assert load(profile)["object_store"]["clock_skew"] == LIMITS


ORIGIN = "https://wandb.acme.internal"


@pytest.mark.parametrize(
    "status, acao, allowed",
    [
        pytest.param(200, ORIGIN, True, id="exact-origin"),
        pytest.param(200, "*", True, id="wildcard"),
        pytest.param(204, ORIGIN, True, id="204"),
        pytest.param(403, None, False, id="denied"),
        pytest.param(200, "https://other.acme.internal", False, id="other-origin"),
        pytest.param(200, "https://wandb.acme.internal:443", False, id="origin-with-default-port-differs"),
        pytest.param(403, ORIGIN, False, id="header-but-403"),
        pytest.param(200, None, False, id="200-without-header"),
    ],
)
def test_preflight_allowed(status, acao, allowed):
    assert Preflight("PUT", status, acao).allowed(ORIGIN) is allowed


def test_self_signed_tells_a_ca_from_a_leaf():
    ca = trustme.CA()
    leaf = ca.issue_cert("localhost")
    der = lambda pem: x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)  # noqa: E731
    assert self_signed(der(ca.cert_pem.bytes())) is True
    assert self_signed(der(leaf.cert_chain_pems[0].bytes())) is False
    assert self_signed(None) is False


@pytest.mark.parametrize(
    "body, code",
    [
        pytest.param(b"<?xml version='1.0'?><Error><Code>NoSuchBucket</Code></Error>", "NoSuchBucket", id="s3-error"),
        pytest.param("<Error><Code>AccessDenied</Code><Message>x</Message></Error>", "AccessDenied", id="text"),
        pytest.param(b"<html>502 Bad Gateway</html>", None, id="not-s3"),
        pytest.param(b"", None, id="empty"),
    ],
)
def test_s3_error_code(body, code):
    assert s3_error_code(body) == code


# -- the object-store verdicts with plain facts (app/checks/_object_store_rules.py) -----------------
def _store():
    from app.answers import ObjectStore

    return ObjectStore(endpoint="https://s3.acme.internal:9000", bucket="wandb", access_key="AK", region="us-east-1")


def test_connect_verdicts_from_facts():
    from app.checks._object_store_collect import Connect
    from app.checks._object_store_rules import judge_connect
    from app.checks._s3 import Target
    from app.i18n.message import msg

    t = Target("https", "s3.acme.internal", 9000)
    assert str(judge_connect(t, Connect(1.0, dns_error="timeout")).message).startswith("DNS lookup of s3.acme.internal")
    silent = judge_connect(
        t, Connect(1.0, addrs=["10.0.0.9"], causes=[msg("%(ip)s: no answer within 1 s", ip="10.0.0.9")])
    )
    assert silent.status == "fail" and "Open the firewall" in str(silent.hint)
    ok = judge_connect(t, Connect(1.0, addrs=["10.0.0.9"], connected="10.0.0.9"))
    assert (ok.status, ok.observed) == ("pass", "10.0.0.9:9000")


def test_round_trip_verdicts_from_facts():
    from app.checks._object_store_collect import RoundTrip
    from app.checks._object_store_rules import judge_round_trip

    store = _store()
    assert judge_round_trip(store, RoundTrip("k", 10, 10, True), 5) is None
    differs = judge_round_trip(store, RoundTrip("k", 10, 9, False), 5)
    assert differs is not None and "read back 9 bytes that differ from the 10 written" in str(differs.message)
    kept = judge_round_trip(store, RoundTrip("k", 10, 10, True, delete_error=RuntimeError("denied")), 5)
    assert kept is not None and "could not be deleted" in str(kept.message)


@pytest.mark.parametrize(
    "code, status, words",
    [
        pytest.param("ok", "pass", "accepted a request signed", id="ok"),
        pytest.param("InvalidAccessKeyId", "fail", "does not know access key AK", id="unknown-key"),
        pytest.param("SignatureDoesNotMatch", "fail", "secret key does not match", id="wrong-secret"),
    ],
)
def test_credential_verdicts_from_codes(code, status, words):
    from app.checks._object_store_rules import judge_credentials

    got = judge_credentials(_store(), code, None if code == "ok" else RuntimeError(code), 5)
    assert (got.status, words in str(got.message)) == (status, True)
