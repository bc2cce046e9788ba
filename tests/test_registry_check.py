"""deploy.images against a REAL registry (tests/services/registry.py): Debian's docker-registry
(Distribution 2.8) filled by skopeo with one image and one multi-arch index, open, behind htpasswd
(Basic) and behind the token flow (Bearer, the tests' own ES256 token service over HTTPS)."""

from __future__ import annotations

import pytest

from app.checks._registry_probe import parse_challenge, ssl_context
from tests import factories as f
from tests.bundle_corpus import HOSTILE

PULLER = "puller"
CASES = [*HOSTILE, pytest.param("plain-password-1", id="plain")]


@pytest.fixture(scope="module")
def filled(oci_registry_factory, oci_layout):
    """start(auth) → the Registry holding mirror/wandb/local:0.70.0 (an image) and mirror/nginx:1.27 (an index)."""
    done: set[str] = set()

    def start(auth: str):
        reg = oci_registry_factory(auth)
        if auth not in done:
            reg.push(oci_layout, "single", "mirror/wandb/local:0.70.0")
            reg.push(oci_layout, "multi", "mirror/nginx:1.27")
            done.add(auth)
        return reg

    return start


def answers(reg, *, user=None, password=None, ca_pem=None, version="0.70.0"):
    deploy = {"target": "docker-compose", "version": version, "registry": f"{reg.host}/mirror"}
    if user:
        deploy["registry_username"] = user
    if password is not None:
        deploy["registry_password"] = password
    if ca_pem:
        deploy["registry_ca_pem"] = ca_pem
    return f.answers(
        f.MINIMAL,
        host="https://wandb.acme.internal",
        tls={"mode": "provided", "cert_pem": "C", "key_pem": "K"},
        deploy=deploy,
    )


def _text(result) -> str:
    return " ".join(str(x) for x in (result.message, result.hint, result.observed, result.expected))


def test_open_registry_finds_the_image_and_the_multi_arch_index(filled):
    r = f.result(answers(filled("open")), "deploy.images")
    assert r.status == "pass", r.message
    assert r.observed == "2/2 found"


@pytest.mark.parametrize("auth", ["htpasswd", "token"])
def test_credentials_demanded_and_not_given_warns(filled, auth):
    r = f.result(answers(filled(auth)), "deploy.images")
    assert r.status == "warn", r.message
    assert "credentials" in str(r.message)


@pytest.mark.parametrize("password", CASES)
@pytest.mark.parametrize("auth", ["htpasswd", "token"])
def test_credentials_answer_the_challenge(filled, pki, auth, password):
    reg = filled(auth)
    user = f"{PULLER}-{abs(hash(password)) % 10**6}"
    reg.add_user(user, password)
    r = f.result(answers(reg, user=user, password=password, ca_pem=pki.root_pem), "deploy.images")
    assert r.status == "pass", r.message
    assert r.observed == "2/2 found"
    assert password not in _text(r)


def test_token_flow_asks_for_pull_scope_with_the_service(filled, pki):
    reg = filled("token")
    reg.add_user("scoped", "scoped-pw")
    reg.tokens.requests.clear()
    assert (
        f.result(answers(reg, user="scoped", password="scoped-pw", ca_pem=pki.root_pem), "deploy.images").status
        == "pass"
    )
    asked = [q for q in reg.tokens.requests if q["user"] == "scoped"]
    assert sorted(q["query"]["scope"][0] for q in asked) == [
        "repository:mirror/nginx:pull",
        "repository:mirror/wandb/local:pull",
    ]
    assert all(q["query"]["service"] == ["wbsetup-test-registry"] for q in asked)


def test_token_service_answering_access_token_only(filled, pki):
    reg = filled("token")
    reg.add_user("oauth", "oauth-pw")
    reg.tokens.field = "access_token"
    try:
        assert (
            f.result(answers(reg, user="oauth", password="oauth-pw", ca_pem=pki.root_pem), "deploy.images").status
            == "pass"
        )
    finally:
        reg.tokens.field = "token"


