"""The hardware probe through the web app: one-time, profile-bound, expiring tokens; the served
script; uploads (size, shape, reuse, expiry) change nothing unless accepted; paste; probe this host."""

import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from app.store.models import ProbeToken
from tests.services.wizard import Client

FACTS = {
    "arch": "x86_64",
    "cpu_cores": 16,
    "memory_gib": 62.8,
    "disk_gb": 480,
    "disk_mbps": 6100,
    "nics": 2,
    "nic_gbps": 25,
}


def new_token(client, role="app") -> str:
    r = client.post_form("/p/acme/hardware/probe-token", {"role": role})
    assert r.status_code == 200
    return re.search(r"token=([A-Za-z0-9_-]+)", r.text).group(1)


def upload(client, token, role="app", node="app-1", facts=None):
    body = json.dumps({"token": token, "role": role, "node": node, "facts": facts or FACTS})
    return client.post("/probe/upload", content=body, headers={"Content-Type": "application/json"})


@pytest.fixture
def profile(client):
    client.create("acme")
    return client


def test_script_is_served_without_session_and_upload_fills_the_step(profile, wizard_app):
    token = new_token(profile)
    with Client(wizard_app) as anonymous:  # the node has no session: the token is the credential
        for _ in range(2):  # curl may retry: serving the script does not consume the token
            script = anonymous.get(f"/probe/script?token={token}")
            assert script.status_code == 200 and script.text.startswith("#!/bin/sh")
        r = upload(anonymous, token)
        assert r.status_code == 200 and r.json()["ok"] is True
        again = upload(anonymous, token)
        assert again.status_code == 409 and "already used" in again.text
    answers = profile.app.state.store.get_answers("acme")
    assert answers.hardware.app.cpu_cores == 16 and answers.hardware.app.nic_gbps == 25
    page = profile.get("/p/acme/hardware").text
    assert "Measured on app-1" in page


def test_expired_token_is_refused(profile):
    token = new_token(profile)
    store = profile.app.state.store
    with store.session() as s:
        s.exec(update(ProbeToken).values(expires_at=datetime.utcnow() - timedelta(minutes=1)))
        s.commit()
    r = upload(profile, token)
    assert r.status_code == 403 and "expired" in r.text
    assert store.get_answers("acme").hardware.app.cpu_cores is None


def test_token_is_bound_to_its_role(profile):
    token = new_token(profile, role="database")
    r = upload(profile, token, role="app")
    assert r.status_code == 403 and "database role" in r.text


@pytest.mark.parametrize(
    "body,fragment",
    [
        pytest.param(b"x" * 20000, "too large", id="oversized"),
        pytest.param(b"{not json", "not JSON", id="not-json"),
        pytest.param(
            json.dumps({"token": "t" * 43, "role": "app", "node": "n", "facts": {**FACTS, "cpu_cores": -4}}).encode(),
            "cpu_cores",
            id="negative",
        ),
        pytest.param(
            json.dumps(
                {"token": "t" * 43, "role": "app", "node": "n", "facts": {**FACTS, "memory_gib": 1e12}}
            ).encode(),
            "memory_gib",
            id="absurd",
        ),
        pytest.param(
            json.dumps({"token": "t" * 43, "role": "app", "node": "n", "facts": FACTS, "x": 1}).encode(),
            "x",
            id="unknown-key",
        ),
    ],
)
def test_bad_uploads_are_4xx_and_change_nothing(profile, body, fragment):
    r = profile.post("/probe/upload", content=body, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500 and fragment in r.text
    assert profile.app.state.store.get_answers("acme").hardware.app.cpu_cores is None


def test_unknown_token_is_refused(profile):
    assert upload(profile, "u" * 43).status_code == 403
    assert profile.get("/probe/script?token=" + "u" * 43).status_code == 403


def test_paste_for_air_gapped_hosts(profile):
    pasted = json.dumps({"role": "database", "node": "db-1", "facts": {**FACTS, "disk_gb": 2000}})
    r = profile.post_form("/p/acme/hardware/paste", {"role": "database", "report": pasted}, follow_redirects=False)
    assert r.status_code == 303
    db = profile.app.state.store.get_answers("acme").hardware.database
    assert db.disk_gb == 2000 and db.cpu_cores == 16
    bad = profile.post_form("/p/acme/hardware/paste", {"role": "app", "report": "{}"})
    assert bad.status_code == 400


def test_probe_this_wizard_host(profile):
    r = profile.post_form("/p/acme/hardware/probe-local", {"role": "app"}, follow_redirects=False)
    assert r.status_code == 303
    app_hw = profile.app.state.store.get_answers("acme").hardware.app
    assert app_hw.cpu_cores and app_hw.cpu_cores >= 1 and app_hw.memory_gib > 0
    assert "Measured on wizard host" in profile.get("/p/acme/hardware").text
