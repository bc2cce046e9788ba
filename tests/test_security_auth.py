"""Authentication, sessions, CSRF, security headers, body limits and `serve`'s bind address."""

import time

import pytest
from fastapi.routing import APIRoute
from itsdangerous import TimestampSigner

from app.main import create_app
from app.web.auth import COOKIE, require_csrf
from tests.services.wizard import TOKEN, Client, make_settings


def _login(c: Client, token: str = TOKEN):
    return c.get(f"/login?token={token}", follow_redirects=False)


def test_random_token_works_once(tmp_path):
    app = create_app(make_settings(tmp_path))  # no fixed token: a random one-time token
    token = app.state.login_token
    assert len(token) >= 32
    with Client(app) as c:
        assert _login(c, token).status_code == 303
    with Client(app) as c:
        assert _login(c, token).status_code == 403
        assert c.get("/", follow_redirects=False).status_code == 303


def test_fixed_token_works_repeatedly(wizard_app):
    for _ in range(3):
        with Client(wizard_app) as c:
            assert _login(c).status_code == 303


def test_login_failures_are_rate_limited(wizard_app):
    with Client(wizard_app) as c:
        codes = [_login(c, f"wrong-{i}").status_code for i in range(10)]
        assert codes == [403] * 10
        assert _login(c).status_code == 429  # even the right token, until a minute has passed
        assert "too many" in _login(c).text


@pytest.mark.parametrize(
    "base_url,trusted,headers,secure",
    [
        pytest.param("http://testserver", (), {}, False, id="plain-http"),
        pytest.param("https://testserver", (), {}, True, id="direct-https"),
        pytest.param("http://testserver", ("testclient",), {"X-Forwarded-Proto": "https"}, True, id="trusted-proxy"),
        pytest.param("http://testserver", (), {"X-Forwarded-Proto": "https"}, False, id="untrusted-forwarded-header"),
    ],
)
def test_cookie_flags(tmp_path, base_url, trusted, headers, secure):
    app = create_app(make_settings(tmp_path, trusted_proxies=trusted), token=TOKEN)
    with Client(app, base_url=base_url) as c:
        cookie = c.get(f"/login?token={TOKEN}", headers=headers, follow_redirects=False).headers["set-cookie"]
        assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
        assert ("Secure" in cookie) is secure


@pytest.fixture
def session_clock(monkeypatch):
    """The session cookie's clock (itsdangerous timestamps, whole seconds), moved by the test instead
    of sleeping."""
    clock = {"now": int(time.time())}
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: clock["now"])
    return clock


def test_idle_session_expires(tmp_path, session_clock):
    app = create_app(make_settings(tmp_path, session_idle_seconds=1), token=TOKEN)
    with Client(app) as c:
        c.login()
        assert c.get("/", follow_redirects=False).status_code == 200
        session_clock["now"] += 2
        r = c.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"


def test_activity_slides_the_idle_window(tmp_path, session_clock):
    app = create_app(make_settings(tmp_path, session_idle_seconds=3), token=TOKEN)
    with Client(app) as c:
        c.login()
        for _ in range(3):  # 6 s of activity in all, more than the 3 s idle limit
            session_clock["now"] += 2
            assert c.get("/", follow_redirects=False).status_code == 200
        session_clock["now"] += 4  # then idle for longer than the limit
        assert c.get("/", follow_redirects=False).status_code == 303


