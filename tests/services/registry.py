"""A real OCI registry on loopback: Debian's `docker-registry` (Distribution 2.8), filled with skopeo.

TESTING.md "An OCI registry". Three auth modes:
- `open`: no auth;
- `htpasswd`: Basic auth from an `htpasswd -Bbn` file;
- `token`: the Docker token flow behind `TokenServer`, the tests' own token service (HTTPS on loopback
  with a certificate from the test PKI, so the check's `registry_ca_pem` trust is exercised). It
  signs ES256 JWTs whose header `x5c` holds the signing certificate, issued by a test CA that the
  registry trusts as `rootcertbundle`; claims iss, sub, aud = service, exp/nbf/iat, jti, access.

Images are pushed by `skopeo copy --all` from an OCI layout built here by hand: one single-arch image
(`single`) and a multi-arch image index over two manifests (`multi`). Users: `pusher` (push, pull)
and any added puller (pull). Everything runs from a temporary directory and is stopped by its pid.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import secrets
import ssl
import subprocess
import tarfile
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from tests.services.https_server import Pki, issue
from tests.services.net import free_port, wait_port

DOCKER_REGISTRY = "/usr/bin/docker-registry"
PUSHER, PUSHER_PASSWORD = "pusher", "push-" + secrets.token_hex(8)
SERVICE, ISSUER = "wbsetup-test-registry", "wbsetup-test-token-issuer"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


# -- an OCI layout written by hand -----------------------------------------------------------------
def _blob(root: Path, data: bytes) -> dict:
    digest = hashlib.sha256(data).hexdigest()
    (root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    (root / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def _image(root: Path, arch: str) -> dict:
    """One image manifest (a layer with one file, a config) for linux/`arch`; returns its descriptor."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        body = f"wbsetup test image for {arch}\n".encode()
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mtime = len(body), 0
        tar.addfile(info, io.BytesIO(body))
    layer_tar = raw.getvalue()
    layer = _blob(root, gzip.compress(layer_tar, mtime=0))
    config = _blob(
        root,
        json.dumps(
            {
                "architecture": arch,
                "os": "linux",
                "config": {},
                "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer_tar).hexdigest()]},
            }
        ).encode(),
    )
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **layer}],
    }
    return {"mediaType": OCI_MANIFEST, **_blob(root, json.dumps(manifest).encode())}