@pytest.mark.parametrize("auth", ["htpasswd", "token"])
def test_refused_credentials_fail_once_without_the_password(filled, pki, auth):
    reg = filled(auth)
    reg.add_user("refused", "the-right-one")
    if reg.tokens is not None:
        reg.tokens.requests.clear()
    wrong = "Wr0ng-p@ss:word"
    r = f.result(answers(reg, user="refused", password=wrong, ca_pem=pki.root_pem), "deploy.images")
    assert r.status == "fail", r.message
    assert "refused the credentials" in str(r.message)
    assert str(r.observed) == "registry refused the credentials"
    assert wrong not in _text(r)
    if reg.tokens is not None:  # no retry loop: one token request, then the check stops
        assert len([q for q in reg.tokens.requests if q["user"] == "refused"]) == 1


def test_missing_image_with_credentials_fails_naming_it(filled, pki):
    reg = filled("token")
    reg.add_user("miss", "miss-pw")
    r = f.result(answers(reg, user="miss", password="miss-pw", ca_pem=pki.root_pem, version="0.71.0"), "deploy.images")
    assert r.status == "fail"
    assert f"{reg.host}/mirror/wandb/local:0.71.0" in str(r.message)
    assert "skopeo copy --all docker://docker.io/wandb/local:0.71.0" in str(r.hint)


def test_token_service_over_https_needs_the_registry_ca(filled, other_pki):
    """The token realm is HTTPS with a private CA: without deploy.registry_ca_pem (or with an
    unrelated CA) the system store does not trust it."""
    reg = filled("token")
    reg.add_user("ca", "ca-pw")
    r = f.result(answers(reg, user="ca", password="ca-pw", ca_pem=other_pki.root_pem), "deploy.images")
    assert r.status == "fail"
    assert "TLS certificate not trusted" in str(r.message)
    r = f.result(answers(reg, user="ca", password="ca-pw"), "deploy.images")
    assert r.status == "fail" and "not trusted" in str(r.message)


def test_registry_ca_that_is_not_pem_fails_naming_the_field(filled):
    reg = filled("htpasswd")
    r = f.result(
        answers(
            reg, user=PULLER, password="x", ca_pem="-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"
        ),
        "deploy.images",
    )
    assert r.status == "fail"
    assert "deploy.registry_ca_pem" in str(r.message)


def test_ssl_context_refuses_text_that_is_not_a_certificate():
    with pytest.raises(ValueError):
        ssl_context("not a certificate")


@pytest.mark.parametrize(
    "header,expected",
    [
        ('Basic realm="x"', ("basic", {"realm": "x"})),
        (
            'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"',
            (
                "bearer",
                {"realm": "https://auth.example/token", "service": "registry.example", "scope": "repository:a/b:pull"},
            ),
        ),
        (
            "Bearer realm=https://t.example/x, service=svc",
            ("bearer", {"realm": "https://t.example/x", "service": "svc"}),
        ),
    ],
)
def test_parse_challenge(header, expected):
    assert parse_challenge(header) == expected


def test_plain_http_token_realm_off_loopback_is_refused_without_sending_the_password():
    """A Bearer realm over plain http to another host would carry the password in the clear."""
    from app.checks._registry_probe import RegistryProbe

    probe = RegistryProbe(username="u", password="secret-pw", ca_pem=None, timeout=1)
    with probe:
        seen = probe._token({"realm": "http://auth.example.invalid/token", "service": "s"}, "a/b")
    assert getattr(seen, "cause", None) == "the token realm is plain http"


def test_password_without_user_warns_that_it_reaches_nothing(filled):
    r = f.result(answers(filled("htpasswd"), password="lonely-pw"), "deploy.images")
    assert r.status == "warn"
    assert "deploy.registry_username" in str(r.message) and "lonely-pw" not in _text(r)


def test_a_token_service_that_never_answers_times_out(silent_port):
    """Every request has a timeout: a silent token realm ends the check's request with httpx's timeout (how long
    that takes is bench/timeouts.py's figure, not an assertion here)."""
    import httpx

    from app.checks._registry_probe import RegistryProbe

    with RegistryProbe(username="u", password="pw", ca_pem=None, timeout=0.5) as probe:
        with pytest.raises(httpx.TimeoutException):
            probe._token({"realm": f"http://127.0.0.1:{silent_port}/token", "service": "s"}, "a/b")
