"""Collectors of the object-store checks: every network operation against the S3 endpoint, each
returning a fact (plain data) that app/checks/_object_store_rules.py judges.

Facts shared by the checks of one run live in `ctx.facts` (the boto3 client, the ListObjectsV2
probe); the lock that guards building them is the run's own (in `ctx.facts` too), not a module
global, so two runs never wait for each other.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.checks import _s3
from app.checks._s3_probes import Handshake, Preflight, handshake, preflight, s3_error_code, self_signed
from app.checks.engine import Context
from app.i18n.message import Msg, msg

_BUILDER = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wbsetup-s3-client")
SCRATCH_PREFIX = "wbsetup-check-"  # flat keys: stores backed by a filer (SeaweedFS) keep empty "dirs"


def _run_lock(ctx: Context) -> threading.Lock:
    # dict.setdefault is atomic: the first check of the run to get here stores the run's lock.
    return ctx.facts.setdefault("object_store.lock", threading.Lock())


def client_future(ctx: Context) -> Future:
    """The run's boto3 client, built once in the background: `endpoint` starts it so that client
    set-up overlaps the TCP/TLS checks instead of eating into a dependant's timeout."""
    with _run_lock(ctx):
        if "object_store.client" not in ctx.facts:
            ctx.facts["object_store.client"] = _BUILDER.submit(_s3.client, ctx.answers.object_store, ctx.timeout)
        return ctx.facts["object_store.client"]


def client(ctx: Context):
    return client_future(ctx).result()


def list_probe(ctx: Context) -> tuple[str, Exception | None]:
    """ListObjectsV2(MaxKeys=1) once per run: "ok" or the S3 error code, and the exception.

    Not HeadBucket: a HEAD answer has no body, so stores (SeaweedFS) give a bare 403 without the
    code that tells a wrong access key from a wrong secret."""
    if "object_store.list" not in ctx.facts:
        store = ctx.answers.object_store
        try:
            client(ctx).list_objects_v2(Bucket=store.bucket, MaxKeys=1)
            result: tuple[str, Exception | None] = ("ok", None)
        except Exception as exc:  # named by the rules; transport errors have no code
            result = (_s3.error_code(exc) or "transport", exc)
        ctx.facts["object_store.list"] = result
    return ctx.facts["object_store.list"]


# -- TCP --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Connect:
    """What connecting to the endpoint found: the DNS failure, or the addresses and which took."""

    limit: float
    dns_error: str = ""  # "timeout" or the resolver's words
    addrs: list[str] = field(default_factory=list)
    connected: str | None = None  # the address that accepted TCP
    causes: list[Msg] = field(default_factory=list)  # per address that did not


async def connect(host: str, port: int, limit: float) -> Connect:
    """Resolve host and try every address (IPv6 and IPv4 records), as HTTP clients do, until one connects."""
    deadline = time.monotonic() + limit
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM), limit
        )
    except TimeoutError:
        return Connect(limit, dns_error="timeout")
    except socket.gaierror as exc:
        return Connect(limit, dns_error=exc.strerror or str(exc))
    addrs = list(dict.fromkeys(str(info[4][0]) for info in infos))  # the address (a str already)
    causes: list[Msg] = []
    for ip in addrs:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(ip, port), remaining)
        except TimeoutError:
            causes.append(msg("%(ip)s: no answer within %(limit)s s", ip=ip, limit=format(limit, "g")))
            continue
        except OSError as exc:
            refused = isinstance(exc, ConnectionRefusedError)
            causes.append(
                msg("%(ip)s: %(error)s", ip=ip, error=msg("connection refused") if refused else (exc.strerror or exc))
            )
            continue
        writer.close()
        return Connect(limit, addrs=addrs, connected=ip, causes=causes)
    return Connect(limit, addrs=addrs, causes=causes)


# -- TLS --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TlsFacts:
    system: Handshake  # verified with the system store only
    with_ca: Handshake | None = None  # verified with object_store.ca_pem too (when given and needed)
    with_ca_self_signed: bool = False


