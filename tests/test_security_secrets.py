"""Secrets at rest and in transit: encrypted in the state database, never in the server log, pages,
check messages, validation reports or exports (unless --include-secrets); key file 0600; a wrong key
is a clear error; `wbsetup rotate-key` in both key modes."""

import os
import stat
import subprocess
import sys
import time

import pytest
import trustme
from cryptography.fernet import Fernet

from app.answers import parse_document
from app.settings import Settings
from app.store import Store
from tests.serve_proc import ROOT, ServeProc
from tests.services.net import free_port

SECRET = "Zx7-DISTINCTIVE-s3cr3t-Qw"
FORMS = {  # step -> form fields holding the secret (all the plain-text secret fields)
    "database": {
        "database.host": "127.0.0.1",
        "database.port": "{closed}",
        "database.user": "wandb",
        "database.name": "wandb",
        "database.password": SECRET,
        "database.admin_password": SECRET + "-admin",
    },
    "object_store": {
        "object_store.endpoint": "http://127.0.0.1:{closed}",
        "object_store.bucket": "wandb",
        "object_store.access_key": "AKIAEXAMPLE",
        "object_store.secret_key": SECRET + "-s3",
    },
    "deploy": {
        "license": SECRET + "-license",
        "deploy.target": "kubernetes",
        "deploy.registry": "127.0.0.1:{closed}/mirror",
        "deploy.registry_username": "puller",
        "deploy.registry_password": SECRET + "-registry",
        "deploy.kubeconfig": (
            "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster: {server: 'https://127.0.0.1:{closed}'}\n"
            "contexts:\n- name: c\n  context: {cluster: k, user: u}\nusers:\n- name: u\n  user: {token: "
            + SECRET
            + "-kube}\n"
        ),
    },
}
_LEAF = trustme.CA().issue_cert("localhost")
KEY_PEM = _LEAF.private_key_pem.bytes().decode()
KEY_MARK = KEY_PEM.splitlines()[3]  # a line of the private key's body: as distinctive as the marker
FORMS["tls"] = {
    "host": "https://localhost:{closed}",
    "tls.mode": "provided",
    "tls.cert_pem": _LEAF.cert_chain_pems[0].bytes().decode(),
    "tls.key_pem": KEY_PEM,
}


def _cli(tmp_path, *args, env=None, input=None):
    e = {**os.environ, "PYTHONPATH": str(ROOT), "WBSETUP_DATA_DIR": str(tmp_path), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=ROOT, env=e, capture_output=True, text=True, timeout=60, input=input
    )


def test_secret_appears_nowhere(tmp_path):
    server = ServeProc(tmp_path).start()
    c = server.client()
    closed = str(free_port())
    assert c.post_form("/profiles", {"name": "acme"}).status_code == 303
    for step, fields in FORMS.items():
        version = c.get(f"/p/acme/{step}").text.split('name="version" value="')[1].split('"')[0]
        data = {k: v.replace("{closed}", closed) for k, v in fields.items()}
        r = c.post_form(f"/p/acme/{step}", {"version": version, **data})
        assert r.status_code == 303, (step, r.text[:500])
    pages = []
    for step in ("database", "object_store", "tls", "deploy"):  # live checks fail (nothing listens), with messages
        c.post(f"/p/acme/checks/{step}", headers={"X-CSRF-Token": c.csrf})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "hx-trigger" in (panel := c.get(f"/p/acme/checks/{step}").text):
            time.sleep(0.2)
        pages.append(panel)
        assert "data-status=" in panel
    for path in (
        "/",
        "/p/acme/hardware",
        "/p/acme/database",
        "/p/acme/object_store",
        "/p/acme/tls",
        "/p/acme/deploy",
        "/p/acme/review",
        "/p/acme/export.yaml",
        "/p/acme/bundle.zip",
        "/p/acme/bundle.tar.gz",
        "/login",
        "/p/nope/database",
    ):
        r = c.get(path)
        pages.append(r.content.decode("latin-1"))
    c.post_form("/p/acme/database", {"version": "1", "database.password": "x"})  # a conflict page too
    server.stop()
    leaks = [i for i, p in enumerate(pages) if "DISTINCTIVE" in p or KEY_MARK in p]
    assert leaks == []
    for f in ("state.db", "state.db-wal", server.log.name):
        path = tmp_path / f
        if path.exists():
            data = path.read_bytes()
            assert b"DISTINCTIVE" not in data and KEY_MARK.encode() not in data, f
    full = _cli(tmp_path, "export", "acme", "--include-secrets").stdout
    for stored in (
        SECRET,
        SECRET + "-kube",
        SECRET + "-license",
        SECRET + "-registry",
        KEY_MARK,
    ):  # each was really stored
        assert stored in full, stored
    redacted = _cli(tmp_path, "export", "acme").stdout
    assert "DISTINCTIVE" not in redacted and KEY_MARK not in redacted
    # the validation report of the same answers (secrets in the file) never prints them
    answers_file = tmp_path / "acme.yaml"
    answers_file.write_text(_cli(tmp_path, "export", "acme", "--include-secrets").stdout)
    for fmt in ("text", "json", "junit"):
        report = _cli(
            tmp_path,
            "validate",
            str(answers_file),
            "--step",
            "database",
            "--step",
            "object_store",
            "--step",
            "tls",
            "--step",
            "deploy",
            "--format",
            fmt,
            "--timeout",
            "2",
        )
        out = report.stdout + report.stderr
        assert report.returncode == 1 and "DISTINCTIVE" not in out and KEY_MARK not in out, fmt


