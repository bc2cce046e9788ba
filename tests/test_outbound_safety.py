"""Outbound safety of the checks' own HTTP client: no redirects followed, bounded response sizes."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.checks import _s3
from tests import factories as f


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://198.51.100.7/elsewhere")
            self.end_headers()
        elif self.path == "/huge-declared":
            self.send_response(200)
            self.send_header("Content-Length", str(50 << 20))
            self.end_headers()
        elif self.path == "/huge-chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(40):  # 2.5 MiB, over the 1 MiB bound
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _store(url):
    return f.answers(f.MINIMAL, profile="p", object_store={"endpoint": url}).object_store


def test_redirects_are_not_followed(server):
    with _s3.http(_store(server), 3) as client:
        r, _ = _s3.read_bounded(client, "GET", server + "/redirect")
    assert r.status_code == 302  # reported as it is; 198.51.100.7 was never contacted


@pytest.mark.parametrize("path", ["/huge-declared", "/huge-chunked"])
def test_large_answers_are_refused(server, path):
    with _s3.http(_store(server), 3) as client, pytest.raises(_s3.ResponseTooLarge):
        _s3.read_bounded(client, "GET", server + path)
