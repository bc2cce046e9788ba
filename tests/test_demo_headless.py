"""The demo's answers for the CLI and GitOps path (#31 item 12): the demo page offers the demo profile as an
answers file ({env: …} references only) and the environment file with this run's values; sourcing one and
validating the other runs the checks headless against the running demo. `wbsetup demo --print-answers`
writes the same two files at start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from app.answers import SECRET_PLACEHOLDERS
from app.demo import Demo, mount
from app.main import create_app
from tests.services.net import free_port, wait_port
from tests.services.wizard import TOKEN, Client, make_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo():
    with Demo(timeout=5.0) as d:
        yield d


@pytest.fixture
def demo_client(tmp_path, demo):
    app = create_app(make_settings(tmp_path, demo=True, check_timeout=5.0), token=TOKEN)
    mount(app, demo)
    with Client(app) as c:
        yield c.login()


def test_the_demo_page_offers_both_files(demo_client, demo, tmp_path):
    page = demo_client.get("/demo").text
    assert 'href="/demo/answers.yaml"' in page and 'href="/demo/demo.env"' in page
    answers = demo_client.get("/demo/answers.yaml")
    env = demo_client.get("/demo/demo.env")
    assert answers.status_code == env.status_code == 200
    assert 'filename="demo-answers.yaml"' in answers.headers["content-disposition"]
    assert env.headers["cache-control"] == "no-store"
    doc = yaml.safe_load(answers.text)
    assert doc["database"]["password"] == {"env": "WANDB_DB_PASSWORD"}
    assert demo.mysql_state.password not in answers.text and demo.s3.secret_key not in answers.text
    assert "export WANDB_DB_PASSWORD=" in env.text and demo.mysql_state.password in env.text
    (tmp_path / "demo-answers.yaml").write_text(answers.text, encoding="utf-8")
    (tmp_path / "demo.env").write_text(env.text, encoding="utf-8")
    # Headless, as the page says: source the environment (PEMs and the kubeconfig span lines), validate.
    base = {k: v for k, v in os.environ.items() if k not in SECRET_PLACEHOLDERS.values()}
    proc = subprocess.run(
        [
            "sh",
            "-c",
            "set -a; . ./demo.env; set +a; exec "
            f"{sys.executable} -m app validate demo-answers.yaml --step database --step tls --step deploy "
            "--format json --timeout 20",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**base, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    report = yaml.safe_load(proc.stdout)
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses["database.connect"] == "pass" and statuses["deploy.cluster.connect"] == "pass", statuses


def test_demo_print_answers_writes_them_and_frames_the_login_url_last(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "demo", "--port", str(port), "--print-answers"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    try:
        wait_port(port, timeout=60)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert any(line.strip().startswith("wbsetup validate /") and "demo-answers.yaml" in line for line in lines)
    assert any("set -a; . /" in line and "demo.env; set +a" in line for line in lines)
    # The login URL is the last thing before the server runs, between two rules.
    at = next(i for i, line in enumerate(lines) if "/login?token=" in line)
    assert set(lines[at - 2].strip()) == {"="} and set(lines[at + 1].strip()) == {"="}
    assert lines[at + 2 :] in ([""], ["", "wbsetup demo: stopped; the demo state was discarded"])
