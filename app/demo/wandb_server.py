"""A W&B **stand-in** (not W&B): the few endpoints the `verify.*` checks talk to (SPEC §4.6).

W&B itself cannot run here (closed-source image), so the demo mode and the tests put this small
HTTP server where the `wandb/local` container would listen (port 8080 behind the proxy):

- `GET /healthz` → 200 `ok` (or `health_status`);
- `GET /ready` → `ready_status` (200, or 503 while "migrations run");
- `POST /graphql` with HTTP basic auth `api:<key>` (what `wandb login` sends, REFERENCE.md
  "After installing"): `{ viewer { username } }` → the viewer; `serverInfo { latestLocalVersionInfo
  { versionOnThisInstanceString } }` → `version`. A wrong key → 401 as W&B answers; no credentials →
  a null viewer. A body that is not a GraphQL query (the 10 MiB probe) → 400, read to the end.

Every knob is a plain attribute that may be changed while it runs (the demo's fault toggles). The
body limit is deliberately *not* here: a 413 is the proxy's answer (nginx `client_max_body_size`),
and the tests put real nginx in front of this stand-in to produce it.
"""

from __future__ import annotations

import base64
import hmac
import http.server
import json
import re
import threading

SERVER_HEADER = "wandb-standin"
MAX_BODY = 64 * 1024 * 1024  # read and discard at most this much (the verify probe sends 10 MiB)


class WandbStandin:
    """W&B stand-in on 127.0.0.1 (port 0 = any free port). `start()`, `url`, `stop()`; a context manager."""

    def __init__(
        self, *, api_key: str, version: str = "0.70.0", username: str = "admin", port: int = 0, bind: str = "127.0.0.1"
    ):
        self.api_key = api_key
        self.version = version
        self.username = username
        self.health_status = 200
        self.ready_status = 200
        self.requests: list[tuple[str, str, int]] = []  # (method, path, body bytes): what reached W&B
        self._server = _Server((bind, port), _Handler)
        self._server.standin = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name="wandb-standin"
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WandbStandin:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()

    def __enter__(self) -> WandbStandin:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what W&B would answer -----------------------------------------------------------------------
    def authorised(self, header: str | None) -> bool | None:
        """True: basic auth api:<key> with the right key; False: credentials, wrong; None: none sent."""
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, key = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == "api" and hmac.compare_digest(key.encode(), self.api_key.encode())

    def graphql(self, body: bytes, auth: str | None) -> tuple[int, dict]:
        ok = self.authorised(auth)
        if ok is False:
            return 401, {"errors": [{"message": "invalid api key"}]}
        try:
            query = str(json.loads(body).get("query") or "")
        except (ValueError, AttributeError, UnicodeDecodeError):
            return 400, {"errors": [{"message": "request body is not a GraphQL query"}]}
        data: dict = {}
        if re.search(r"\bviewer\b", query):
            data["viewer"] = {"username": self.username, "id": "VXNlcjox"} if ok else None
        if re.search(r"\bserverInfo\b", query):
            data["serverInfo"] = {
                "latestLocalVersionInfo": {
                    "versionOnThisInstanceString": self.version,
                    "latestVersionString": self.version,
                    "outOfDateMessage": "",
                }
            }
        if not data:
            return 400, {"errors": [{"message": "the W&B stand-in answers viewer and serverInfo only"}]}
        return 200, {"data": data}


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    standin: WandbStandin

    def handle_error(self, request, client_address):  # clients that hang up are normal here
        pass


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = SERVER_HEADER
    sys_version = ""
    timeout = 10  # a client that never speaks releases its thread

    def log_message(self, *args):  # quiet, and nothing here may log an Authorization header
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> tuple[bytes, int]:
        """The request body (the first MAX_BODY bytes are kept as bytes read); chunked or sized."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                data = self.rfile.read(size)
                self.rfile.readline()
                total += len(data)
                if total <= MAX_BODY:
                    chunks.append(data)
            return b"".join(chunks), total
        length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
        remaining, parts = length, []
        while remaining > 0:
            data = self.rfile.read(min(remaining, 1 << 20))
            if not data:
                break
            parts.append(data)
            remaining -= len(data)
        return b"".join(parts), length - remaining

    def do_GET(self):
        standin = self.server.standin
        path = self.path.split("?", 1)[0]
        standin.requests.append(("GET", path, 0))
        if path == "/healthz":
            self._send(standin.health_status, b"ok\n" if standin.health_status == 200 else b"unhealthy\n")
        elif path == "/ready":
            ready = standin.ready_status == 200
            self._send(standin.ready_status, b"ok\n" if ready else b"not ready: running database migrations\n")
        else:
            self._send(404, b"404 page not found\n")

    def do_POST(self):
        standin = self.server.standin
        path = self.path.split("?", 1)[0]
        body, size = self._body()
        standin.requests.append(("POST", path, size))
        if path != "/graphql":
            self._send(404, b"404 page not found\n")
            return
        status, doc = standin.graphql(body, self.headers.get("Authorization"))
        self._send(status, json.dumps(doc).encode(), "application/json")


__all__ = ["SERVER_HEADER", "WandbStandin"]