def test_logout_revokes_the_session(wizard_app):
    with Client(wizard_app) as c:
        c.login()
        stolen = c.cookies.get(COOKIE)
        r = c.post_form("/logout", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        set_cookies = r.headers.get_list("set-cookie")
        assert len(set_cookies) == 1 and "Max-Age=0" in set_cookies[0]  # deleted, not refreshed again
    with Client(wizard_app, cookies={COOKIE: stolen}) as c:  # replaying the old cookie does not work
        assert c.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "how",
    [
        pytest.param("none", id="no-token"),
        pytest.param("wrong-field", id="wrong-form-field"),
        pytest.param("wrong-header", id="wrong-header"),
        pytest.param("other-session", id="token-of-another-session"),
    ],
)
def test_csrf_refusals(wizard_app, how):
    with Client(wizard_app) as other:
        other_token = other.login().csrf
    with Client(wizard_app) as c:
        c.login()
        data, headers = {"name": "acme"}, {}
        if how == "wrong-field":
            data["csrf_token"] = "0" * 64
        elif how == "wrong-header":
            headers["X-CSRF-Token"] = "0" * 64
        elif how == "other-session":
            data["csrf_token"] = other_token
        r = c.post("/profiles", data=data, headers=headers, follow_redirects=False)
        assert r.status_code == 403 and "CSRF" in r.text
        assert 'data-profile="acme"' not in c.get("/").text


def test_csrf_header_as_htmx_sends_it(client):
    r = client.post("/profiles", data={"name": "acme"}, headers={"X-CSRF-Token": client.csrf, "HX-Request": "true"})
    assert r.status_code == 204 and r.headers["HX-Redirect"] == "/p/acme/hardware"


def test_every_state_changing_route_requires_csrf(wizard_app):
    """Every non-GET route depends on require_csrf, except the probe uploads (their own one-time token)."""
    unprotected = []
    for route in wizard_app.routes:
        if not isinstance(route, APIRoute) or not (route.methods - {"GET", "HEAD"}):
            continue
        calls = {d.call for d in route.dependant.dependencies}
        if require_csrf not in calls and route.path not in ("/probe/upload", "/probe/node-upload"):
            unprotected.append(route.path)
    assert unprotected == []


def test_security_headers(client):
    for path in ("/", "/login", "/static/app.js", "/healthz"):
        h = client.get(path).headers
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe" not in csp, path
        assert "frame-ancestors 'none'" in csp
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "no-referrer"
    assert client.get("/").headers["cache-control"] == "no-store"


def test_pages_load_no_foreign_or_inline_script(client):
    client.create("acme")
    for path in ("/", "/p/acme/hardware", "/p/acme/database", "/p/acme/review", "/login"):
        page = client.get(path).text
        for tag in page.split("<script")[1:]:
            head = tag.split(">", 1)[0]
            assert 'src="/static/' in head, (path, head)
        assert "http://" not in "".join(p.split(">", 1)[0] for p in page.split("<link")[1:])


@pytest.mark.parametrize("chunked", [pytest.param(False, id="content-length"), pytest.param(True, id="chunked")])
def test_body_limit(client, chunked):
    big = b"x" * (1 << 20) + b"y"
    body = (big[i : i + 65536] for i in range(0, len(big), 65536)) if chunked else big
    r = client.post(
        "/profiles",
        content=body,
        headers={"X-CSRF-Token": client.csrf, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413 and "too large" in r.text


def test_long_field_is_a_4xx(client):
    r = client.post_form("/profiles", {"name": "a" * 5000})
    assert r.status_code == 422 and "name" in r.text


def test_serve_binds_loopback_by_default_and_warns_when_exposed(tmp_path, monkeypatch, capsys):
    from app import cli
    from app.web import server

    assert cli.build_parser().parse_args(["serve"]).host == "127.0.0.1"
    calls = []
    monkeypatch.setattr(server.uvicorn, "run", lambda app, **kw: calls.append(kw))
    for host in ("127.0.0.1", "0.0.0.0"):
        assert server.serve(host, 8099, make_settings(tmp_path)) == 0
    err = capsys.readouterr().err
    assert [c["host"] for c in calls] == ["127.0.0.1", "0.0.0.0"]
    assert all(c["access_log"] is False for c in calls)  # URLs carry the token
    assert err.count("WARNING") == 1 and "0.0.0.0 without TLS" in err