def test_key_file_is_0600_and_secrets_encrypted(tmp_path):
    store = Store.open(Settings(state_url=f"sqlite:///{tmp_path}/state.db", data_dir=tmp_path))
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    store.save_answers(parse_document({"schema": 1, "profile": "acme", "database": {"password": SECRET}}), replace=True)
    with store.session() as s:
        from sqlmodel import select

        from app.store.models import Profile

        assert SECRET not in s.exec(select(Profile)).one().document


@pytest.mark.parametrize("mode", ["env", "file"])
def test_wrong_key_is_a_clear_error(tmp_path, mode):
    env = {"WBSETUP_SECRET_KEY": Fernet.generate_key().decode()} if mode == "env" else {}
    (tmp_path / "a.yaml").write_text(f'schema: 1\nprofile: acme\ndatabase:\n  password: "{SECRET}"\n')
    assert _cli(tmp_path, "import", str(tmp_path / "a.yaml"), env=env).returncode == 0
    if mode == "env":
        env = {"WBSETUP_SECRET_KEY": Fernet.generate_key().decode()}
    else:
        (tmp_path / "secret.key").write_bytes(Fernet.generate_key())
    for args in (["export", "acme"], ["serve", "--port", str(free_port())]):
        r = _cli(tmp_path, *args, env=env)
        assert r.returncode == 2, (args, r.stderr)
        assert "cannot decrypt the stored secrets" in r.stderr and "Traceback" not in r.stderr


def test_rotate_key_file_mode(tmp_path):
    (tmp_path / "a.yaml").write_text(f'schema: 1\nprofile: acme\ndatabase:\n  password: "{SECRET}"\n')
    assert _cli(tmp_path, "import", str(tmp_path / "a.yaml")).returncode == 0
    old = (tmp_path / "secret.key").read_bytes()
    r = _cli(tmp_path, "rotate-key")
    assert r.returncode == 0 and "re-encrypted 1 secret values" in r.stdout
    new = (tmp_path / "secret.key").read_bytes()
    assert new != old and stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    assert not (tmp_path / "secret.key.old").exists()
    assert SECRET in _cli(tmp_path, "export", "acme", "--include-secrets").stdout
    (tmp_path / "secret.key").write_bytes(old)  # the old key no longer opens the store
    assert "cannot decrypt" in _cli(tmp_path, "export", "acme").stderr


def test_rotate_key_env_mode(tmp_path):
    key = Fernet.generate_key().decode()
    (tmp_path / "a.yaml").write_text(f'schema: 1\nprofile: acme\nlicense: "{SECRET}"\n')
    assert _cli(tmp_path, "import", str(tmp_path / "a.yaml"), env={"WBSETUP_SECRET_KEY": key}).returncode == 0
    r = _cli(tmp_path, "rotate-key", env={"WBSETUP_SECRET_KEY": key})
    assert r.returncode == 0 and "set WBSETUP_SECRET_KEY" in r.stderr
    new = r.stdout.strip()
    assert Fernet(new.encode()) and new != key and not (tmp_path / "secret.key").exists()
    assert SECRET in _cli(tmp_path, "export", "acme", "--include-secrets", env={"WBSETUP_SECRET_KEY": new}).stdout
    assert _cli(tmp_path, "export", "acme", env={"WBSETUP_SECRET_KEY": key}).returncode == 2


def test_interrupted_rotation_stays_readable(tmp_path):
    """A crash after the new key file is written but before the commit: secret.key.old still decrypts."""
    settings = Settings(state_url=f"sqlite:///{tmp_path}/state.db", data_dir=tmp_path)
    store = Store.open(settings)
    store.save_answers(parse_document({"schema": 1, "profile": "acme", "license": SECRET}), replace=True)
    from app.store.crypto import write_key_file

    write_key_file(tmp_path / "secret.key.old", store.box.key)
    write_key_file(tmp_path / "secret.key", Fernet.generate_key())  # ...and then the process died
    reopened = Store.open(settings)
    assert reopened.get_answers("acme").license.get_secret_value() == SECRET
    assert _cli(tmp_path, "rotate-key").returncode == 0  # finishes the job
    assert not (tmp_path / "secret.key.old").exists()
    assert SECRET in _cli(tmp_path, "export", "acme", "--include-secrets").stdout
