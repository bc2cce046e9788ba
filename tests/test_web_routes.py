"""Route tests: auth, CSRF, profiles, step forms (errors save nothing), secrets never echoed, checks,
review and bundle download."""

import io
import re
import zipfile

import pytest

from app.version import version
from tests.services.wizard import TOKEN, Client, wait_until


def test_healthz_needs_no_login(wizard_app):
    with Client(wizard_app) as c:
        assert c.get("/healthz").json() == {"status": "ok", "version": version()}  # SPEC §9: the version too


@pytest.mark.parametrize(
    "path,headers,status",
    [
        pytest.param("/", {}, 303, id="page-redirects-to-login"),
        pytest.param("/p/x/hardware", {"HX-Request": "true"}, 401, id="htmx-gets-401"),
        pytest.param("/p/x/export.yaml", {"Accept": "application/json"}, 401, id="json-gets-401"),
    ],
)
def test_no_session(wizard_app, path, headers, status):
    with Client(wizard_app) as c:
        r = c.get(path, headers=headers, follow_redirects=False)
        assert r.status_code == status
        if status == 303:
            assert r.headers["location"] == "/login"


def test_login_cookie_and_security_headers(wizard_app):
    with Client(wizard_app) as c:
        assert c.get("/login?token=wrong", follow_redirects=False).status_code == 403
        r = c.get(f"/login?token={TOKEN}", follow_redirects=False)
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        page = c.get("/")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "unsafe-inline" not in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"


def test_post_without_csrf_is_refused(client):
    r = client.post("/profiles", data={"name": "acme"})
    assert r.status_code == 403
    assert client.get("/").text.count('data-profile="acme"') == 0


def test_profile_lifecycle(client):
    client.create("acme")
    assert client.post_form("/p/acme/clone", {"new_name": "acme-copy"}, follow_redirects=False).status_code == 303
    page = client.get("/").text
    assert 'data-profile="acme"' in page and 'data-profile="acme-copy"' in page
    assert client.post_form("/p/acme-copy/delete", follow_redirects=False).status_code == 303
    assert 'data-profile="acme-copy"' not in client.get("/").text
    r = client.post_form("/profiles", {"name": "Bad Name"})
    assert r.status_code == 400 and "lower-case letters" in r.text
    assert client.post_form("/profiles", {"name": "acme"}).status_code == 409


def test_invalid_step_input_saves_nothing(client):
    client.create("acme")
    ok = client.post_form("/p/acme/hardware", {"version": "1", "hardware.app.cpu_cores": "8"}, follow_redirects=False)
    assert ok.status_code == 303
    bad = client.post_form(
        "/p/acme/hardware", {"version": "2", "hardware.app.cpu_cores": "-3", "hardware.app.memory_gib": "lots"}
    )
    assert bad.status_code == 422
    assert "hardware.app.cpu_cores" in bad.text and "hardware.app.memory_gib" in bad.text
    assert 'value="lots"' in bad.text  # what was typed is kept for correction
    export = client.get("/p/acme/export.yaml").text
    assert "cpu_cores: 8" in export and "memory_gib" not in export


def test_conflicting_save_is_refused(client):
    client.create("acme")
    assert (
        client.post_form(
            "/p/acme/database", {"version": "1", "database.host": "a.example"}, follow_redirects=False
        ).status_code
        == 303
    )
    stale = client.post_form("/p/acme/database", {"version": "1", "database.host": "b.example"})
    assert stale.status_code == 409 and "changed elsewhere" in stale.text
    assert 'host: "a.example"' in client.get("/p/acme/export.yaml").text


def test_secret_is_never_sent_back(client):
    client.create("acme")
    secret = "Zq9$'\"\\pw-ÄÖ-distinctive"
    client.post_form("/p/acme/database", {"version": "1", "database.password": secret}, follow_redirects=False)
    page = client.get("/p/acme/database").text
    assert secret not in page and "stored, encrypted" in page
    # leaving the field empty keeps the stored value
    client.post_form(
        "/p/acme/database", {"version": "2", "database.password": "", "database.port": "3307"}, follow_redirects=False
    )
    answers = client.app.state.store.get_answers("acme")
    assert answers.database.password.get_secret_value() == secret and answers.database.port == 3307
    assert secret not in client.get("/p/acme/export.yaml").text
    assert secret not in client.get("/p/acme/review").text


