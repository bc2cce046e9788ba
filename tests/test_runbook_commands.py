"""Every command of every runbook runs as written, in order, twice, on the bundle's own files (issue 31
item 2): the fenced `sh` blocks of README.md are executed, top to bottom, from the unpacked bundle.

Where this machine has no cluster, Docker daemon, systemd or W&B, the tools are the recording
stand-ins of tests/runbook_shims/shim.py (they check the files they are given and fail as the real tool
would on a duplicate `create`, a missing namespace, CRD or repository). Real tools where they exist:
the MariaDB client runs the SQL against a test server (MariaDB standing in for MySQL 8), the bundle's
scripts run for real (the backup through its systemd unit, the restore drill), `sha256sum -c`, `wbsetup
render`, `nginx -t` on the installed compose project with the runbook's certificate, `bash -n` (and
shellcheck when installed) on the scripts.

The runbook writes to /opt, /etc, /var, /usr/local and /srv: each run is in a private mount namespace
with an overlay on each (writes land in the test's directory, never on this machine). The second run
sees the first run's files and cluster, as a re-run would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.answers import parse_document
from app.artifacts.bundle import build_bundle, write_bundle
from tests.bundle_corpus import plain_document
from tests.services.mariadb import MariaDB

pytestmark = pytest.mark.slow  # two runs of six runbooks: minutes on a loaded machine

SHIM = Path(__file__).parent / "runbook_shims" / "shim.py"
TOOLS = [
    "kubectl",
    "helm",
    "docker",
    "skopeo",
    "aws",
    "promtool",
    "systemctl",
    "sudo",
    "mysql",
    "mysqldump",
    "curl",
    "wandb",
    "journalctl",
    "wbsetup",
]
OVERLAID = ("/etc", "/opt", "/var", "/usr/local", "/srv")
CA = "-----BEGIN CERTIFICATE-----\nMIIBrunbookCA\n-----END CERTIFICATE-----\n"
FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```$", re.M | re.S)


def sh_blocks(readme: str) -> list[str]:
    """The fenced `sh` blocks of a runbook, dedented to their fence."""
    blocks = []
    for indent, lang, body in FENCE.findall(readme):
        if lang == "sh":
            blocks.append("".join(line[len(indent) :] + "\n" for line in body.splitlines()))
    return blocks


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    d = tmp_path_factory.mktemp("cert")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=wandb.acme.internal",
         "-addext", "subjectAltName=DNS:wandb.acme.internal", "-keyout", d / "k.pem", "-out", d / "c.pem"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return (d / "c.pem").read_text(), (d / "k.pem").read_text()


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    if not shutil.which("mariadbd"):
        pytest.fail("mariadbd is missing: install the mariadb-server Debian package (make test does)")
    server = MariaDB(tmp_path_factory.mktemp("runbook-db")).start()
    try:
        yield server
    finally:
        server.stop()


def sandbox_ok() -> str | None:
    r = subprocess.run(["unshare", *unshare_flags(), "true"], capture_output=True, timeout=30)
    return None if r.returncode == 0 else r.stderr.decode()


def unshare_flags() -> list[str]:
    return ["--mount", "--propagation", "private"] + ([] if os.geteuid() == 0 else ["--map-root-user"])


class Runbook:
    """One bundle unpacked in `root/bundle`, its overlays and the stand-ins' state beside it."""

    def __init__(self, root: Path, answers, database: MariaDB):
        self.root, self.database = root, database
        self.bundle = write_bundle(answers, root / "bundle")
        # The upgrade section compares with the bundle that runs now, kept in `deployed/` (the same one here).
        shutil.move(write_bundle(answers, root / "deployed"), self.bundle / "deployed")
        self.readme = (self.bundle / "README.md").read_text()
        self.state = root / "state"
        self.shims = root / "shims"
        self.state.mkdir()
        self.shims.mkdir()
        for tool in TOOLS:
            (self.shims / tool).symlink_to(SHIM)
        self.upper = {d: root / "overlay" / d.strip("/").replace("/", "_") for d in OVERLAID}

    def script(self) -> str:
        lines = ["set -e"]
        for d, up in self.upper.items():
            (up / "u").mkdir(parents=True, exist_ok=True)
            (up / "w").mkdir(parents=True, exist_ok=True)
            lines.append(f"mount -t overlay overlay -o lowerdir={d},upperdir={up / 'u'},workdir={up / 'w'} {d}")
        lines.append(f"cd {self.bundle}")
        for i, block in enumerate(sh_blocks(self.readme)):
            lines += [f'echo "### block {i} $(date +%s.%N)" >&2', block]
        return "\n".join(lines) + "\n"

    def run(self) -> subprocess.CompletedProcess:
        (self.root / "runbook.sh").write_text(self.script())
        env = {
            "PATH": f"{self.shims}:{Path(sys.executable).parent}:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": str(self.root),
            "RUNBOOK_STATE": str(self.state),
            "RUNBOOK_SHIMS": str(self.shims),
            "RUNBOOK_MYSQL_SOCKET": self.database.socket,
            "RUNBOOK_WBSETUP": str(Path(sys.executable).parent / "wbsetup"),
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
            "LANG": "C.UTF-8",
        }
        stdin = "".join(f"typed-secret-{i}\n" for i in range(40))  # one line per `read` of the runbook
        return subprocess.run(
            ["unshare", *unshare_flags(), "bash", str(self.root / "runbook.sh")],
            input=stdin, capture_output=True, text=True, env=env, timeout=600,
        )  # fmt: skip

    def calls(self) -> list[dict]:
        path = self.state / "calls.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def cluster(self) -> dict:
        path = self.state / "cluster.json"
        return json.loads(path.read_text()) if path.exists() else {"objects": {}}

    def installed(self, path: str) -> Path:
        """Where a file the runbook wrote under one of OVERLAID landed."""
        top = next(d for d in OVERLAID if path.startswith(d + "/"))
        return self.upper[top] / "u" / path[len(top) + 1 :]


