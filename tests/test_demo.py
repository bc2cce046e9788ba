"""`wbsetup demo`'s simulated infrastructure, through the same check engine as real installations:
all green at start (every step, the Verify step too), each fault turns its check red and back,
everything stops cleanly.

The MySQL server here is the demo's mysql-mimic **stand-in** (app/demo/mysql_standin.py), the S3
endpoint is moto, the cluster is the Kubernetes API stand-in (app/demo/kube_api.py) and W&B is the W&B
stand-in (app/demo/wandb_server.py) behind real nginx running the bundle's nginx.conf (and, in one
test, behind the Python proxy used where nginx is not installed): these tests are about the demo, not
about the checks' judgements (those are tested against MariaDB, SeaweedFS and nginx elsewhere).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from app.checks.engine import run_checks_sync
from app.demo import Demo, run_demo
from app.demo.faults import FAULTS
from tests.services.net import free_port, wait_port

TIMEOUT = 2.0
STEPS = ("hardware", "database", "object_store", "tls", "deploy", "verify")
# The demo's two honest warnings: moto speaks plain http, and the demo CA is a private CA.
EXPECTED_WARNINGS = {"object_store.tls", "tls.chain"}


@pytest.fixture(scope="module")
def demo():
    with Demo(timeout=TIMEOUT) as d:
        yield d


def run(demo: Demo, step: str):
    report = run_checks_sync(demo.answers(), steps=[step], timeout=TIMEOUT, node_reports=demo.node_reports())
    return {r.id: r for r in report.results}


# Checks that do not apply to the demo's deployment (helm-operator, a provided certificate).
NOT_APPLICABLE = {"deploy.cluster.cert_manager", "deploy.node.docker", "deploy.node.ports"}


@pytest.mark.parametrize("step", STEPS)
def test_every_step_is_green(demo, step):
    results = run(demo, step)
    assert results, f"no checks ran for {step}"
    bad = {i: (r.status, r.message) for i, r in results.items() if r.status in ("fail", "error")}
    assert bad == {}
    warned = {i for i, r in results.items() if r.status == "warn"}
    assert warned <= EXPECTED_WARNINGS, warned
    skipped = {i for i, r in results.items() if r.status == "skip"}
    assert skipped <= NOT_APPLICABLE, skipped  # the cluster, the nodes and W&B all run live
    passed = [i for i, r in results.items() if r.status == "pass"]
    assert len(passed) >= 5, (step, passed)


def test_simulated_registry_asks_for_credentials_and_the_profile_holds_them(demo):
    got = run(demo, "deploy")["deploy.images"]
    assert got.status == "pass", got.message
    anonymous = demo.answers().model_copy(deep=True)
    anonymous.deploy.registry_username = None
    report = run_checks_sync(anonymous, only=["deploy.images"], timeout=TIMEOUT)
    assert report.results[0].status == "warn"  # it really asks


def test_database_stand_in_presents_mysql_8_4(demo):
    results = run(demo, "database")
    assert results["database.version"].observed == "8.4.3"
    assert results["database.sort_buffer_size"].observed == "67108864"
    assert results["database.write"].status == "pass"
    assert demo.mysql_state.tables == {}  # the scratch table was dropped


CASES = [
    pytest.param("sort_buffer", "database.sort_buffer_size", "fail", "262144", id="sort-buffer-too-small"),
    pytest.param("mysql_8027", "database.version", "fail", "8.0.27", id="mysql-8.0.27"),
    pytest.param("no_cors", "object_store.cors", "fail", "preflight", id="bucket-without-cors"),
    pytest.param("wrong_secret", "object_store.credentials", "fail", "SignatureDoesNotMatch", id="wrong-secret-key"),
    pytest.param("expired_cert", "tls.expiry", "fail", "expired", id="expired-certificate"),
    pytest.param("slow_db", "database.latency", "error", "timed out", id="slow-database"),
    pytest.param(
        "no_ingress_class", "deploy.cluster.ingress_class", "fail", "existing: traefik", id="ingress-class-missing"
    ),
    pytest.param(
        "no_operator", "deploy.cluster.operator", "fail", "operator is not installed", id="operator-not-installed"
    ),
    pytest.param(
        "registry_refuses", "deploy.images", "fail", "refused the credentials", id="registry-refuses-credentials"
    ),
    pytest.param(
        "node_no_mysql", "deploy.node.database", "fail", "from app-2: timed out", id="node-cannot-reach-mysql"
    ),
    pytest.param("proxy_body_1m", "verify.proxy_body", "fail", "413", id="proxy-limits-bodies-to-1mib"),
    pytest.param("image_pull", "verify.rollout", "fail", "cannot pull image", id="image-not-pullable"),
]


# Faults whose cause honestly shows in a second check: an expired certificate no longer verifies as a
# chain; a slow database also times out the other multi-statement check.
ALSO_RED = {"expired_cert": {"tls.chain", "tls.served"}, "slow_db": {"database.write"}}


def test_every_fault_has_a_case():
    assert {c.values[0] for c in CASES} == {f.id for f in FAULTS}
    assert {c.values[1] for c in CASES} == {f.catches for f in FAULTS}


@pytest.mark.parametrize("fault, check_id, status, words", CASES)
def test_fault_turns_its_check_red_and_back(demo, fault, check_id, status, words):
    step = check_id.split(".")[0]
    demo.set_fault(fault, True)
    try:
        results = run(demo, step)
    finally:
        demo.set_fault(fault, False)
    got = results[check_id]
    assert (got.status, words in str(got.message)) == (status, True), (got.status, got.message)
    others = {i for i, r in results.items() if r.status in ("fail", "error") and i != check_id}
    assert others <= ALSO_RED.get(fault, set()), f"{fault} should turn {check_id} red, not also {others}"
    if status == "fail":
        assert got.hint, "a failing check says what to do"
    if fault == "slow_db":  # streaming, not hanging: connect still passes, the slow statements time out
        assert results["database.connect"].status == "pass"
        assert "timed out" in str(got.message)
    assert run(demo, step)[check_id].status == "pass"


def test_expired_certificate_is_also_served(demo):
    from app.checks import _served

    demo.set_fault("expired_cert", True)
    try:
        got = _served.served_certificate("localhost", demo.https.port, timeout=2, cadata=demo.ca.cert_pem)
    finally:
        demo.set_fault("expired_cert", False)
    assert got.cert.not_valid_after_utc.timestamp() < time.time()
    fresh = _served.served_certificate("localhost", demo.https.port, timeout=2, cadata=demo.ca.cert_pem)
    assert fresh.trust == "extra" and fresh.cert.not_valid_after_utc.timestamp() > time.time()


def _refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def test_stop_closes_every_port_and_thread():
    before = set(threading.enumerate())
    d = Demo(timeout=TIMEOUT).start()
    s3_port = int(d.s3.endpoint.rsplit(":", 1)[1])
    kube_port = int(d.cluster.url.rsplit(":", 1)[1])
    ports = {"mysql": d.mysql.port, "s3": s3_port, "https": d.https.port, "kube": kube_port, "wandb": d.wandb.port}
    assert not any(_refused(p) for p in ports.values())
    d.stop()
    d.stop()  # idempotent
    assert {name: _refused(p) for name, p in ports.items()} == {name: True for name in ports}
    left = [t for t in set(threading.enumerate()) - before if t.is_alive() and not t.name.startswith("wbsetup-")]
    assert left == []


def test_without_nginx_a_python_proxy_fronts_wandb():
    with Demo(timeout=TIMEOUT, use_nginx=False) as d:
        assert d.https.kind == "python"
        results = run(d, "verify")
        assert {i: r.status for i, r in results.items() if r.status != "pass"} == {}
        d.set_fault("proxy_body_1m", True)
        try:
            assert run(d, "verify")["verify.proxy_body"].status == "fail"
        finally:
            d.set_fault("proxy_body_1m", False)
        assert run(d, "verify")["verify.proxy_body"].status == "pass"


def test_node_reports_are_valid_contract_reports(demo):
    from app.probe.reports import validate_report

    reports = demo.node_reports()
    assert [(r["node"], r["role"]) for r in reports] == [("app-1", "app"), ("app-2", "app"), ("train-1", "client")]
    for report in reports:
        assert validate_report(report, "demo") is report


def test_demo_refuses_anything_but_loopback(capsys):
    assert run_demo("0.0.0.0", 1) == 2
    assert "loopback" in capsys.readouterr().err


def test_wbsetup_demo_command_starts_fast_and_stops_on_ctrl_c():
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        wait_port(port, timeout=10)  # a bound, not a measure: start-up time is bench's (CLI start)
        import httpx

        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, err
    assert "/login?token=" in out and "next=/p/demo/hardware" in out
    assert "stopped" in out
    assert _refused(port)
