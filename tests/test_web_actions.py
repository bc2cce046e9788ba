"""Step actions through the web app against real servers: apply bootstrap (MariaDB), create bucket and
apply CORS (SeaweedFS); node reports (upload, list, delete)."""

import json
import re

import pymysql

from tests import factories as f
from tests.services.wizard import wait_until

HOSTILE = "p'w\"d\\$%@é비"


def test_apply_bootstrap_creates_a_user_that_logs_in(client, mariadb_default):
    mariadb_default.sql(
        "CREATE USER IF NOT EXISTS 'wbadmin'@'%' IDENTIFIED BY 'admin-pw'",
        "GRANT ALL ON *.* TO 'wbadmin'@'%' WITH GRANT OPTION",
    )
    client.create("acme")
    client.post_form(
        "/p/acme/database",
        {
            "version": "1",
            "database.host": "127.0.0.1",
            "database.port": str(mariadb_default.port),
            "database.name": "web_boot",
            "database.user": "web_user",
            "database.password": HOSTILE,
            "database.admin_user": "wbadmin",
            "database.admin_password": "admin-pw",
        },
        follow_redirects=False,
    )
    page = client.get("/p/acme/database").text
    assert "CREATE DATABASE IF NOT EXISTS `web_boot`" in page and HOSTILE not in page
    for _ in range(2):  # idempotent
        r = client.post("/p/acme/actions/bootstrap", headers={"X-CSRF-Token": client.csrf})
        assert r.status_code == 200 and 'data-ok="true"' in r.text, r.text
        assert HOSTILE not in r.text and "admin-pw" not in r.text
    conn = pymysql.connect(
        host="127.0.0.1",
        port=mariadb_default.port,
        user="web_user",
        password=HOSTILE.encode("utf-8"),
        database="web_boot",
        connect_timeout=5,
    )
    conn.close()


def test_create_bucket_and_apply_cors_turn_the_checks_green(client, seaweedfs):
    bucket = seaweedfs.new_bucket(create=False)
    client.create("acme")
    client.post_form("/p/acme/tls", {"version": "1", "host": "https://wandb.example.com"}, follow_redirects=False)
    client.post_form(
        "/p/acme/object_store",
        {
            "version": "2",
            "object_store.endpoint": seaweedfs.endpoint,
            "object_store.bucket": bucket,
            "object_store.access_key": seaweedfs.access_key,
            "object_store.secret_key": seaweedfs.secret_key,
        },
        follow_redirects=False,
    )
    assert (
        "&lt;AllowedOrigin&gt;https://wandb.example.com&lt;/AllowedOrigin&gt;"
        in client.get("/p/acme/object_store").text
    )

    def check(cid):
        started = client.post_form("/p/acme/checks/object_store", {"only": cid}).text
        run = re.search(r"checks/object_store\?run=(\d+)", started)  # none: finished within the answer
        url = f"/p/acme/checks/object_store?run={run.group(1)}" if run else "/p/acme/checks/object_store"
        assert wait_until(lambda: "hx-get" not in client.get(url).text.split("<table")[0])
        return re.search(rf'data-check="{re.escape(cid)}" data-status="(\w+)"', client.get(url).text).group(1)

    assert check("object_store.bucket") == "fail"
    r = client.post("/p/acme/actions/create-bucket", headers={"X-CSRF-Token": client.csrf})
    assert 'data-ok="true"' in r.text, r.text
    assert check("object_store.bucket") == "pass"
    assert check("object_store.cors") == "fail"
    r = client.post("/p/acme/actions/apply-cors", headers={"X-CSRF-Token": client.csrf})
    assert 'data-ok="true"' in r.text, r.text
    assert check("object_store.cors") == "pass"
    assert seaweedfs.secret_key not in r.text


def test_node_reports_upload_list_delete(client):
    from app.probe.reports import node_report

    client.create("acme")
    report = node_report(f.answers(f.MINIMAL, profile="acme"), name="app-7")
    r = client.post(
        "/p/acme/node-reports",
        data={"csrf_token": client.csrf},
        files={"file": ("r.json", json.dumps(report), "application/json")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get("/p/acme/deploy").text
    assert 'data-node="app-7"' in page
    other = dict(report, profile="other")
    bad = client.post(
        "/p/acme/node-reports",
        data={"csrf_token": client.csrf},
        files={"file": ("r.json", json.dumps(other), "application/json")},
    )
    assert bad.status_code == 400 and "profile" in bad.text
    for broken, field in (
        (dict(report, node="n" * 254), "node:"),
        (dict(report, measured_at="yesterday"), "measured_at:"),
    ):
        r = client.post(
            "/p/acme/node-reports",
            data={"csrf_token": client.csrf},  # refused, not a crash in the store
            files={"file": ("r.json", json.dumps(broken), "application/json")},
        )
        assert r.status_code == 400 and field in r.text, (field, r.status_code)
    rid = re.search(r"/node-reports/(\d+)/delete", page).group(1)
    client.post_form(f"/p/acme/node-reports/{rid}/delete", follow_redirects=False)
    assert 'data-node="app-7"' not in client.get("/p/acme/deploy").text


def test_topology_shows_cluster_and_measured_nodes(client):
    from app.probe.reports import node_report

    client.create("acme")
    report = node_report(f.answers(f.MINIMAL, profile="acme"), name="gpu-node-3", role="client")
    client.post(
        "/p/acme/node-reports",
        data={"csrf_token": client.csrf},
        files={"file": ("r.json", json.dumps(report), "application/json")},
        follow_redirects=False,
    )
    svg = client.get("/p/acme/review").text
    assert 'data-box="cluster"' in svg and 'data-box="nodes"' in svg
    assert "gpu-node-3" in svg and "✖ gpu-node-3" in svg  # nothing configured: the node reaches nothing
