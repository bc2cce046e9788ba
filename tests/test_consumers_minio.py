"""object-store/minio-setup.sh and the Apply CORS action on community MinIO, which has no per-bucket
CORS API (issue 17 item 6; REFERENCE.md "MinIO"). No MinIO server or `mc` is installable here:
`mc` is a fake first on PATH answering like community MinIO (TESTING.md), and the S3 API is a
stand-in (named so) answering PutBucketCors with NotImplemented, as MinIO does."""

from __future__ import annotations

import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from app.actions.object_store import apply_cors
from app.artifacts.bundle import write_bundle
from tests.bundle_corpus import answers, plain_document

MINIO_NOT_IMPLEMENTED = (
    "mc: <ERROR> Unable to set CORS configuration for `wandb/wandb-files`. "
    "A header you provided implies functionality that is not implemented."
)
FAKE_MC = r"""#!/bin/sh
# Stand-in for MinIO's `mc` (records its arguments; `cors set` answers per $FAKE_MC_CORS).
printf '%s\n' "$*" >> "$FAKE_MC_LOG"
case "$1 $2" in
"cors set")
    case "$FAKE_MC_CORS" in
    community) echo "$FAKE_MC_MESSAGE" >&2; exit 1 ;;
    denied) echo "mc: <ERROR> Unable to set CORS configuration. Access Denied." >&2; exit 1 ;;
    *) echo "Successfully set CORS configuration."; exit 0 ;;
    esac ;;
"admin config") echo "Successfully applied new settings."; exit 0 ;;
*) echo "ok: $*"; exit 0 ;;
esac
"""


def run_script(
    tmp_path: Path, cors: str, host: str = "https://wandb.acme.internal"
) -> tuple[subprocess.CompletedProcess, list[str]]:
    out = write_bundle(answers(plain_document(host=host)), tmp_path / "bundle")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "mc").write_text(FAKE_MC)
    (bin_dir / "mc").chmod(0o755)
    log = tmp_path / "mc.log"
    proc = subprocess.run(
        ["sh", str(out / "object-store/minio-setup.sh")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "FAKE_MC_LOG": str(log),
            "FAKE_MC_CORS": cors,
            "FAKE_MC_MESSAGE": MINIO_NOT_IMPLEMENTED,
            "WANDB_S3_SECRET_KEY": "s3-secret",
        },
    )
    return proc, log.read_text().splitlines() if log.exists() else []


def test_script_falls_back_to_the_global_setting_on_community_minio(tmp_path):
    proc, calls = run_script(tmp_path, "community", host="https://wandb.acme.internal:8443")
    assert proc.returncode == 0, proc.stderr
    assert calls[-2:] == [
        "cors set wandb/wandb-files cors.xml",
        "admin config set wandb api cors_allow_origin=https://wandb.acme.internal:8443",
    ]
    assert "no per-bucket CORS" in proc.stdout and "cors_allow_origin" in proc.stdout


def test_script_uses_the_bucket_rule_where_the_store_has_one(tmp_path):
    proc, calls = run_script(tmp_path, "aistor")
    assert proc.returncode == 0, proc.stderr
    assert calls[-1] == "cors set wandb/wandb-files cors.xml" and not any("admin" in c for c in calls)
    assert "CORS rule applied" in proc.stdout


def test_script_stops_on_any_other_error(tmp_path):
    proc, calls = run_script(tmp_path, "denied")
    assert proc.returncode == 1
    assert "Access Denied" in proc.stderr and not any("admin" in c for c in calls)


# -- the Apply CORS action against an S3 stand-in -------------------------------------------------