def test_hardware_checks_stream_and_ignore(client):
    client.create("acme")
    client.post_form(
        "/p/acme/hardware",
        {"version": "1", "hardware.app.cpu_cores": "2", "hardware.app.arch": "x86_64"},
        follow_redirects=False,
    )
    started = client.post("/p/acme/checks/hardware", headers={"X-CSRF-Token": client.csrf})
    assert started.status_code == 200
    run = re.search(r"checks/hardware\?run=(\d+)", started.text)

    def finished():
        panel = client.get(f"/p/acme/checks/hardware?run={run.group(1)}" if run else "/p/acme/checks/hardware").text
        return "hx-get" not in panel.split("<table")[0]

    assert wait_until(finished)
    panel = client.get("/p/acme/checks/hardware").text
    assert re.search(r'data-check="hardware.app.cpu" data-status="fail"', panel)
    assert re.search(r'data-check="hardware.app.arch" data-status="pass"', panel)
    ignored = client.post_form("/p/acme/ignore", {"check_id": "hardware.app.cpu", "reason": "lab cluster"})
    assert re.search(r'data-check="hardware.app.cpu" data-status="warn"', ignored.text)
    assert "lab cluster" in ignored.text
    assert client.post_form("/p/acme/ignore", {"check_id": "hardware.app.cpu", "reason": " "}).status_code == 422
    back = client.post_form("/p/acme/unignore", {"check_id": "hardware.app.cpu"})
    assert re.search(r'data-check="hardware.app.cpu" data-status="fail"', back.text)


def test_stale_results_are_marked(client):
    client.create("acme")
    client.post_form("/p/acme/hardware", {"version": "1", "hardware.app.cpu_cores": "8"}, follow_redirects=False)
    client.post("/p/acme/checks/hardware", headers={"X-CSRF-Token": client.csrf})
    assert wait_until(lambda: 'data-status="pass"' in client.get("/p/acme/checks/hardware").text)
    assert "stale" not in client.get("/p/acme/checks/hardware").text
    client.post_form("/p/acme/hardware", {"version": "2", "hardware.app.cpu_cores": "16"}, follow_redirects=False)
    assert ">stale<" in client.get("/p/acme/checks/hardware").text


def test_bundle_download_without_secrets(client):
    client.create("acme")
    client.post_form(
        "/p/acme/database",
        {"version": "1", "database.host": "db.example", "database.password": "pw-XYZZY-1"},
        follow_redirects=False,
    )
    r = client.get("/p/acme/bundle.zip")
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        names = z.namelist()
        assert "kubernetes/wandb.yaml" in names and "MANIFEST.sha256" in names
        assert not any(b"pw-XYZZY-1" in z.read(n) for n in names)
    with zipfile.ZipFile(io.BytesIO(client.get("/p/acme/bundle.zip?secrets=true").content)) as z:
        assert b"pw-XYZZY-1" in z.read("kubernetes/wandb.yaml")
    assert client.get("/p/acme/bundle.rar").status_code == 404


def test_restart_keeps_everything(tmp_path):
    from app.main import create_app
    from tests.services.wizard import make_settings

    with Client(create_app(make_settings(tmp_path), token=TOKEN)) as c:
        c.login().create("acme")
        c.post_form("/p/acme/tls", {"version": "1", "host": "https://wandb.example.com"}, follow_redirects=False)
    with Client(create_app(make_settings(tmp_path), token=TOKEN)) as c:
        c.login()
        r = c.get("/p/acme", follow_redirects=False)
        assert r.headers["location"] == "/p/acme/tls"  # resume where you left off
        assert 'value="https://wandb.example.com"' in c.get("/p/acme/tls").text


def test_stepper_states_follow_the_answers(client):
    from app.web.stepper import stepper

    client.create("acme")
    store = client.app.state.store
    assert set(stepper(store, store.get_answers("acme")).values()) == {"new"}  # defaults are not "saved"
    client.post_form("/p/acme/database", {"version": "1", "database.host": "db.example"}, follow_redirects=False)
    states = stepper(store, store.get_answers("acme"))
    assert states["database"] == "saved" and states["deploy"] == "new"


def test_hints_render_as_text_with_code_and_escape_everything():
    from app.web.templating import hint_html

    assert (
        str(hint_html("Run `mc mb ALIAS/b` first"))
        == '<span class="hint-text">Run <code>mc mb ALIAS/b</code> first</span>'
    )
    assert str(hint_html("GRANT ALL ON `db`.* TO 'u'@'%';")).startswith('<code class="hint-text">GRANT ALL')
    hostile = str(hint_html('<img src=x onerror=alert(1)> `"<b>"`'))
    assert "<img" not in hostile and "<b>" not in hostile and "&lt;img" in hostile
    assert str(hint_html("one ` tick")) == '<span class="hint-text">one ` tick</span>'