def document(target: str, certificate, tls: dict | None = None, database: dict | None = None, **deploy) -> dict:
    cert, key = certificate
    return plain_document(
        tls=tls or {"mode": "provided", "cert_pem": cert, "key_pem": key},
        database=database or {"tls": "preferred"},
        deploy={"target": target, "version": "0.70.0", **deploy},
    )


REGISTRY = {
    "registry": "registry.acme.internal:5000/mirror",
    "registry_username": "puller",
    "registry_password": "registry-pass-1a2b",
    "registry_ca_pem": CA,
}
CASES = {
    "kubernetes": {},
    "kubernetes-registry": {**REGISTRY, "replicas": 2},
    "kubernetes-cert-manager": {"tls": {"mode": "cert-manager", "issuer": "letsencrypt-prod"}},
    "kubernetes-external-tls": {"tls": {"mode": "external"}},
    "kubernetes-db-verify-ca": {"database": {"tls": "verify-ca", "ca_pem": CA}},
    "helm-operator-db-disabled": {"database": {"tls": "disabled"}},
    "helm-operator-cert-manager": {"tls": {"mode": "cert-manager", "issuer": "letsencrypt-prod"}},
    "helm-operator": {},
    "helm-operator-airgap": {**REGISTRY, "chart_repo": "oci://registry.acme.internal:5000/charts", "chart_version": "0.43.8"},
    "helm-operator-airgap-https-chart": {**REGISTRY, "chart_repo": "https://charts.acme.internal/wandb"},
    "docker-compose": {},
    "docker-compose-registry": REGISTRY,
    "docker-compose-no-tls-db-verify-ca": {"tls": {"mode": "none"}, "database": {"tls": "verify-ca", "ca_pem": CA}},
}  # fmt: skip


def run_twice(tmp_path, database, certificate, case: str) -> Runbook:
    if (why := sandbox_ok()) is not None:
        pytest.fail(f"the runbook runs in a private mount namespace (unshare): {why}")
    target = next(t for t in ("helm-operator", "kubernetes", "docker-compose") if case.startswith(t))
    rb = Runbook(tmp_path, parse_document(document(target, certificate, **CASES[case])), database)
    database.sql(
        "CREATE DATABASE IF NOT EXISTS wandb_local",
        "CREATE TABLE IF NOT EXISTS wandb_local.runs (id INT PRIMARY KEY)",  # W&B's migrations, in short
        "INSERT IGNORE INTO wandb_local.runs VALUES (1), (2)",
    )
    first = rb.run()
    assert first.returncode == 0, f"first run failed:\n{first.stderr[-4000:]}"
    calls_first = rb.calls()
    second = rb.run()
    assert second.returncode == 0, f"second run (idempotence) failed:\n{second.stderr[-4000:]}"
    # The second run ran the same commands, every one of them (sorted: the two sides of a pipe log in
    # either order).
    # The scripts' temporary directories and the dumps' time stamps differ from run to run.
    vary = re.compile(r"wandb-mysql\.\w{8}|\d{8}T\d{6}Z")
    key = lambda calls: sorted(vary.sub("*", json.dumps(c, sort_keys=True)) for c in calls)  # noqa: E731
    assert key(rb.calls()[len(calls_first) :]) == key(calls_first)
    return rb


