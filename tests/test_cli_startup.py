"""CLI start-up (issue 30): a command imports only what it uses, and `validate` ends the process as
soon as its report is written. What is asserted is which modules are loaded when the process ends
(sys.modules, printed by an atexit handler: `validate` ends with app.process_exit.exit_now, which runs
them too), never how long anything takes: the timings are `make bench` figures (bench/cli_start.py,
bench/timeouts.py). `python -X importtime` would miss the step modules: importlib.import_module
bypasses its hook."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import factories as f

ROOT = Path(__file__).resolve().parents[1]
ENV = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
# Loaded by no command that needs neither the web, the store, a cluster, S3, MySQL nor the manifests.
HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "babel",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "app.store",
    "app.web",
    "boto3",
    "botocore",
    "pymysql",
    "lightkube",
    "httpx",
    "httpx2",
    "kubernetes",
    "kubernetes_validate",
    "jsonschema",
    "check_jsonschema",
    "cryptography",
    "app.artifacts.bundle",
)


PROBE = (
    "import atexit, runpy, sys\n"
    "atexit.register(lambda: print('MODULES', ' '.join(sorted(sys.modules)), file=sys.stderr))\n"
    "sys.argv = ['wbsetup'] + sys.argv[1:]\n"
    "runpy.run_module('app', run_name='__main__')\n"
)


def _run(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """`wbsetup ARGS` as `python -m app` runs it, and the modules loaded when it ended."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120, cwd=ROOT, env=ENV
    )
    assert "MODULES " in done.stderr, done.stderr[-2000:]  # the probe itself works
    imported = set(done.stderr.rsplit("MODULES ", 1)[1].split())
    assert "app.cli" in imported
    return done, imported


def _loaded(imported: set[str], names) -> set[str]:
    return {m for m in imported for n in names if m == n or m.startswith(n + ".")}


def test_help_loads_neither_the_answers_model_nor_any_check():
    done, imported = _run("--help")
    assert done.returncode == 0 and "validate" in done.stdout
    assert not _loaded(imported, (*HEAVY, "pydantic", "yaml", "app.answers", "app.checks", "app.i18n"))


def test_validate_hardware_loads_only_the_answers_the_engine_and_the_hardware_checks(tmp_path):
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(f.answers_doc(f.MINIMAL, profile="cli", hardware={"app": {"memory_gib": 1}})))
    done, imported = _run("validate", str(answers), "--step", "hardware", "--format", "json")
    report = json.loads(done.stdout)  # written in full before the process ended
    assert report["summary"]["fail"] == 1 and done.returncode == 1  # 1 GiB of memory is too little
    assert {"app.answers", "app.checks.engine", "app.checks.hardware"} <= imported
    assert not _loaded(imported, HEAVY)
    other_steps = {m for m in imported if m.startswith("app.checks.")} - {
        "app.checks.engine",
        "app.checks.report",
        "app.checks.hardware",
    }
    assert not other_steps


def test_schema_loads_no_check_module():
    done, imported = _run("schema")
    assert done.returncode == 0 and json.loads(done.stdout)["type"] == "object"
    assert not _loaded(imported, (*HEAVY, "app.checks"))


STEP_LOAD_PROBE = (
    "import sys\n"
    "import app.checks\n"
    "from app.steps import STEPS\n"
    "app.checks.load(STEPS)\n"
    "print(' '.join(sorted(sys.modules)))\n"
)


def test_loading_every_steps_checks_imports_no_http_client():
    """The check modules of every step load without httpx (nor the click, rich and pygments it pulls in
    when they are installed): each check imports it where it makes a client, in its worker thread (or a
    thread of the loop), after the engine has started every check; never with the step's modules, whose
    import time the engine waits for before any check starts."""
    done = subprocess.run(
        [sys.executable, "-c", STEP_LOAD_PROBE], capture_output=True, text=True, timeout=120, cwd=ROOT, env=ENV
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = set(done.stdout.split())
    assert {"app.checks.object_store", "app.checks.deploy_images", "app.checks.verify"} <= imported
    assert not _loaded(imported, ("httpx", "click", "rich", "pygments", "boto3", "lightkube", "httpx2"))


EXIT_PROBE = """
import atexit, sys, threading
from pathlib import Path
from app.process_exit import exit_now
atexit.register(lambda: Path(sys.argv[1]).write_text("atexit ran"))
threading.Thread(target=threading.Event().wait).start()  # a worker that never ends (not a daemon)
sys.stdout.write("x" * 200000)  # more than a pipe buffer: must be flushed, not lost
exit_now(int(sys.argv[2]))
"""


@pytest.mark.parametrize("code", [0, 1])
def test_exit_now_flushes_output_runs_atexit_and_waits_for_no_thread(tmp_path, code):
    marker = tmp_path / "marker"
    done = subprocess.run(
        [sys.executable, "-c", EXIT_PROBE, str(marker), str(code)],
        capture_output=True,
        text=True,
        timeout=60,  # a join of the blocked thread would hang here until this kills it: the test fails
        cwd=ROOT,
        env=ENV,
    )
    assert done.returncode == code, done.stderr
    assert done.stdout == "x" * 200000
    assert marker.read_text() == "atexit ran"


def test_library_callers_of_main_are_not_exited(tmp_path):
    """main(argv) from code (tests, other tools) returns the exit code; only the entry point exits."""
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(f.answers_doc(f.MINIMAL, profile="cli", hardware={"app": {"memory_gib": 1}})))
    probe = (
        "import sys\nfrom app.cli import main\n"
        f"code = main(['validate', {str(answers)!r}, '--step', 'hardware'])\n"
        "print('RETURNED', code)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT, env=ENV)
    assert "RETURNED 1" in done.stdout, done.stdout + done.stderr


def test_history_of_a_migrated_store_loads_no_alembic_and_closes_the_database(tmp_path):
    """`wbsetup history` on a store already at the newest migration: Alembic (Mako, Pygments) stays
    unloaded, the table is printed in full (the process ends with exit_now, after flushing), and the
    SQLite connections are closed first (no -wal/-shm file left behind, as after a normal exit)."""
    answers = tmp_path / "a.yaml"
    answers.write_text("schema: 1\nprofile: acme\nhost: https://wandb.acme.internal\n")
    env = {**ENV, "WBSETUP_DATA_DIR": str(tmp_path / "data")}
    for _ in range(2):  # two revisions; the first import creates and migrates the store
        done = subprocess.run(
            [sys.executable, "-m", "app", "import", str(answers)], capture_output=True, text=True, cwd=ROOT, env=env
        )
        assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "history", "acme"], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["REV", "1", "2"]
    imported = set(done.stderr.rsplit("MODULES ", 1)[1].split())
    assert "app.store" in imported and not _loaded(imported, ("alembic", "mako", "pygments"))
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["secret.key", "state.db"]
