"""The node report probe (deploy step, §4.5): the served node script run for real with `sh` and the
system python3 (PATH=/usr/bin:/bin: no venv, no PYTHONPATH, so it needs only the standard library)
against a live wizard and a real TCP listener standing for the database; the node upload's refusals;
hostile answers values embedded in the script."""

from __future__ import annotations

import ast
import html
import json
import os
import re
import socket
import subprocess
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from app.answers import parse_document
from app.probe.node import measure_node
from app.probe.reports import targets, validate_report
from app.probe.script import HEREDOC, node_program, node_script, node_usage
from app.probe.tokens import new_token
from app.store.models import ProbeToken
from tests import factories as f
from tests.services.wizard import Client, wait_until

SYSTEM_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}  # a bare node: system python3 and curl only
STDLIB = {
    "json",
    "mmap",
    "os",
    "platform",
    "secrets",
    "shutil",
    "socket",
    "ssl",
    "subprocess",
    "sys",
    "tempfile",
    "threading",
    "time",
    "datetime",
    "urllib.parse",
    "urllib.error",
    "urllib.request",
}
HOSTNAME = socket.gethostname()


@pytest.fixture
def db_port():
    """A plain TCP listener standing for the database port (reach is a TCP connect)."""
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        yield srv.getsockname()[1]


def _set_answers(store, name: str, **sections) -> None:
    answers, row = store.get_profile(name)
    doc = answers.to_document(secrets="plain")
    for key, value in sections.items():
        if isinstance(value, dict):
            doc.setdefault(key, {}).update(value)
        else:
            doc[key] = value
    store.save_answers(parse_document(doc), expected_version=row.version)


@pytest.fixture
def wizard(live_server, db_port):
    """A logged-in client of the live wizard (its requests carry the live URL, so the commands the
    wizard shows point at it) with profile acme whose database is the TCP listener."""
    with Client(live_server.app, base_url=live_server.url) as c:
        c.login()
        c.create("acme")
        _set_answers(
            live_server.app.state.store,
            "acme",
            database={"host": "127.0.0.1", "port": db_port},
            host="https://localhost",
        )
        yield c


def _usage(client, role="app") -> tuple[str, str]:
    """(online command, token) from the deploy step's token route."""
    r = client.post_form("/p/acme/deploy/probe-token", {"role": role})
    assert r.status_code == 200, r.text
    online = html.unescape(re.search(r'data-testid="node-probe-command"><code>(.*?)</code>', r.text).group(1))
    return online, re.search(r"token=([A-Za-z0-9_-]+)", online).group(1)


def _sh(command: str, tmp_path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", "-c", command], cwd=tmp_path, env=SYSTEM_ENV, capture_output=True, text=True, timeout=60, **kw
    )


def _check(client, cid: str) -> str:
    started = client.post_form("/p/acme/checks/deploy", {"only": cid}).text
    run = re.search(r"checks/deploy[?]run=(\d+)", started)  # none: the check finished within the answer
    url = f"/p/acme/checks/deploy?run={run.group(1)}" if run else "/p/acme/checks/deploy"
    assert wait_until(lambda: "hx-get" not in client.get(url).text.split("<table")[0])
    return re.search(rf'data-check="{re.escape(cid)}" data-status="(\w+)"', client.get(url).text).group(1)


def _node_upload(client, token, report):
    return client.post(
        "/probe/node-upload",
        content=json.dumps({"token": token, "report": report}),
        headers={"Content-Type": "application/json"},
    )


def _report(role="app", **kw) -> dict:
    answers = f.answers(f.MINIMAL, profile="acme", database={"host": "127.0.0.1", "port": 9})
    return {**measure_node(targets(answers), role, "app-9", timeout=0.5, disk_seconds=0.05), **kw}


def test_curl_pipe_sh_uploads_the_report_and_the_checks_judge_it(wizard, live_server, tmp_path, db_port):
    store = live_server.app.state.store
    assert _check(wizard, "deploy.node.database") == "skip"  # no report yet
    online, token = _usage(wizard, "app")
    assert online == f"curl -fsS '{live_server.url}/probe/script?token={token}' | sh"
    proc = _sh(online, tmp_path)  # exactly what the operator pastes on the node
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # uploaded: nothing to paste
    assert f"Uploaded to {live_server.url}/probe/node-upload: stored the app node report of {HOSTNAME}" in proc.stderr
    ((_, report),) = store.node_reports("acme")
    assert validate_report(report, "acme") == report
    assert report["node"] == HOSTNAME and report["role"] == "app"
    assert report["reach"]["database"]["target"] == f"127.0.0.1:{db_port}" and report["reach"]["database"]["ok"]
    assert report["reach"]["host"]["ok"] and db_port in report["ports_in_use"]
    assert f'data-node="{HOSTNAME}"' in wizard.get("/p/acme/deploy").text
    assert _check(wizard, "deploy.node.database") == "pass"

    again = _sh(online, tmp_path)  # the script is served again (not consumed), the upload is refused
    assert again.returncode == 3 and "HTTP 409" in again.stderr and "already used" in again.stderr
    assert validate_report(json.loads(again.stdout), "acme")["role"] == "app"  # printed for uploading by hand
    assert token not in again.stdout + again.stderr + proc.stderr  # the token is never printed
    assert len(store.node_reports("acme")) == 1