def tools(rb: Runbook) -> list[tuple[str, ...]]:
    return [(c["tool"], *c["argv"]) for c in rb.calls()]


@pytest.mark.parametrize("case", [c for c in CASES if c.startswith("helm-operator")])
def test_helm_operator_runbook_runs_twice(tmp_path, database, certificate, case):
    rb = run_twice(tmp_path, database, certificate, case)
    objects = rb.cluster()["objects"]
    if CASES[case].get("tls", {}).get("mode", "provided") == "provided":
        # The bundle's own TLS Secret, with the certificate the answers gave, in W&B's namespace.
        secret = objects["Secret/wandb/wandb-tls"]
        assert secret["type"] == "kubernetes.io/tls"
        assert secret["stringData"]["tls.crt"] == certificate[0]
        assert ("kubectl", "apply", "-f", "helm/tls-secret.yaml") in tools(rb)
    else:
        assert "Secret/wandb/wandb-tls" not in objects
    assert not any(c[:3] == ("kubectl", "-n", "wandb") and "secret" in c for c in tools(rb))
    assert "WeightsAndBiases/wandb/wandb" in objects
    if "registry" in CASES[case]:
        assert "Secret/wandb/wandb-registry" in objects
    _database_was_set_up(rb)


@pytest.mark.parametrize("case", [c for c in CASES if c.startswith("kubernetes")])
def test_kubernetes_runbook_runs_twice(tmp_path, database, certificate, case):
    rb = run_twice(tmp_path, database, certificate, case)
    objects = rb.cluster()["objects"]
    mode = CASES[case].get("tls", {}).get("mode", "provided")
    if mode == "provided":
        assert objects["Secret/wandb/wandb-tls"]["stringData"]["tls.crt"] == certificate[0]
    else:  # the certificate is cert-manager's or the proxy's in front: the bundle applies no TLS Secret
        assert "Secret/wandb/wandb-tls" not in objects
    annotations = objects["Ingress/wandb/wandb"]["metadata"].get("annotations", {})
    assert (annotations.get("cert-manager.io/cluster-issuer") == "letsencrypt-prod") == (mode == "cert-manager")
    assert "Deployment/wandb/wandb" in objects
    _database_was_set_up(rb)


@pytest.mark.parametrize("case", [c for c in CASES if c.startswith("docker-compose")])
def test_compose_runbook_runs_twice(tmp_path, database, certificate, case):
    rb = run_twice(tmp_path, database, certificate, case)
    project = rb.installed("/opt/wandb")
    # systemd started the project in /opt/wandb: compose found its files, nginx's certificate included.
    ups = [c for c in rb.calls() if c["tool"] == "docker" and "up" in c["argv"]]
    # twice per run: the install starts wandb.service, the upgrade section restarts it
    assert len(ups) == 4 and {c["cwd"] for c in ups} == {"/opt/wandb"}
    if "tls" in CASES[case]:  # tls.mode none: W&B publishes its own port, no nginx and no certificate
        assert "nginx" not in (project / "docker-compose.yaml").read_text() and not (project / "tls").exists()
    else:
        assert (project / "tls/tls.crt").read_text() == certificate[0]
        assert (project / "tls/tls.key").read_text() == certificate[1]
        assert oct((project / "tls/tls.key").stat().st_mode & 0o777) == "0o600"
        _nginx_accepts(project, tmp_path)
    if CASES[case].get("database", {}).get("ca_pem"):  # the MySQL CA W&B trusts, installed beside the project
        assert (project / "ca/mysql_ca.pem").read_text() == CA
    _database_was_set_up(rb)


def _database_was_set_up(rb: Runbook) -> None:
    db = rb.database
    assert db.sql("SELECT @@GLOBAL.sort_buffer_size") == [(67108864,)]  # sql/parameters.sql (SET PERSIST → GLOBAL)
    assert db.sql("SELECT COUNT(*) FROM mysql.user WHERE user = 'wandb_local'") == [(1,)]  # sql/bootstrap.sql
    # The day-two section: the backup ran through its systemd unit, the drill restored it.
    dumps = sorted(rb.installed("/var/backups/wandb-mysql").glob("wandb_local-*.sql.gz"))
    assert dumps, "no backup written"
    assert db.sql("SELECT COUNT(*) FROM wandb_restore_drill.runs") == [(2,)]
    assert rb.installed("/etc/wandb/mysql-backup.password").read_text().startswith("typed-secret-")  # `read`


