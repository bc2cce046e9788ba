"""The import directions (pyproject.toml [tool.importlinter], `lint-imports` in make lint) hold, and each
contract breaks when a module imports the wrong way (run on a copy of app/ with one offending import)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}  # this copy of `app`, not the installed one
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_contracts_hold():
    r = _lint_imports(ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 broken" in r.stdout


@pytest.fixture
def copy(tmp_path) -> Path:
    """app/'s Python modules and pyproject.toml, in a temporary directory."""
    shutil.copytree(
        ROOT / "app",
        tmp_path / "app",
        ignore=lambda folder, names: [
            n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir() or n == "__pycache__"
        ],
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "module, offence, contract",
    [
        pytest.param(
            "app/store/nodes.py",
            "from app.web import runs",
            "store, checks, artifacts, probe and the shared modules never import the web",
            id="store-imports-web",
        ),
        pytest.param(
            "app/artifacts/sql.py",
            "import app.demo",
            "store, checks, artifacts, probe and the shared modules never import the web",
            id="artifacts-import-demo",
        ),
        pytest.param(
            "app/store/runs.py",
            "from app.probe import reports",
            "the store knows no checks, artifacts or probe",
            id="store-imports-probe",
        ),
        pytest.param(
            "app/artifacts/sql.py",
            "from app.checks import engine",
            "the artifacts never import the checks",
            id="artifacts-import-checks",
        ),
        pytest.param(
            "app/checks/tls.py",
            "from app.artifacts import helm",
            "the checks import the artifacts only through the allowed modules",
            id="checks-import-an-artifact-not-allowed",
        ),
        pytest.param(
            "app/facts/hosts.py",
            "from app import answers",
            "the shared facts import nothing of the app but app.i18n",
            id="facts-import-answers",
        ),
        pytest.param(
            "app/artifacts/mirror.py",
            "from app.artifacts import images",
            "no cycles among the artifact builders",
            id="artifact-cycle",
        ),
    ],
)
def test_a_contract_breaks_on_a_wrong_import(copy, module, offence, contract):
    assert _lint_imports(copy).returncode == 0  # the copy as it is keeps every contract
    with (copy / module).open("a") as fh:
        fh.write(f"\n{offence}  # the wrong way\n")
    r = _lint_imports(copy)
    assert r.returncode == 1, r.stdout + r.stderr
    assert contract in r.stdout.split("Broken contracts")[1], r.stdout  # (an indirect chain may break others too)
    dotted = module[:-3].replace("/", ".")
    names = (f"{dotted} ->", f".{dotted.rsplit('.', 1)[1]} ->")  # cycles are named relative to their package
    assert any(name in r.stdout for name in names), r.stdout  # names the offending import


def test_migrations_import_nothing_above_the_store():
    """Migrations run inside the store's upgrade: they may use app.store and the shared facts below it."""
    above = ("app.probe", "app.checks", "app.artifacts", "app.web", "app.demo", "app.cli", "app.main")
    found = []
    for path in sorted((ROOT / "migrations").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [(path.name, n) for n in names if n.startswith(above)]
    assert not found
