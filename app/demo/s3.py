"""The demo's S3 endpoint: moto's ThreadedMotoServer on 127.0.0.1 with one bucket and its CORS rule.

moto implements buckets, objects, presigned URLs and per-bucket CORS in-process. Two settings make
it behave like a real store for the demo (docs/architecture.md, "Tests"):
- MOTO_DISABLE_GLOBAL_CORS=true, else moto echoes any Origin and "bucket without CORS" could not fail;
- a small WSGI gate in front of moto for the "wrong secret key" fault. moto accepts any credentials,
  and its own IAM authentication breaks presigned URLs and preflights (KeyError on Authorization), so
  the gate simulates the store having *rotated* the demo key's secret: while the fault is on, every
  signed request with the demo access key is refused with SignatureDoesNotMatch, exactly the answer
  a real store gives a client signing with an old secret.
"""

from __future__ import annotations

import os
import secrets
import threading

os.environ.setdefault("MOTO_DISABLE_GLOBAL_CORS", "true")  # read when moto's server module is imported

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from moto.moto_server import werkzeug_app  # noqa: E402
from moto.moto_server.threaded_moto_server import ThreadedMotoServer  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

werkzeug_app.DISABLE_GLOBAL_CORS = True  # in case moto was imported before the variable was set

BUCKET = "wandb-demo"
REGION = "us-east-1"
SIGNATURE_MISMATCH = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>'
    b"<Message>The request signature we calculated does not match the signature you provided. "
    b"Check your key and signing method.</Message></Error>"
)


class _Quiet(werkzeug_app.MotoRequestHandler):
    def log_request(self, *args, **kwargs):  # the demo's console is for the login URL
        pass


class _SecretGate:
    """WSGI middleware: while `rotated`, refuse requests signed with `access_key`."""

    def __init__(self, app, access_key: str):
        self.app, self.access_key, self.rotated = app, access_key, False

    def __call__(self, environ, start_response):
        if self.rotated and self.access_key in (
            environ.get("HTTP_AUTHORIZATION", "") + environ.get("QUERY_STRING", "")
        ):
            start_response(
                "403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(SIGNATURE_MISMATCH)))]
            )
            return [SIGNATURE_MISMATCH]
        return self.app(environ, start_response)


class _GatedMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer with the gate in front and quiet request logs."""

    def __init__(self, gate_key: str):
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self.gate: _SecretGate | None = None
        self._gate_key = gate_key

    def _server_entry(self) -> None:
        self.gate = _SecretGate(
            werkzeug_app.DomainDispatcherApplication(werkzeug_app.create_backend_app), self._gate_key
        )
        self._server = make_server(self._ip_address, self._port, self.gate, True, request_handler=_Quiet)
        self._server_ready_event.set()
        self._server.serve_forever()

    def close(self) -> None:
        """Stop serving (if started) and close the listening socket."""
        if self._thread is not None and self._thread.is_alive():
            self.stop()
            if self._server is not None:
                self._server.server_close()


class DemoS3:
    """The demo object store: start() → endpoint URL; CORS and the secret's rotation are toggles."""

    def __init__(self, origin: str):
        self.origin = origin  # the W&B host's origin, allowed by the bucket's CORS rule
        self.access_key = "AKIADEMO" + secrets.token_hex(6).upper()
        self.secret_key = secrets.token_urlsafe(30)
        self._server = _GatedMotoServer(self.access_key)
        self.endpoint = ""
        self._lock = threading.Lock()

    def start(self) -> str:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        # moto's backends are process-wide: start from an empty store.
        import httpx

        httpx.post(f"{self.endpoint}/moto-api/reset", timeout=5)
        self.client().create_bucket(Bucket=BUCKET)
        self.set_cors(True)
        return self.endpoint

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(
                s3={"addressing_style": "path"}, connect_timeout=5, read_timeout=5, retries={"max_attempts": 1}
            ),
        )

    @property
    def _gate(self) -> _SecretGate:
        assert self._server.gate is not None, "the gate exists once start() has run"
        return self._server.gate

    def set_cors(self, on: bool) -> None:
        """Apply (on) or delete (off) the bucket's CORS rule for the W&B origin."""
        with self._lock:
            rotated, self._gate.rotated = self._gate.rotated, False  # the operator's own key
            try:
                if on:
                    self.client().put_bucket_cors(
                        Bucket=BUCKET,
                        CORSConfiguration={
                            "CORSRules": [
                                {
                                    "AllowedOrigins": [self.origin],
                                    "AllowedMethods": ["GET", "PUT", "HEAD"],
                                    "AllowedHeaders": ["*"],
                                    "ExposeHeaders": ["ETag"],
                                    "MaxAgeSeconds": 3000,
                                }
                            ]
                        },
                    )
                else:
                    self.client().delete_bucket_cors(Bucket=BUCKET)
            finally:
                self._gate.rotated = rotated

    def set_rotated(self, on: bool) -> None:
        """The store's secret for the demo key changed (on): the profile's secret no longer signs."""
        self._gate.rotated = on

    def stop(self) -> None:
        self._server.close()