def _nginx_accepts(project: Path, tmp_path: Path) -> None:
    """The installed nginx.conf with the installed certificate passes `nginx -t` (only the certificate
    directory and the upstream name are swapped for this machine)."""
    conf = (project / "nginx.conf").read_text()
    conf = conf.replace("/etc/nginx/tls/", f"{project}/tls/").replace("wandb:8080", "127.0.0.1:8080")
    (tmp_path / "nginx").mkdir()
    (tmp_path / "nginx/site.conf").write_text(conf)
    main = tmp_path / "nginx/nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx/pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n"
        f"  access_log off;\n  client_body_temp_path {tmp_path}/nginx;\n  include {tmp_path}/nginx/site.conf;\n}}\n"
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    r = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path / "nginx"), "-c", str(main)], capture_output=True, timeout=60
    )
    assert r.returncode == 0, r.stderr.decode()


def test_bundle_scripts_parse(tmp_path, certificate):
    tree = build_bundle(parse_document(document("docker-compose", certificate)))
    scripts = [p for p in tree if p.endswith(".sh")]
    assert len(scripts) >= 3
    for path in scripts:
        (tmp_path / Path(path).name).write_bytes(tree[path])
        first = tree[path].decode().splitlines()[0]
        shell = "bash" if "bash" in first else "sh"
        r = subprocess.run([shell, "-n", str(tmp_path / Path(path).name)], capture_output=True, timeout=30)
        assert r.returncode == 0, (path, r.stderr)
        if shutil.which("shellcheck"):
            r = subprocess.run(
                ["shellcheck", "-S", "warning", str(tmp_path / Path(path).name)], capture_output=True, timeout=60
            )
            assert r.returncode == 0, (path, r.stdout.decode())


def test_redacted_bundle_fills_itself_by_rendering_again(tmp_path):
    """The placeholders section's block (read each secret, render again) turns the bundle without
    secrets into the bundle with them, byte for byte."""
    doc = plain_document(
        tls={"mode": "cert-manager", "issuer": "letsencrypt", "cert_pem": None, "key_pem": None},
        deploy={"target": "kubernetes", "version": "0.70.0"},
    )
    out = write_bundle(parse_document(doc), tmp_path / "bundle", redact=True)
    block = next(b for b in sh_blocks((out / "README.md").read_text()) if "wbsetup render" in b)
    names = re.findall(r"read -rs (\w+)", block)
    assert names == ["WANDB_LICENSE", "WANDB_DB_PASSWORD", "WANDB_S3_SECRET_KEY"]
    typed = [doc["license"], doc["database"]["password"], doc["object_store"]["secret_key"]]
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path)}
    r = subprocess.run(
        ["bash", "-e", "-c", block], cwd=out, input="".join(v + "\n" for v in typed), capture_output=True, text=True,
        env=env, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    rendered = {str(p.relative_to(out / "bundle")): p.read_bytes() for p in (out / "bundle").rglob("*") if p.is_file()}
    assert rendered == build_bundle(parse_document(doc))


def test_stand_ins_fail_like_the_tools(tmp_path, database):
    """The old helm-operator commands fail here as on a cluster: `create namespace` twice, and a TLS
    Secret from files the bundle does not have. (Without this, a passing run would prove nothing.)"""
    rb = Runbook(
        tmp_path, parse_document(plain_document(deploy={"target": "helm-operator", "version": "0.70.0"})), database
    )
    env = {
        **os.environ,
        "RUNBOOK_STATE": str(rb.state),
        "RUNBOOK_SHIMS": str(rb.shims),
        "PATH": f"{rb.shims}:/usr/bin:/bin",
    }

    def kubectl(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["kubectl", *args], cwd=rb.bundle, env=env, capture_output=True, text=True, timeout=60)

    assert kubectl("create", "namespace", "wandb").returncode == 0
    again = kubectl("create", "namespace", "wandb")
    assert again.returncode == 1 and "AlreadyExists" in again.stderr
    missing = kubectl("-n", "wandb", "create", "secret", "tls", "wandb-tls", "--cert=tls.crt", "--key=tls.key")
    assert missing.returncode == 1 and "tls.crt" in missing.stderr
    no_crd = kubectl("apply", "-f", "helm/wandb-cr.yaml")
    assert no_crd.returncode == 1 and "no matches for kind" in no_crd.stderr
    no_ns = kubectl("apply", "-f", "helm/values.yaml")
    assert no_ns.returncode == 1
