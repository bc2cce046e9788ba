"""The node report, measured for real on this machine against real loopback listeners."""

from __future__ import annotations

import http.server
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import trustme
import yaml

from app.answers import AnswersError, parse_document
from app.probe.reports import (
    docker_versions,
    listening_ports,
    load_reports,
    node_report,
    published_ports,
    reach_database,
    reach_object_store,
    validate_report,
)
from tests import factories as f

ROOT = Path(__file__).resolve().parents[1]
TOP_KEYS = {"schema", "kind", "profile", "node", "role", "measured_at", "hardware", "reach", "docker", "ports_in_use"}
HARDWARE_KEYS = {"arch", "cpu_cores", "memory_gib", "disk_gb", "disk_mbps", "nics", "nic_gbps"}


@pytest.fixture
def db_port():
    """A plain TCP listener standing for the database port (reach is a TCP connect)."""
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        yield srv.getsockname()[1]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def store_ca():
    return trustme.CA()


def _serve(ssl_ctx=None):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    if ssl_ctx is not None:
        srv.socket = ssl_ctx.wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    return srv, t


@pytest.fixture(scope="module")
def http_store():
    srv, t = _serve()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()
    t.join(5)


@pytest.fixture(scope="module")
def https_store(store_ca):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    store_ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    srv, t = _serve(ctx)
    yield f"https://localhost:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()
    t.join(5)


def answers(**over):
    doc = {"schema": 1, "profile": "acme-prod", "host": "https://localhost", **over}
    return parse_document(doc)


def test_database_reachable_and_refused(db_port, closed_port):
    ok = reach_database(answers(database={"host": "127.0.0.1", "port": db_port}))
    assert ok["ok"] is True and ok["error"] is None and ok["ms"] >= 0 and ok["target"] == f"127.0.0.1:{db_port}"
    bad = reach_database(answers(database={"host": "127.0.0.1", "port": closed_port}))
    assert bad["ok"] is False and "refused" in bad["error"] and bad["ms"] is None


@pytest.mark.parametrize(
    "which, ca, tls",
    [
        pytest.param("http", False, "none", id="http"),
        pytest.param("https", False, "untrusted", id="https-trustme"),
        pytest.param("https", True, "private-ca", id="https-with-ca_pem"),
    ],
)
def test_object_store_tls(http_store, https_store, store_ca, which, ca, tls):
    store = {"endpoint": http_store if which == "http" else https_store}
    if ca:
        store["ca_pem"] = store_ca.cert_pem.bytes().decode()
    result = reach_object_store(answers(object_store=store))
    assert result["ok"] is True and result["tls"] == tls
    assert (result["error"] is None) == (tls != "untrusted")


def test_object_store_closed_port(closed_port):
    result = reach_object_store(answers(object_store={"endpoint": f"https://127.0.0.1:{closed_port}"}))
    assert result == {
        "target": f"127.0.0.1:{closed_port}",
        "ok": False,
        "ms": None,
        "error": result["error"],
        "tls": None,
    }
    assert "refused" in result["error"]


def test_full_report_has_the_contract_shape(db_port, http_store):
    report = node_report(
        answers(database={"host": "127.0.0.1", "port": db_port}, object_store={"endpoint": http_store}),
        role="client",
        name="trainer-1",
    )
    assert set(report) == TOP_KEYS and set(report["hardware"]) == HARDWARE_KEYS
    assert (report["schema"], report["kind"], report["profile"], report["node"], report["role"]) == (
        1,
        "node-report",
        "acme-prod",
        "trainer-1",
        "client",
    )
    assert report["measured_at"].endswith("Z") and len(report["measured_at"]) == 20
    assert set(report["reach"]) == {"database", "object_store", "host"}
    assert set(report["reach"]["database"]) == {"target", "ok", "ms", "error"}
    assert set(report["reach"]["object_store"]) == {"target", "ok", "ms", "error", "tls"}
    assert set(report["reach"]["host"]) == {"target", "ok", "addresses", "error"}
    assert report["reach"]["host"]["ok"] and "127.0.0.1" in report["reach"]["host"]["addresses"]
    assert db_port in report["ports_in_use"]
    assert set(report["docker"]) == {"engine", "compose"}
    assert validate_report(json.loads(json.dumps(report)), "acme-prod") == report


def test_listening_ports_reads_proc_format(tmp_path):
    header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    (tmp_path / "tcp").write_text(
        header + "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1\n"
        "   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 2\n"
    )
    (tmp_path / "tcp6").write_text(
        header
        + "   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 0:0 00:0 0 0 0 3\n"
    )
    assert listening_ports(str(tmp_path)) == [22, 443]  # 8080 is an established connection, not LISTEN


