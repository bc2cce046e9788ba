"""deploy.node.* rules on crafted node reports, and `validate --node-report` end to end."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.answers import parse_document
from tests import factories as f

ROOT = Path(__file__).resolve().parents[1]
NODE_IDS = [
    "deploy.node.database",
    "deploy.node.object_store",
    "deploy.node.host",
    "deploy.node.docker",
    "deploy.node.ports",
]
ANSWERS = f.answers_doc(
    f.MINIMAL,
    profile="acme-prod",
    host="https://wandb.acme.internal",
    tls={"mode": "provided"},
    database={"host": "mysql.acme.internal", "port": 3306},
    object_store={"endpoint": "https://s3.acme.internal:9000", "bucket": "wandb-files"},
    deploy={"target": "docker-compose"},
)
REPORT = {
    "schema": 1,
    "kind": "node-report",
    "profile": "acme-prod",
    "node": "app-1",
    "role": "app",
    "measured_at": "2026-11-29T03:00:00Z",
    "hardware": {
        "arch": "x86_64",
        "cpu_cores": 8,
        "memory_gib": 31.3,
        "disk_gb": 200,
        "disk_mbps": 5210,
        "nics": 2,
        "nic_gbps": 10,
    },
    "reach": {
        "database": {"target": "mysql.acme.internal:3306", "ok": True, "ms": 0.9, "error": None},
        "object_store": {"target": "s3.acme.internal:9000", "ok": True, "ms": 1.1, "error": None, "tls": "trusted"},
        "host": {"target": "wandb.acme.internal", "ok": True, "addresses": ["10.0.0.5"], "error": None},
    },
    "docker": {"engine": "27.3.1", "compose": "2.29.7"},
    "ports_in_use": [22, 9100],
}


def report(node="app-1", role="app", **changes) -> dict:
    """REPORT with dotted-path changes, e.g. **{"docker.engine": "19.03.12"}."""
    doc = copy.deepcopy(REPORT)
    doc.update(node=node, role=role)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = doc
        for p in parents:
            target = target[p]
        target[last] = value
    return doc


def run(reports, target="docker-compose", **over) -> dict:
    answers = parse_document({**ANSWERS, **over, "deploy": {"target": target}})
    return f.results(answers, only=NODE_IDS, node_reports=reports, timeout=5)


def test_healthy_nodes_pass_everything():
    results = run([report("app-1"), report("app-2"), report("laptop", "client")])
    assert {i: r.status for i, r in results.items()} == {i: "pass" for i in NODE_IDS}


def test_without_reports_every_node_check_says_what_to_run():
    for r in run([]).values():
        assert r.status == "skip" and "wbsetup probe --node" in str(r.message)


@pytest.mark.parametrize(
    "docker, status, words",
    [
        pytest.param({"engine": "27.3.1", "compose": "2.29.7"}, "pass", "", id="27.x-compose-v2"),
        pytest.param({"engine": "20.10.24", "compose": "1.29.2"}, "pass", "", id="20.10-docker-compose-1.29"),
        pytest.param(
            {"engine": "19.03.12", "compose": "2.29.7"}, "fail", "Docker Engine 19.03.12 < 20.10", id="docker-19.03"
        ),
        pytest.param({"engine": "27.3.1", "compose": None}, "fail", "Docker Compose not found", id="compose-missing"),
        pytest.param({"engine": None, "compose": "2.29.7"}, "fail", "Docker Engine not found", id="engine-missing"),
        pytest.param({"engine": "27.3.1", "compose": "2.17.3"}, "fail", "Compose 2.17.3 < 2.20", id="compose-v2-old"),
        pytest.param({"engine": "27.3.1", "compose": "1.25.0"}, "fail", "Compose 1.25.0 < 1.29", id="compose-v1-old"),
    ],
)
def test_docker(docker, status, words):
    result = run([report("app-1", docker=docker)])["deploy.node.docker"]
    assert result.status == status and words in str(result.message)
    if status == "fail":
        assert "app-1" in str(result.message) and "docker-compose-plugin" in str(result.hint)


def test_docker_judges_only_app_nodes_and_only_the_compose_target():
    client_old = report("laptop", "client", **{"docker.engine": None})
    assert run([report("app-1"), client_old])["deploy.node.docker"].status == "pass"
    assert run([report("app-1", **{"docker.engine": None})], target="kubernetes")["deploy.node.docker"].status == "skip"


@pytest.mark.parametrize(
    "in_use, mode, status",
    [
        pytest.param([22, 443], "provided", "fail", id="443-in-use"),
        pytest.param([22, 8080], "provided", "pass", id="unrelated-port"),
        pytest.param([22, 443], "external", "pass", id="443-not-published-for-external"),
    ],
)
def test_ports(in_use, mode, status):
    result = run([report("app-1", ports_in_use=in_use)], tls={"mode": mode})["deploy.node.ports"]
    assert result.status == status
    if status == "fail":
        assert "app-1 port 443" in str(result.message) and "allow TCP" in str(result.hint)


@pytest.mark.parametrize(
    "client_store, status, words",
    [
        pytest.param(
            {"ok": False, "error": "timed out after 3 s (firewall?)", "tls": None},
            "fail",
            "unreachable from laptop (timed out",
            id="client-cannot-reach",
        ),
        pytest.param(
            {"ok": True, "error": "TLS: certificate not trusted", "tls": "untrusted"},
            "fail",
            "not trusted on laptop",
            id="client-untrusted",
        ),
        pytest.param({"ok": True, "error": None, "tls": "private-ca"}, "warn", "laptop", id="client-private-ca"),
        pytest.param({"ok": True, "error": None, "tls": "none"}, "pass", "2 nodes reach", id="http"),
    ],
)
def test_object_store_from_every_node(client_store, status, words):
    client = report("laptop", "client")
    client["reach"]["object_store"].update(client_store)
    result = run([report("app-1"), client])["deploy.node.object_store"]
    assert result.status == status and words in str(result.message)


def test_database_names_each_app_node_and_ignores_clients():
    bad = report("app-2", **{"reach.database.ok": False, "reach.database.error": "connection refused"})
    result = run([report("app-1"), bad, report("laptop", "client", **{"reach.database.ok": False})])[
        "deploy.node.database"
    ]
    assert (
        result.status == "fail"
        and "app-2: connection refused" in str(result.message)
        and "laptop" not in str(result.message)
    )
    assert "3306" in str(result.hint)
    only_clients = run([report("laptop", "client")])["deploy.node.database"]
    assert only_clients.status == "skip" and "--role app" in str(only_clients.message)


def test_host_not_resolving_warns_naming_the_node():
    bad = report(
        "laptop",
        "client",
        **{"reach.host.ok": False, "reach.host.addresses": [], "reach.host.error": "DNS: the name does not resolve"},
    )
    result = run([report("app-1"), bad])["deploy.node.host"]
    assert result.status == "warn" and "laptop" in str(result.message) and "/etc/hosts" in str(result.hint)


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_validate_with_node_reports_end_to_end(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(ANSWERS))
    good, busy = tmp_path / "r1.json", tmp_path / "r2.json"
    good.write_text(json.dumps(report("app-1")))
    busy.write_text(json.dumps(report("app-2", ports_in_use=[80])))
    done = _cli("validate", str(answers), "--step", "deploy", "--node-report", str(good), "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    checks = {c["id"]: c for c in json.loads(done.stdout)["checks"]}
    assert all(checks[i]["status"] == "pass" for i in NODE_IDS)
    assert checks["deploy.cluster.connect"]["status"] == "skip"
    done = _cli(
        "validate",
        str(answers),
        "--step",
        "deploy",
        "--node-report",
        str(good),
        "--node-report",
        str(busy),
        "--format",
        "json",
    )
    assert done.returncode == 1
    ports = {c["id"]: c for c in json.loads(done.stdout)["checks"]}["deploy.node.ports"]
    assert ports["status"] == "fail" and "app-2 port 80" in str(ports["message"])
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**report(), "profile": "someone-else"}))
    done = _cli("validate", str(answers), "--step", "deploy", "--node-report", str(other))
    assert done.returncode == 2 and str(other) in done.stderr