def build_layout(root: Path) -> Path:
    """An OCI layout at `root` with refs `single` (one image) and `multi` (an index: amd64 + arm64)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    single = _image(root, "amd64")
    arms = [(_image(root, a), a) for a in ("amd64", "arm64")]
    index = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [{**d, "platform": {"architecture": a, "os": "linux"}} for d, a in arms],
    }
    multi = {"mediaType": OCI_INDEX, **_blob(root, json.dumps(index).encode())}
    refs = [
        {**single, "annotations": {"org.opencontainers.image.ref.name": "single"}},
        {**multi, "annotations": {"org.opencontainers.image.ref.name": "multi"}},
    ]
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": refs}))
    return root


# -- the token service -------------------------------------------------------------------------------
def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenServer(ThreadingHTTPServer):
    """GET /token?service=…&scope=repository:NAME:ACTIONS with Basic auth → {"token": JWT}; 401 for
    unknown users or wrong passwords. `users` is {user: (password, granted actions)}. Records requests."""

    daemon_threads = True

    def __init__(self, pki: Pki):
        super().__init__(("127.0.0.1", 0), _TokenHandler)
        self.signing_ca = issue("wbsetup test token CA", ca=True, days=(-1, 30))
        self.signer = issue("wbsetup test token signer", issuer=self.signing_ca, days=(-1, 30))
        leaf = pki.leaf("127.0.0.1")
        with tempfile.TemporaryDirectory() as tmp:
            chain, key = Path(tmp, "chain.pem"), Path(tmp, "key.pem")
            chain.write_text(pki.chain_pem(leaf))
            key.write_text(leaf.key_pem)
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.load_cert_chain(chain, key)
        self.users: dict[str, tuple[str, list[str]]] = {PUSHER: (PUSHER_PASSWORD, ["pull", "push"])}
        self.requests: list[dict] = []
        self.field = "token"  # or "access_token" (some token services answer only that)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def realm(self) -> str:
        return f"https://127.0.0.1:{self.server_port}/token"

    def get_request(self):
        sock, addr = self.socket.accept()
        sock.settimeout(5)
        return self.context.wrap_socket(sock, server_side=True), addr

    def handle_error(self, request, client_address):
        pass

    def jwt(self, user: str, access: list[dict]) -> str:
        der = self.signer.cert.public_bytes(serialization.Encoding.DER)
        header = {"typ": "JWT", "alg": "ES256", "x5c": [base64.b64encode(der).decode()]}
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": user,
            "aud": SERVICE,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(8),
            "access": access,
        }
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        key = self.signer.key
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        return f"{signing_input}.{_b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


class _TokenHandler(BaseHTTPRequestHandler):
    server: TokenServer

    def log_message(self, *a):
        pass

    def do_GET(self):  # noqa: N802
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        auth = self.headers.get("Authorization", "")
        user = password = None
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode("utf-8", "replace").partition(":")
        self.server.requests.append({"path": url.path, "query": query, "user": user})
        known = self.server.users.get(user or "")
        if url.path != "/token" or known is None or known[0] != password:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        access = []
        for scope in query.get("scope", []):
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            granted = [a for a in actions.split(",") if a in known[1]]
            access.append({"type": kind, "name": name, "actions": granted})
        body = json.dumps({self.server.field: self.server.jwt(user or "", access), "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# -- the registry ------------------------------------------------------------------------------------
class Registry:
    """docker-registry on 127.0.0.1:<free port> with `auth` = "open" | "htpasswd" | "token"."""

    def __init__(self, workdir: Path, auth: str, pki: Pki):
        self.dir, self.auth, self.port = workdir, auth, free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.htpasswd = workdir / "htpasswd"
        self.users: dict[str, str] = {PUSHER: PUSHER_PASSWORD}
        self.tokens = TokenServer(pki) if auth == "token" else None
        self.proc: subprocess.Popen | None = None

    def add_user(self, user: str, password: str) -> None:
        """A pull-only user (htpasswd: all users may pull and push; Distribution has no ACLs)."""
        self.users[user] = password
        if self.tokens is not None:
            self.tokens.users[user] = (password, ["pull"])
        elif self.auth == "htpasswd":
            self._write_htpasswd()
            time.sleep(0.05)  # Distribution re-reads the file when its mtime changes

    def _write_htpasswd(self) -> None:
        lines = []
        for user, password in self.users.items():
            out = subprocess.run(["htpasswd", "-Bbn", user, password], capture_output=True, check=True, timeout=30)
            lines.append(out.stdout.decode().strip())
        self.htpasswd.write_text("\n".join(lines) + "\n")

    def _config(self) -> str:
        conf: dict = {
            "version": 0.1,
            "log": {"level": "error", "accesslog": {"disabled": True}},
            "storage": {"filesystem": {"rootdirectory": str(self.dir / "data")}},
            "http": {"addr": self.host, "secret": secrets.token_hex(16)},
        }
        if self.auth == "htpasswd":
            self._write_htpasswd()
            conf["auth"] = {"htpasswd": {"realm": "wbsetup-test", "path": str(self.htpasswd)}}
        elif self.tokens is not None:
            bundle = self.dir / "token-ca.pem"
            bundle.write_text(self.tokens.signing_ca.cert_pem)
            conf["auth"] = {
                "token": {
                    "realm": self.tokens.realm,
                    "service": SERVICE,
                    "issuer": ISSUER,
                    "rootcertbundle": str(bundle),
                }
            }
        return json.dumps(conf)  # JSON is YAML

    def start(self) -> Registry:
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.tokens is not None:
            self.tokens.thread.start()
        config = self.dir / "config.yml"
        config.write_text(self._config())
        self.log = open(self.dir / "registry.log", "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen([DOCKER_REGISTRY, "serve", str(config)], stdout=self.log, stderr=self.log)
        try:
            wait_port(self.port, timeout=15)
        except TimeoutError:
            self.stop()
            raise RuntimeError((self.dir / "registry.log").read_text(errors="replace")[-2000:]) from None
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        if self.tokens is not None:
            self.tokens.shutdown()
            self.tokens.server_close()
        if getattr(self, "log", None):
            self.log.close()

    def push(self, layout: Path, ref: str, target: str) -> None:
        """`skopeo copy --all` the layout's `ref` to `<this registry>/target` as the pusher."""
        env = {**os.environ, "REGISTRY_AUTH_FILE": str(self.dir / "skopeo-auth.json")}
        cmd = ["skopeo", "--insecure-policy", "copy", "--all", "--quiet", "--dest-tls-verify=false"]
        if self.auth != "open":
            cmd.append(f"--dest-creds={PUSHER}:{PUSHER_PASSWORD}")
        if self.tokens is not None:  # skopeo asks the token service over HTTPS: trust the test PKI
            env["SSL_CERT_FILE"] = str(self.dir / "skopeo-trust.pem")
            Path(env["SSL_CERT_FILE"]).write_text(self._pki_root)
        cmd += [f"oci:{layout}:{ref}", f"docker://{self.host}/{target}"]
        out = subprocess.run(cmd, capture_output=True, env=env, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"skopeo copy {ref} → {target} failed: {out.stderr.decode(errors='replace')[-2000:]}")

    _pki_root = ""


@pytest.fixture(scope="session")
def oci_layout(tmp_path_factory) -> Path:
    return build_layout(tmp_path_factory.mktemp("oci") / "layout")


def _registry(tmp_path_factory, pki: Pki, auth: str):
    reg = Registry(tmp_path_factory.mktemp(f"registry-{auth}"), auth, pki)
    reg._pki_root = pki.root_pem
    return reg.start()


@pytest.fixture(scope="session")
def oci_registry_factory(tmp_path_factory, pki):
    """start(auth) → a running Registry ("open" | "htpasswd" | "token"), one per mode for the session."""
    started: dict[str, Registry] = {}

    def start(auth: str) -> Registry:
        if auth not in started:
            started[auth] = _registry(tmp_path_factory, pki, auth)
        return started[auth]

    yield start
    for reg in started.values():
        reg.stop()
