"""S3 plumbing shared by the object-store checks and actions: the boto3 client, trust, timeouts and
error naming. Not a check module (underscore: not auto-registered).

Trust is the *system* store (what W&B's Go runtime uses), plus `ca_pem` when given — not certifi's
bundle, which boto3 would use by default.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import socket
import ssl
import sys
import tempfile
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.answers import ObjectStore
from app.facts.hosts import DEFAULT_PORT, split_host
from app.i18n.message import Text, msg
from app.secret import reveal

if TYPE_CHECKING:
    import httpx

_LOCK = threading.RLock()


def budget(timeout: float) -> float:
    """Socket timeout for one network operation: below the runner's per-check timeout, so a
    silent server gives this check's own message instead of the runner's generic `error`."""
    return max(0.1, timeout * 0.8)


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int

    @property
    def https(self) -> bool:
        return self.scheme == "https"


def target(store: ObjectStore) -> Target:
    """Scheme, host and port of the endpoint (the answers model already validated its shape)."""
    scheme, name, port = split_host(store.endpoint)
    if not store.endpoint or scheme not in DEFAULT_PORT or not name:
        raise ValueError(msg("not an http(s) URL: %(endpoint)s", endpoint=repr(store.endpoint)))
    return Target(scheme, name, port)


def _system_bundle() -> str | None:
    paths = ssl.get_default_verify_paths()
    for path in (paths.cafile, paths.openssl_cafile):
        if path and os.path.isfile(path):
            return path
    return None


_CA_FILES: dict[str, str] = {}


def ca_file(store: ObjectStore) -> str | bool:
    """boto3's `verify`: a CA file holding the system trust store plus `ca_pem`.

    boto3 only takes a path, so the bundle is written once per distinct `ca_pem` into a private
    temporary directory removed when the process exits. True (boto3's default bundle) when no
    system bundle is found and no `ca_pem` is given."""
    system = _system_bundle()
    if not store.ca_pem:
        return system or True
    key = hashlib.sha256(f"{system}\0{store.ca_pem}".encode()).hexdigest()
    with _LOCK:
        if key not in _CA_FILES:
            text = open(system, encoding="utf-8", errors="replace").read() if system else ""
            fd, path = tempfile.mkstemp(dir=_ca_dir(), suffix=".pem")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text + "\n" + store.ca_pem + "\n")
            _CA_FILES[key] = path
        return _CA_FILES[key]


_CA_DIR: str | None = None


def _ca_dir() -> str:
    global _CA_DIR
    if _CA_DIR is None:
        _CA_DIR = tempfile.mkdtemp(prefix="wbsetup-ca-")
        atexit.register(shutil.rmtree, _CA_DIR, True)
    return _CA_DIR


def ssl_context(store: ObjectStore, *, with_ca: bool = True) -> ssl.SSLContext:
    """A verifying client context: system trust store (+ `ca_pem` when `with_ca`)."""
    ctx = ssl.create_default_context()
    if with_ca and store.ca_pem:
        ctx.load_verify_locations(cadata=store.ca_pem)
    return ctx


class _NotLoaded(Exception):
    """Stands for botocore's exceptions until the first client is built: before that no botocore
    exception can exist, so nothing matches it (boto3 costs ~0.2 s to import; only S3 work pays it)."""


ClientError = ConnectTimeoutError = EndpointConnectionError = ReadTimeoutError = SSLError = _NotLoaded


def _load_boto():
    global ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError, SSLError
    from botocore import exceptions as e

    ClientError, ConnectTimeoutError, EndpointConnectionError = (
        e.ClientError,
        e.ConnectTimeoutError,
        e.EndpointConnectionError,
    )
    ReadTimeoutError, SSLError = e.ReadTimeoutError, e.SSLError


def client(store: ObjectStore, timeout: float):
    """A boto3 S3 client: SigV4, the bucket's region, path or virtual-host addressing, one attempt,
    socket timeouts below `timeout`."""
    from botocore.config import Config

    _load_boto()
    t = budget(timeout)
    config = Config(
        signature_version="s3v4",
        region_name=store.region,
        s3={"addressing_style": "path" if store.path_style else "virtual"},
        connect_timeout=t,
        read_timeout=t,
        # botocore's legacy `max_attempts` counts *retries* (1 would mean two attempts);
        # total_max_attempts=1 is exactly one request.
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    with _LOCK:  # boto3 sessions are not thread-safe; clients are
        return _session().client(
            "s3",
            endpoint_url=store.endpoint,
            config=config,
            verify=ca_file(store),
            aws_access_key_id=store.access_key or "",
            aws_secret_access_key=reveal(store.secret_key) or "",
        )


_SESSION = None


def _session():
    """One boto3 session per process: it caches the parsed S3 service model, so only the first
    client pays the ~0.3 s of loading it. Explicit keys, region and endpoint override its config."""
    global _SESSION
    if _SESSION is None:
        import boto3

        _SESSION = boto3.session.Session()
    return _SESSION


MAX_RESPONSE = 1 << 20  # the checks' own requests get small answers; never buffer a huge one


class ResponseTooLarge(RuntimeError):
    pass


def _declared_size(response: httpx.Response) -> None:
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_RESPONSE:
        raise ResponseTooLarge(
            msg(
                "the store answered with %(length)s bytes (at most %(most)s expected)",
                length=length,
                most=MAX_RESPONSE,
            )
        )


def http(store: ObjectStore, timeout: float) -> httpx.Client:
    """A plain HTTP client (no SDK) trusting what boto3 trusts, for presigned URLs and preflights.
    Outbound safety: it contacts only the URLs given (no redirects, no proxies from the environment)
    and refuses declared bodies over MAX_RESPONSE; use `read_bounded` for bodies it must read."""
    import httpx  # here, not at module level: ~0.1–0.4 s (with click, rich, pygments when installed) that the
    # step's module load would add before the engine starts any check; a check calls this in its worker thread

    verify = ssl_context(store) if target(store).https else True
    return httpx.Client(
        timeout=budget(timeout),
        verify=verify,
        follow_redirects=False,
        trust_env=False,
        event_hooks={"response": [_declared_size]},
    )


def read_bounded(client: httpx.Client, method: str, url: str, **kw) -> tuple[httpx.Response, bytes]:
    """Send a request and read at most MAX_RESPONSE bytes of the answer (chunked bodies too)."""
    with client.stream(method, url, **kw) as response:
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > MAX_RESPONSE:
                raise ResponseTooLarge(msg("the store's answer exceeds %(most)s bytes", most=MAX_RESPONSE))
        return response, bytes(body)


def error_code(exc: Exception) -> str | None:
    """The S3 error code of a ClientError (e.g. NoSuchBucket), else None."""
    if isinstance(exc, ClientError):
        response = exc.response  # type: ignore[attr-defined]  # botocore's ClientError, see _load_boto
        return (
            response.get("Error", {}).get("Code")
            or str(response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            or None
        )
    return None


def _httpx_error(name: str) -> type[Exception]:
    """httpx's exception class `name` once httpx is loaded (by `http`); before that no httpx exception can
    exist, so nothing matches (_NotLoaded)."""
    module = sys.modules.get("httpx")
    return getattr(module, name) if module is not None else _NotLoaded


def describe(exc: Exception, timeout: float) -> Text:
    """A one-line cause for a transport failure (no secrets: these never carry credentials)."""
    if isinstance(exc, (ReadTimeoutError, _httpx_error("ReadTimeout"), socket.timeout, TimeoutError)):
        return msg(
            "the endpoint accepted the connection but sent no answer within %(budget)s s",
            budget=format(budget(timeout), "g"),
        )
    if isinstance(exc, (ConnectTimeoutError, _httpx_error("ConnectTimeout"))):
        return msg("no TCP connection within %(budget)s s", budget=format(budget(timeout), "g"))
    if isinstance(exc, (SSLError, ssl.SSLError)) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return msg("TLS failed: %(error)s", error=_short(exc))
    if isinstance(exc, (EndpointConnectionError, _httpx_error("ConnectError"), ConnectionError)):
        return msg("cannot connect: %(short)s", short=_short(exc))
    if isinstance(exc, ClientError):
        code = error_code(exc)
        text = exc.response.get("Error", {}).get("Message", "")  # type: ignore[attr-defined]  # botocore's ClientError
        return f"{code}: {text}".rstrip(": ")
    return f"{type(exc).__name__}: {_short(exc)}"


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]
