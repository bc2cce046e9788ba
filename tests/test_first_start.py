"""A quiet first start (#31 item 10): `make demo` keeps pip's (and the build backend's) output in a log
and shows it only when the install fails, so the demo's framed login URL is what the terminal ends with;
`wbsetup render` says what it wrote. The Makefile runs against a stand-in Python whose pip is as noisy as
a real first install (200 lines and a BuildBackendWarning)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from app.artifacts.serialize import dump_yaml
from tests.bundle_corpus import plain_document

ROOT = Path(__file__).resolve().parent.parent
FAKE_PYTHON = """#!/bin/sh
# the stand-in for `python3 -m venv DIR`: a venv whose pip is noisy and whose wbsetup prints the demo's URL
[ "$1" = "-m" ] && [ "$2" = "venv" ] || exit 3
mkdir -p "$3/bin"
cat > "$3/bin/pip" <<'PIP'
#!/bin/sh
i=0; while [ $i -lt 200 ]; do echo "Collecting package-$i"; i=$((i+1)); done
echo "BuildBackendWarning: project.license as a TOML table is deprecated" >&2
[ -n "$PIP_FAILS" ] && { echo "ERROR: no matching distribution" >&2; exit 1; }
exit 0
PIP
printf '#!/bin/sh\\necho "  http://127.0.0.1:8080/login?token=T"\\n' > "$3/bin/wbsetup"
chmod +x "$3/bin/pip" "$3/bin/wbsetup"
"""


def make_demo(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    python = tmp_path / "python3"
    python.write_text(FAKE_PYTHON)
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    return subprocess.run(
        ["make", "-s", "--no-print-directory", "demo", f"PY={python}", f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


def test_make_demo_is_quiet_and_ends_with_the_url(tmp_path):
    proc = make_demo(tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert len(lines) <= 3, lines
    assert "Collecting" not in proc.stdout + proc.stderr and "BuildBackendWarning" not in proc.stderr
    assert lines[-1].strip() == "http://127.0.0.1:8080/login?token=T"
    log = (tmp_path / "venv" / "install.log").read_text()
    assert log.count("Collecting") == 400 and "BuildBackendWarning" in log


def test_a_failed_install_shows_its_log(tmp_path):
    proc = make_demo(tmp_path, PIP_FAILS="1")
    assert proc.returncode != 0
    assert "ERROR: no matching distribution" in proc.stdout + proc.stderr


def test_the_project_license_is_an_spdx_string():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert isinstance(project["license"], str)  # a TOML table makes hatchling warn on every install


def render(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    path = tmp_path / "answers.yaml"
    path.write_text(dump_yaml(plain_document()), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "app", "render", str(path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_render_says_what_it_wrote(tmp_path):
    out = tmp_path / "bundle"
    proc = render(tmp_path, "--out", str(out), "--redact")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert f"wrote {len(files)} files to {out}" in text
    assert "target kubernetes" in text and "redacted" in text
    for name in ("README.md", "kubernetes/wandb.yaml"):
        assert name in files and f"  {name}" in text.splitlines()
    assert "next: " in text and "README.md" in text.splitlines()[-1]


def test_render_with_secrets_says_so(tmp_path):
    proc = render(tmp_path, "--out", str(tmp_path / "b"), "--archive", "zip")
    assert proc.returncode == 0, proc.stderr
    assert "with secrets" in proc.stdout and "acme-prod-bundle.zip" in proc.stdout