def _fake_bin(tmp_path, name, script):
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)


@pytest.mark.parametrize(
    "docker, compose_v1, expected",
    [
        pytest.param(
            'case "$1" in version) echo 27.3.1;; compose) echo v2.29.7;; esac',
            None,
            {"engine": "27.3.1", "compose": "2.29.7"},
            id="engine-and-compose-v2",
        ),
        pytest.param(
            'case "$1" in version) echo 19.03.12;; *) echo "unknown command" >&2; exit 1;; esac',
            "echo 1.29.2",
            {"engine": "19.03.12", "compose": "1.29.2"},
            id="old-engine-compose-v1",
        ),
        pytest.param(
            "echo 'Cannot connect to the Docker daemon' >&2; exit 1",
            None,
            {"engine": None, "compose": None},
            id="daemon-down",
        ),
    ],
)
def test_docker_versions_with_stand_in_binaries(tmp_path, monkeypatch, docker, compose_v1, expected):
    """Stand-in `docker`/`docker-compose` scripts (no Docker engine runs here) exercise the parsing."""
    _fake_bin(tmp_path, "docker", docker + "\n")
    if compose_v1:
        _fake_bin(tmp_path, "docker-compose", compose_v1 + "\n")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert docker_versions(timeout=5) == expected


def test_docker_versions_on_this_machine():
    """The real Debian docker-compose 1.29 is installed here; no Docker engine runs."""
    found = docker_versions(timeout=10)
    assert found["engine"] is None
    assert found["compose"] and found["compose"].startswith("1.29")


@pytest.mark.parametrize(
    "mode, host, ports",
    [
        pytest.param("provided", "https://wandb.acme.internal", [80, 443], id="provided"),
        pytest.param("none", "http://wandb.acme.internal", [80], id="none-host-port"),  # SPEC §6: the port host names
        pytest.param("external", "https://wandb.acme.internal", [8080], id="external-app-port"),
        pytest.param("provided", "https://wandb.acme.internal:8443", [80, 8443], id="explicit-https-port"),
    ],
)
def test_published_ports_match_the_compose_file(mode, host, ports):
    """deploy.node.ports must test exactly the host ports the rendered compose file publishes."""
    from app.artifacts.compose import compose_document

    answers = f.answers(f.MINIMAL, profile="p", host=host, tls={"mode": mode})
    published = sorted(
        {
            int(str(p).split(":")[0])
            for svc in compose_document(answers)["services"].values()
            for p in svc.get("ports", [])
        }
    )
    assert published_ports(answers) == published == ports


def _write(tmp_path, name, doc) -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


def test_load_reports_rejects_other_profiles_and_garbage(tmp_path, db_port):
    good = node_report(answers(database={"host": "127.0.0.1", "port": db_port}), name="app-1")
    assert load_reports([_write(tmp_path, "ok.json", good)], "acme-prod")[0]["node"] == "app-1"
    cases = {
        "other.json": ({**good, "profile": "other"}, "for profile 'other'"),
        "garbage.json": ("{not json", "not JSON"),
        "shape.json": ({**good, "reach": {"database": {}}}, "reach.database"),
        "kind.json": ({"kind": "something"}, "not a node report"),
    }
    for name, (doc, words) in cases.items():
        path = _write(tmp_path, name, doc)
        with pytest.raises(AnswersError) as exc:
            load_reports([path], "acme-prod")
        assert str(exc.value.errors[0]).startswith(f"{path}: ") and words in " ".join(map(str, exc.value.errors))


def _cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def test_cli_probe_node_prints_the_contract_shape(tmp_path, db_port, http_store):
    path = tmp_path / "answers.yaml"
    path.write_text(
        yaml.safe_dump(
            f.answers_doc(
                f.MINIMAL,
                profile="acme-prod",
                host="http://localhost",
                database={"host": "127.0.0.1", "port": db_port, "password": {"env": "UNSET_PW"}},
                object_store={"endpoint": http_store},
            )
        )
    )
    done = _cli("probe", "--node", str(path), "--role", "client", "--name", "laptop-7")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) == TOP_KEYS and report["node"] == "laptop-7" and report["role"] == "client"
    assert report["reach"]["database"]["ok"] and report["reach"]["object_store"]["tls"] == "none"
    assert _cli("probe", "--node", str(tmp_path / "missing.yaml")).returncode == 2
