"""The demo's simulated private registry: the OCI distribution API's manifest HEAD behind the Docker
token flow, on loopback (plain HTTP, as Docker speaks to a loopback registry).

`HEAD /v2/<name>/manifests/<tag>` without a token answers 401 with
`WWW-Authenticate: Bearer realm="http://127.0.0.1:PORT/token",service="wbsetup-demo-registry"`;
`GET /token?service=…&scope=repository:<name>:pull` with the demo credentials (Basic) answers
`{"token": …}`; with that token the HEAD answers 200 (an image index) for every image it holds and 404
otherwise. The fault "registry refuses the credentials" makes the token endpoint answer 401, as a
registry does after its password was rotated. Not a registry: nothing can be pushed or pulled.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SERVICE = "wbsetup-demo-registry"
USER = "demo-puller"
PREFIX = "mirror"
INDEX = "application/vnd.oci.image.index.v1+json"


class DemoRegistry:
    """start() / stop(); `registry` is the `deploy.registry` prefix; `images` the refs it holds
    (`name:tag` below the prefix); `refuse` the fault."""

    def __init__(self) -> None:
        self.password = secrets.token_urlsafe(18)
        self.images: set[str] = set()
        self.refuse = False
        self._tokens: set[str] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.demo = self  # type: ignore[attr-defined]
        self.port = self._server.server_port
        self._thread: threading.Thread | None = None

    @property
    def registry(self) -> str:
        return f"127.0.0.1:{self.port}/{PREFIX}"

    def start(self) -> DemoRegistry:
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-registry", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def set_refuse(self, on: bool) -> None:
        self.refuse = on
        if on:
            self._tokens.clear()  # tokens issued before the rotation no longer count

    def _credentials_ok(self, header: str) -> bool:
        if self.refuse or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(user, USER) and hmac.compare_digest(password, self.password)

    def issue(self, header: str) -> str | None:
        if not self._credentials_ok(header):
            return None
        token = secrets.token_urlsafe(24)
        self._tokens.add(token)
        return token

    def holds(self, name: str, tag: str) -> bool:
        return name.startswith(PREFIX + "/") and f"{name[len(PREFIX) + 1 :]}:{tag}" in self.images


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, *a):
        pass

    @property
    def demo(self) -> DemoRegistry:
        return self.server.demo  # type: ignore[attr-defined]

    def _answer(self, status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        url = urlsplit(self.path)
        if url.path != "/token" or parse_qs(url.query).get("service") != [SERVICE]:
            self._answer(404)
            return
        token = self.demo.issue(self.headers.get("Authorization", ""))
        if token is None:
            self._answer(401, {"Content-Type": "application/json"}, b'{"details": "authentication failed"}')
            return
        self._answer(200, {"Content-Type": "application/json"}, json.dumps({"token": token}).encode())

    def do_HEAD(self):  # noqa: N802
        path = urlsplit(self.path).path
        auth = self.headers.get("Authorization", "")
        if not (auth.startswith("Bearer ") and auth[7:] in self.demo._tokens):
            realm = f"http://127.0.0.1:{self.demo.port}/token"
            self._answer(401, {"WWW-Authenticate": f'Bearer realm="{realm}",service="{SERVICE}"'})
            return
        name, sep, tag = path.removeprefix("/v2/").partition("/manifests/")
        if sep and self.demo.holds(name, tag):
            digest = "sha256:" + "0" * 64
            self._answer(200, {"Content-Type": INDEX, "Docker-Content-Digest": digest})
        else:
            self._answer(404, {"Content-Type": "application/json"})