async def tls_facts(ctx: Context) -> TlsFacts:
    store = ctx.answers.object_store
    t = _s3.target(store)
    limit = _s3.budget(ctx.timeout)
    system = await handshake(t.host, t.port, _s3.ssl_context(store, with_ca=False), limit)
    if system.ok or not system.verify_error or not store.ca_pem:
        return TlsFacts(system)
    with_ca = await handshake(t.host, t.port, _s3.ssl_context(store), limit)
    return TlsFacts(system, with_ca, with_ca.ok and self_signed(with_ca.leaf_der))


# -- bucket, objects --------------------------------------------------------------------------------
def bucket_location(ctx: Context) -> tuple[str | None, Exception | None]:
    """The bucket's region as S3 names it (us-east-1 is an empty location, eu-west-1 the legacy "EU")."""
    try:
        loc = client(ctx).get_bucket_location(Bucket=ctx.answers.object_store.bucket).get("LocationConstraint")
    except Exception as exc:
        return None, exc
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(loc, loc), None


def scratch() -> str:
    return f"{SCRATCH_PREFIX}{uuid.uuid4().hex}"


@dataclass(frozen=True)
class RoundTrip:
    key: str
    written: int
    read: int | None = None  # bytes read back (None: the get did not happen)
    same: bool = False
    stage: str = ""  # "put" or "get" when it failed
    error: Exception | None = None
    delete_error: Exception | None = None


def round_trip(ctx: Context, key: str, put, get) -> RoundTrip:
    """put(data), get(), then always delete `key` with the SDK."""
    data = key.encode() + os.urandom(1024)
    stage, back, error, delete_error = "put", None, None, None
    try:
        put(data)
        stage = "get"
        back = get()
        stage = ""
    except Exception as exc:
        error = exc
    finally:
        try:
            client(ctx).delete_object(Bucket=ctx.answers.object_store.bucket, Key=key)
        except Exception as exc:
            delete_error = exc
    read = None if back is None else len(back)
    return RoundTrip(key, len(data), read, back == data, stage, error, delete_error)


def checked(sent: tuple, what: str) -> bytes:
    """The body of a presigned request's answer; RuntimeError naming a non-2xx status."""
    r, body = sent
    if not 200 <= r.status_code < 300:
        raise RuntimeError(
            msg(
                "presigned %(what)s answered HTTP %(status_code)s %(s3_error_code)s",
                what=what,
                status_code=r.status_code,
                s3_error_code=s3_error_code(body) or "",
            )
        )
    return body


def presigned_round_trip(ctx: Context) -> RoundTrip:
    """A presigned PUT and GET over plain HTTP, as browsers and training nodes use them."""
    store, s3 = ctx.answers.object_store, client(ctx)
    key = scratch()
    params = {"Bucket": store.bucket, "Key": key}
    put_url = s3.generate_presigned_url("put_object", Params=params, ExpiresIn=300)
    get_url = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=300)
    with _s3.http(store, ctx.timeout) as http:
        return round_trip(
            ctx,
            key,
            put=lambda data: checked(_s3.read_bounded(http, "PUT", put_url, content=data), "PUT"),
            get=lambda: checked(_s3.read_bounded(http, "GET", get_url), "GET"),
        )


def preflights(ctx: Context, origin: str) -> list[Preflight]:
    """The browser's CORS preflights (PUT, GET) to a presigned object URL (the object need not exist)."""
    store = ctx.answers.object_store
    url = client(ctx).generate_presigned_url(
        "put_object", Params={"Bucket": store.bucket, "Key": scratch()}, ExpiresIn=300
    )
    with _s3.http(store, ctx.timeout) as http:
        return [preflight(http, url, origin, method) for method in ("PUT", "GET")]


def endpoint_clock(ctx: Context) -> tuple[str | None, datetime]:
    """The endpoint's Date header (any answer carries one, even a 403) and this machine's time then."""
    store = ctx.answers.object_store
    assert store.endpoint is not None, 'needs=["object_store.endpoint"]'
    with _s3.http(store, ctx.timeout) as http:
        before = time.time()
        r = http.head(store.endpoint + "/")
        return r.headers.get("date"), datetime.fromtimestamp((before + time.time()) / 2, UTC)