def test_client_token_script_measures_as_client(wizard, live_server, tmp_path):
    online, token = _usage(wizard, "client")
    script = wizard.get(f"/probe/script?token={token}")
    assert script.status_code == 200 and "client machine" in script.text.splitlines()[2]
    proc = _sh(online, tmp_path)
    assert proc.returncode == 0, proc.stderr
    ((_, report),) = live_server.app.state.store.node_reports("acme")
    assert report["role"] == "client"


def test_tokens_of_one_kind_are_refused_by_the_other_upload(wizard, live_server):
    store = live_server.app.state.store
    hw = re.search(
        r"token=([A-Za-z0-9_-]+)", wizard.post_form("/p/acme/hardware/probe-token", {"role": "app"}).text
    ).group(1)
    r = _node_upload(wizard, hw, _report())
    assert r.status_code == 403 and "hardware probe" in r.text
    assert store.node_reports("acme") == []
    _, node_token = _usage(wizard)
    facts = {
        "arch": "x86_64",
        "cpu_cores": 16,
        "memory_gib": 62.8,
        "disk_gb": 480,
        "disk_mbps": 6100,
        "nics": 2,
        "nic_gbps": 25,
    }
    r = wizard.post(
        "/probe/upload",
        content=json.dumps({"token": node_token, "role": "app", "node": "n1", "facts": facts}),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 403 and "node reports" in r.text
    assert store.get_answers("acme").hardware.app.cpu_cores is None
    # neither refusal spent the token: each still works where it belongs
    assert _node_upload(wizard, node_token, _report()).status_code == 200
    r = wizard.post(
        "/probe/upload",
        content=json.dumps({"token": hw, "role": "app", "node": "n1", "facts": facts}),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    "report, status, fragment",
    [
        pytest.param(
            lambda: _report(profile="other"), 400, "profile: the report is for profile 'other'", id="other-profile"
        ),
        pytest.param(
            lambda: {k: v for k, v in _report().items() if k != "reach"}, 400, "reach: an object", id="no-reach"
        ),
        pytest.param(lambda: _report(kind="hardware"), 400, "not a node report", id="wrong-kind"),
        pytest.param(lambda: _report(measured_at="yesterday"), 400, "measured_at", id="bad-timestamp"),
        pytest.param(lambda: _report(node="n" * 300), 400, "node:", id="long-node-name"),
        pytest.param(lambda: [1, 2], 400, "not a node report", id="not-an-object"),
        pytest.param(lambda: _report(role="client"), 403, "node-app reports, not client", id="role-mismatch"),
    ],
)
def test_invalid_reports_are_refused_and_nothing_is_stored(wizard, live_server, report, status, fragment):
    store = live_server.app.state.store
    _, token = _usage(wizard, "app")
    r = _node_upload(wizard, token, report())
    assert r.status_code == status and fragment in r.text, r.text
    assert store.node_reports("acme") == []
    assert _node_upload(wizard, token, _report()).status_code == 200  # a refused report does not spend the token


@pytest.mark.parametrize(
    "body, status, fragment",
    [
        pytest.param(b"x" * (64 * 1024 + 1), 413, "too large", id="oversized"),
        pytest.param(b"{not json", 400, "not JSON", id="not-json"),
        pytest.param(json.dumps({"token": new_token()}).encode(), 400, "exactly token and report", id="no-report"),
        pytest.param(json.dumps({"token": "short", "report": {}}).encode(), 400, "token", id="bad-token"),
        pytest.param(json.dumps({"token": new_token(), "report": {}}).encode(), 403, "unknown", id="unknown-token"),
    ],
)
def test_bad_upload_bodies(wizard, live_server, body, status, fragment):
    r = wizard.post("/probe/node-upload", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status and fragment in r.text
    assert live_server.app.state.store.node_reports("acme") == []


def test_expired_token_is_refused(wizard, live_server):
    _, token = _usage(wizard)
    store = live_server.app.state.store
    with store.session() as s:
        s.exec(update(ProbeToken).values(expires_at=datetime.utcnow() - timedelta(minutes=1)))
        s.commit()
    r = _node_upload(wizard, token, _report())
    assert r.status_code == 403 and "expired" in r.text
    assert store.node_reports("acme") == []


def test_token_route_needs_csrf_and_a_known_role(wizard):
    assert wizard.post("/p/acme/deploy/probe-token", data={"role": "app"}).status_code == 403
    assert wizard.post_form("/p/acme/deploy/probe-token", {"role": "database"}).status_code == 422
    page = wizard.get("/p/acme/deploy").text
    assert 'hx-post="/p/acme/deploy/probe-token"' in page and "Probe a client machine" in page


def test_print_mode_and_airgapped_heredoc_for_real(wizard, live_server, tmp_path, db_port):
    """Without a token the script prints the report; the wizard accepts it (validate_report, and the
    deploy step's paste box)."""
    tg = targets(live_server.app.state.store.get_answers("acme"))
    proc = _sh(node_script("http://127.0.0.1:9", None, tg, "client", disk_seconds=0.2), tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = validate_report(json.loads(proc.stdout), "acme")
    assert report["role"] == "client" and report["reach"]["database"]["ok"]
    assert "Upload this node report in the wizard" in proc.stderr
    r = wizard.post_form("/p/acme/node-reports/paste", {"report": proc.stdout}, follow_redirects=False)
    assert r.status_code == 303
    assert [r["node"] for _, r in live_server.app.state.store.node_reports("acme")] == [HOSTNAME]

    airgapped = node_usage("http://wizard.example:8080", new_token(), tg, "app")["airgapped"]
    assert (
        airgapped.startswith(f"python3 - <<'{HEREDOC}'\n") and "token" not in airgapped.split("node_report_main(")[-1]
    )
    proc = _sh(airgapped, tmp_path, input="")
    assert proc.returncode == 0, proc.stderr
    assert validate_report(json.loads(proc.stdout), "acme")["role"] == "app"
    assert not list(tmp_path.glob(".wbsetup-probe-*"))


HOSTILE = "a'b\"c$(touch pwned)`touch pwned2`\\x\u00fc\ube44\n" + HEREDOC + "\n'''\"\"\""


def test_hostile_values_cannot_break_out_of_the_script(tmp_path):
    hostile = {
        "profile": "acme",
        "database": {"host": HOSTILE, "port": 3306},
        "object_store": {"endpoint": "https://h$(touch pwned3)\u00fc.example:" + HOSTILE, "ca_pem": HOSTILE},
        "host": "https://w\u00e4ndb.$(touch pwned4).example/" + HOSTILE,
    }
    script = node_script("http://127.0.0.1:9", None, hostile, "app", timeout=0.5, disk_seconds=0.05)
    program = script.split(f"<<'{HEREDOC}'\n", 1)[1].rsplit(f"\n{HEREDOC}\n", 1)[0]
    assert program.splitlines()[-1].isascii() and HEREDOC not in program.splitlines()  # values are escaped
    call = ast.parse(program).body[-1].exc.args[0]  # raise SystemExit(node_report_main(url, token, TARGETS, ...))
    assert ast.literal_eval(call.args[2]) == hostile  # exactly the values, as data
    proc = _sh(script, tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["reach"]["database"]["target"] == f"{HOSTILE}:3306" and not report["reach"]["database"]["ok"]
    assert not report["reach"]["object_store"]["ok"] and not report["reach"]["host"]["ok"]
    assert not list(tmp_path.glob("pwned*")) and not os.path.exists("pwned")


def test_program_is_stdlib_only_and_old_python_syntax():
    program = node_program(
        "http://h:1", None, {"profile": "p", "database": None, "object_store": None, "host": None}, "client"
    )
    tree = ast.parse(program, feature_version=(3, 6))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0}
    assert imported - {"app.probe.host"} <= STDLIB, imported - STDLIB  # app.probe.host: only when not embedded


@pytest.mark.parametrize(
    "role, targets_, message",
    [
        pytest.param("database", {}, "role", id="hardware-role"),
        pytest.param("app", {"profile": object()}, "plain data", id="not-data"),
        pytest.param("app", {"profile": float("nan")}, "plain data", id="nan"),
    ],
)
def test_node_program_refuses_bad_inputs(role, targets_, message):
    with pytest.raises(ValueError, match=message):
        node_program("http://h:1", None, targets_, role)


@pytest.mark.browser
def test_deploy_step_button_shows_a_command_that_works(live_server, page, tmp_path):
    """In Chromium: the deploy step's button fetches a one-time command (htmx, CSRF header); run as
    shown, it reports the node, which the reloaded page lists."""
    from tests.services.wizard import TOKEN

    page.goto(f"{live_server.url}/login?token={TOKEN}")
    page.fill("#new-name", "acme")
    page.click("text=Create")
    page.goto(f"{live_server.url}/p/acme/deploy")
    page.click("[data-testid=node-probe-client]")
    command = page.wait_for_selector("[data-testid=node-probe-command]").inner_text()
    assert command.startswith(f"curl -fsS '{live_server.url}/probe/script?token=") and command.endswith("| sh")
    assert "client machine" in page.inner_text("[data-testid=node-probe-usage]")
    proc = _sh(command, tmp_path)
    assert proc.returncode == 0, proc.stderr
    page.reload()
    assert page.locator(f'tr[data-node="{HOSTNAME}"]').inner_text().split("\t")[1].strip() == "client"
