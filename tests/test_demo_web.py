"""The demo in the wizard: banner, control panel (CSRF), toggles changing the infrastructure, the
DEMO notice in the bundle, and the login link that opens at the demo profile."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from app.demo import PROFILE, Demo, mount
from app.main import create_app
from tests.services.wizard import TOKEN, Client, make_settings, wait_until


@pytest.fixture(scope="module")
def demo():
    with Demo(timeout=2.0) as d:
        yield d


@pytest.fixture
def demo_client(tmp_path, demo):
    app = create_app(make_settings(tmp_path, demo=True, check_timeout=2.0), token=TOKEN)
    mount(app, demo)
    with Client(app) as c:
        yield c.login()
    for fault, on in demo.active.items():
        if on:
            demo.set_fault(fault, False)


@pytest.mark.parametrize("path", ["/", f"/p/{PROFILE}/hardware", f"/p/{PROFILE}/tls", f"/p/{PROFILE}/review", "/demo"])
def test_banner_on_every_page(demo_client, path):
    r = demo_client.get(path)
    assert r.status_code == 200
    assert "DEMO — simulated infrastructure" in r.text


def test_panel_lists_every_fault(demo_client):
    r = demo_client.get("/demo")
    for fault in (
        "sort_buffer",
        "mysql_8027",
        "no_cors",
        "wrong_secret",
        "expired_cert",
        "slow_db",
        "no_ingress_class",
        "no_operator",
        "node_no_mysql",
        "proxy_body_1m",
        "image_pull",
    ):
        assert f'data-fault="{fault}"' in r.text


def test_toggle_needs_csrf(demo_client, demo):
    r = demo_client.post("/demo/faults/sort_buffer", data={"on": "true"})
    assert r.status_code == 403
    assert demo.active["sort_buffer"] is False


def test_toggle_changes_the_infrastructure(demo_client, demo):
    r = demo_client.post_form("/demo/faults/mysql_8027", {"on": "true"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/demo?changed=mysql_8027"
    assert demo.mysql_state.version == "8.0.27"
    page = demo_client.get(r.headers["location"]).text
    assert "database.version" in page and "turn red" in page
    assert demo_client.post_form("/demo/reset", follow_redirects=False).status_code == 303
    assert demo.mysql_state.version == "8.4.3"


def test_unknown_fault_is_404(demo_client):
    assert demo_client.post_form("/demo/faults/nope", {"on": "true"}).status_code == 404


def test_expired_certificate_reaches_the_profile(demo_client, demo):
    store = demo_client.app.state.store
    before = store.get_answers(PROFILE).tls.cert_pem
    demo_client.post_form("/demo/faults/expired_cert", {"on": "true"})
    assert store.get_answers(PROFILE).tls.cert_pem != before
    demo_client.post_form("/demo/faults/expired_cert", {"on": "false"})
    assert store.get_answers(PROFILE).tls.cert_pem == before


def test_bundle_readme_carries_the_demo_notice(demo_client):
    r = demo_client.get(f"/p/{PROFILE}/bundle.zip")
    assert r.status_code == 200
    readme = zipfile.ZipFile(io.BytesIO(r.content)).read("README.md").decode()
    assert readme.startswith("> **DEMO — simulated infrastructure.**")


def test_no_demo_routes_outside_demo_mode(tmp_path):
    with Client(create_app(make_settings(tmp_path), token=TOKEN)) as c:
        c.login()
        assert c.get("/demo").status_code == 404
        assert "DEMO — simulated" not in c.get("/").text


@pytest.mark.parametrize(
    "next_, location",
    [
        pytest.param("/p/demo/hardware", "/p/demo/hardware", id="local-path"),
        pytest.param("//evil.example/", "/", id="protocol-relative"),
        pytest.param("https://evil.example/", "/", id="absolute-url"),
        pytest.param("/\t/evil.example", "/", id="tab-smuggled"),
        pytest.param("/\\evil.example", "/", id="backslash"),
    ],
)
def test_login_next_is_local_only(tmp_path, next_, location):
    with Client(create_app(make_settings(tmp_path), token=TOKEN)) as c:
        r = c.get("/login", params={"token": TOKEN, "next": next_}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, location)


def _run_step(client, step: str) -> dict[str, str]:
    """Run a step's checks in the wizard; {check id: status} of the final panel (folded rows excluded)."""
    started = client.post(f"/p/{PROFILE}/checks/{step}", headers={"X-CSRF-Token": client.csrf})
    assert started.status_code == 200, started.text[:300]
    run = re.search(rf"checks/{step}\?run=(\d+)", started.text)  # none: finished within the answer
    url = f"/p/{PROFILE}/checks/{step}?run={run.group(1)}" if run else f"/p/{PROFILE}/checks/{step}"
    assert wait_until(lambda: "hx-get" not in client.get(url).text.split("<table")[0], timeout=30)
    panel = client.get(f"/p/{PROFILE}/checks/{step}").text
    return dict(re.findall(r'data-check="([^"]+)" data-status="([^"]+)"', panel))


@pytest.mark.parametrize("step", ["deploy", "verify"])
def test_deploy_and_verify_run_live_and_green(demo_client, step):
    statuses = _run_step(demo_client, step)
    assert statuses and set(statuses.values()) == {"pass"}, statuses
    if step == "deploy":  # the cluster and the three node reports, live
        assert statuses["deploy.cluster.operator"] == statuses["deploy.node.database"] == "pass"
        page = demo_client.get(f"/p/{PROFILE}/deploy").text
        assert 'data-node="app-1"' in page and 'data-node="train-1"' in page


@pytest.mark.parametrize(
    "fault, check_id",
    [
        ("no_ingress_class", "deploy.cluster.ingress_class"),
        ("no_operator", "deploy.cluster.operator"),
        ("node_no_mysql", "deploy.node.database"),
        ("proxy_body_1m", "verify.proxy_body"),
        ("image_pull", "verify.rollout"),
    ],
)
def test_fault_toggle_turns_its_check_red_in_the_wizard(demo_client, demo, fault, check_id):
    step = check_id.split(".")[0]
    assert demo_client.post_form(f"/demo/faults/{fault}", {"on": "true"}, follow_redirects=False).status_code == 303
    statuses = _run_step(demo_client, step)
    assert statuses[check_id] == "fail"
    assert [i for i, s in statuses.items() if s in ("fail", "error")] == [check_id]  # exactly that check
    demo_client.post_form(f"/demo/faults/{fault}", {"on": "false"})
    assert _run_step(demo_client, step)[check_id] == "pass"


def test_drift_panel_is_in_sync_in_the_demo(demo_client):
    panel = demo_client.post_form(f"/p/{PROFILE}/drift", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and "In sync" in panel.text, panel.text
