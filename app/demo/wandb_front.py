"""What answers at the demo's W&B URL: the W&B stand-in (app/demo/wandb_server.py) behind a proxy
that terminates TLS with the demo profile's certificate.

Where the machine has nginx, the proxy is real nginx running the bundle's own
docker-compose/nginx.conf (app/demo/nginx.py): the Verify page then checks the configuration the
wizard generated. Elsewhere a small Python proxy stands in (the demo's HTTPS endpoint,
app/demo/https.py, forwarding to W&B). Either way the faults act on the proxy: "expired certificate"
swaps the served certificate, "proxy limits bodies to 1 MiB" sets nginx's `client_max_body_size 1m`
(or the same limit in the Python proxy), answered with 413 as nginx does.
"""

from __future__ import annotations

import http.client
import re
import socket
import tempfile
from pathlib import Path

from app.demo import nginx as nginx_mod
from app.demo.https import DemoHTTPS, Issued, _Page, _TLSServer

LIMIT_1MIB = 1 << 20
_413 = (
    b"<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request "
    b"Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PythonFront(DemoHTTPS):
    """The demo's HTTPS endpoint forwarding every request to W&B (no nginx on this machine)."""

    kind = "python"

    def __init__(self, issued: Issued, upstream_port: int):
        super().__init__(issued)
        self._server.upstream = ("127.0.0.1", upstream_port)
        self._server.body_limit = None
        self._server.RequestHandlerClass = _Forward

    def set_body_limit(self, limit: int | None) -> None:
        self._server.body_limit = limit


class _Forward(_Page):
    server: _TLSServer
    protocol_version = "HTTP/1.1"
    server_version = "wbsetup-demo-proxy"  # what answers at the W&B URL is the proxy, not W&B
    sys_version = ""

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _forward(self, method: str) -> None:
        body = self._read_body() if method == "POST" else b""
        limit = self.server.body_limit
        if limit is not None and len(body) > limit:
            self.send_response(413)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(_413)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(_413)
            self.close_connection = True
            return
        upstream = http.client.HTTPConnection(*self.server.upstream, timeout=10)
        try:
            headers = {
                k: v
                for k, v in self.headers.items()
                if k.lower() not in ("host", "transfer-encoding", "connection", "content-length")
            }
            headers["X-Forwarded-Proto"] = "https"
            upstream.request(method, self.path, body=body if method == "POST" else None, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
        except OSError:
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        finally:
            upstream.close()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.getheader("Content-Type") or "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._forward("GET")

    def do_POST(self):
        self._forward("POST")


class NginxFront:
    """Real nginx with the bundle's nginx.conf in front of W&B, on `port` (127.0.0.1)."""

    kind = "nginx"

    def __init__(self, conf: str, issued: Issued, upstream_port: int, port: int):
        self.conf, self.port, self.upstream = conf, port, f"http://127.0.0.1:{upstream_port}"
        self._dir = tempfile.TemporaryDirectory(prefix="wbsetup-demo-nginx-")
        self.dir = Path(self._dir.name)
        self.issued = issued
        self.body_limit: int | None = None
        self.proxy: nginx_mod.Nginx | None = None

    def _site(self) -> str:
        cert, key = self.dir / "tls.crt", self.dir / "tls.key"
        cert.write_text(self.issued.cert_pem)
        key.touch(mode=0o600)
        key.write_text(self.issued.key_pem)
        site = nginx_mod.loopback_copy(
            self.conf, port=self.port, redirect_port=free_port(), cert=cert, key=key, upstream=self.upstream
        )
        if self.body_limit is not None:
            site, n = re.subn(
                r"client_max_body_size 0;", f"client_max_body_size {self.body_limit // LIMIT_1MIB}m;", site
            )
            if n != 1:
                raise ValueError("the generated nginx.conf has no client_max_body_size 0")
        return site

    def start(self) -> int:
        """(Re)start nginx with the current certificate and limit; returns the port."""
        self._stop_proxy()
        self.proxy = nginx_mod.Nginx(self.dir / "run", self._site(), self.port).start()
        return self.port

    def serve(self, issued: Issued) -> None:
        self.issued = issued
        self.start()

    def set_body_limit(self, limit: int | None) -> None:
        self.body_limit = limit
        self.start()

    def _stop_proxy(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None

    def stop(self) -> None:
        self._stop_proxy()
        self._dir.cleanup()