class S3StandIn(ThreadingHTTPServer):
    """S3 stand-in: PutBucketCors → `put_cors` (NotImplemented like community MinIO, or accepted);
    a preflight OPTIONS → allowed when `allow_origin` is set (MinIO's global cors_allow_origin)."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.put_cors = "not-implemented"
        self.allow_origin: str | None = "*"
        self.requests: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    server: S3StandIn

    def log_message(self, *args):
        pass

    def _reply(self, status: int, body: bytes = b"", headers: dict | None = None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append(f"PUT {self.path}")
        if "cors" in self.path and self.server.put_cors == "not-implemented":
            return self._reply(
                501,
                b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code>'
                b"<Message>A header you provided implies functionality that is not implemented"
                b"</Message></Error>",
                {"Content-Type": "application/xml"},
            )
        self._reply(200)

    def do_OPTIONS(self):
        self.server.requests.append(f"OPTIONS {self.path.split('?')[0]}")
        origin = self.headers.get("Origin")
        if self.server.allow_origin is None:
            return self._reply(403)
        allowed = origin if self.server.allow_origin == "*" else self.server.allow_origin
        self._reply(
            200, headers={"Access-Control-Allow-Origin": allowed, "Access-Control-Allow-Methods": "GET, PUT, HEAD"}
        )


@pytest.fixture
def s3_standin():
    server = S3StandIn()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _answers(server: S3StandIn):
    return answers(
        plain_document(
            object_store={
                "endpoint": f"http://127.0.0.1:{server.server_address[1]}",
                "bucket": "wandb-files",
                "access_key": "AK",
                "secret_key": "SK",
            }
        )
    )


def test_action_on_community_minio_gives_the_global_command_and_the_preflight(s3_standin):
    result = apply_cors(_answers(s3_standin), timeout=5)
    assert result.ok, result
    assert "mc admin config set ALIAS api cors_allow_origin=https://wandb.acme.internal" in str(result.message)
    assert "preflight passes" in str(result.message) and "NotImplemented" in str(result.message)
    assert result.statements == ["mc admin config set ALIAS api cors_allow_origin=https://wandb.acme.internal"]
    # The real preflight ran after the refused PUT.
    assert s3_standin.requests[0] == "PUT /wandb-files?cors" and "OPTIONS" in s3_standin.requests[-1]


def test_action_on_community_minio_that_refuses_the_origin_fails_with_the_command(s3_standin):
    s3_standin.allow_origin = "https://other.example"
    result = apply_cors(_answers(s3_standin), timeout=5)
    assert not result.ok
    assert "cors_allow_origin=https://wandb.acme.internal" in str(result.message) and "preflight" in str(result.message)


def test_action_reports_a_rule_the_store_accepts_but_ignores(s3_standin):
    """Accepted is not enough: the action says what the preflight shows after the change."""
    s3_standin.put_cors, s3_standin.allow_origin = "accept", None
    result = apply_cors(_answers(s3_standin), timeout=5)
    assert not result.ok
    assert "still fails" in str(result.message)
    assert [r.split()[0] for r in s3_standin.requests] == ["PUT", "OPTIONS", "OPTIONS"]


def test_action_reports_the_passing_preflight(s3_standin):
    s3_standin.put_cors = "accept"
    result = apply_cors(_answers(s3_standin), timeout=5)
    assert result.ok and "now passes" in str(result.message)


def test_action_through_the_web_in_korean(client, s3_standin):
    """The wizard's Apply CORS button on community MinIO, in the Korean UI: the command as it is."""
    client.create("acme")
    client.post_form("/p/acme/tls", {"version": "1", "host": "https://wandb.example.com"}, follow_redirects=False)
    client.post_form(
        "/p/acme/object_store",
        {
            "version": "2",
            "object_store.endpoint": f"http://127.0.0.1:{s3_standin.server_address[1]}",
            "object_store.bucket": "wandb-files",
            "object_store.access_key": "AK",
            "object_store.secret_key": "SK",
        },
        follow_redirects=False,
    )
    client.cookies.set("lang", "ko")
    r = client.post("/p/acme/actions/apply-cors", headers={"X-CSRF-Token": client.csrf})
    assert r.status_code == 200 and 'data-ok="true"' in r.text, r.text
    assert "mc admin config set ALIAS api cors_allow_origin=https://wandb.example.com" in r.text
    assert "CORS 정책 적용" in r.text  # the Korean UI
    assert "이 스토어에는 버킷별 CORS API가 없습니다" in r.text  # the action's own message, in Korean
    assert "https://wandb.example.com" in r.text  # its values as they are
