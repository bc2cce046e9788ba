"""Object-store checks (§4.3), live against the S3 API.

Facts are gathered once per run in `ctx.facts` (the boto3 client, the ListObjectsV2 probe that
`credentials` and `bucket` both judge). Everything waits for `endpoint`; everything needing a
signed request waits for `credentials`, and the bucket-level checks for `bucket`. Scratch objects
are always deleted, also when a later step fails.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

from app.artifacts.cors import cors_xml
from app.checks import _s3
from app.checks._s3_probes import Handshake, handshake, judge_clock_skew, preflight, s3_error_code, self_signed
from app.checks.engine import Context, Outcome, check, fail, passed, warn
from app.facts.hosts import origin as host_origin
from app.i18n.message import MsgList, as_msg, msg

ENDPOINT, TLS, CREDENTIALS, BUCKET = (f"object_store.{n}" for n in ("endpoint", "tls", "credentials", "bucket"))
SIGNED = ["object_store.endpoint", "object_store.access_key", "object_store.secret_key", "object_store.bucket"]
_FACTS_LOCK = threading.Lock()
_BUILDER = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wbsetup-s3-client")
SCRATCH_PREFIX = "wbsetup-check-"  # flat keys: stores backed by a filer (SeaweedFS) keep empty "dirs"


def _client_future(ctx: Context) -> Future:
    """The run's boto3 client, built once in the background: `endpoint` starts it so that client
    set-up overlaps the TCP/TLS checks instead of eating into a dependant's timeout."""
    with _FACTS_LOCK:
        if "object_store.client" not in ctx.facts:
            ctx.facts["object_store.client"] = _BUILDER.submit(_s3.client, ctx.answers.object_store, ctx.timeout)
        return ctx.facts["object_store.client"]


def _client(ctx: Context):
    return _client_future(ctx).result()


def _list_probe(ctx: Context) -> tuple[str, Exception | None]:
    """ListObjectsV2(MaxKeys=1) once per run: "ok" or the S3 error code, and the exception.

    Not HeadBucket: a HEAD answer has no body, so stores (SeaweedFS) give a bare 403 without the
    code that tells a wrong access key from a wrong secret."""
    if "object_store.list" not in ctx.facts:
        store = ctx.answers.object_store
        try:
            _client(ctx).list_objects_v2(Bucket=store.bucket, MaxKeys=1)
            result: tuple[str, Exception | None] = ("ok", None)
        except Exception as exc:  # named below; transport errors have no code
            result = (_s3.error_code(exc) or "transport", exc)
        ctx.facts["object_store.list"] = result
    return ctx.facts["object_store.list"]


@check(ENDPOINT, "S3 endpoint reachable", needs=["object_store.endpoint"])
async def endpoint(ctx: Context) -> Outcome:
    try:
        t = _s3.target(ctx.answers.object_store)
    except ValueError as exc:
        return fail(
            msg("the endpoint is not a valid URL: %(exc)s", exc=exc),
            "Use http(s)://host[:port], e.g. https://s3.acme.internal:9000",
        )
    _client_future(ctx)  # start building the SDK client now (see _client_future)
    limit = _s3.budget(ctx.timeout)
    deadline = time.monotonic() + limit
    where = f"{t.host}:{t.port}"
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(t.host, t.port, type=socket.SOCK_STREAM), limit
        )
    except TimeoutError:
        return fail(
            msg("DNS lookup of %(host)s gave no answer within %(limit)s s", host=t.host, limit=format(limit, "g")),
            "Check the resolver (/etc/resolv.conf)",
        )
    except socket.gaierror as exc:
        return fail(
            msg("%(host)s does not resolve (%(strerror)s)", host=t.host, strerror=as_msg(exc.strerror)),
            msg("Add a DNS record for %(host)s: W&B nodes and users' browsers must resolve it too", host=t.host),
        )
    # Try every address (IPv6 and IPv4 records), as HTTP clients do, until one connects.
    addrs = list(dict.fromkeys(str(info[4][0]) for info in infos))  # the address (a str already)
    writer, causes = None, []
    for ip in addrs:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(ip, t.port), remaining)
            break
        except TimeoutError:
            causes.append(msg("%(ip)s: no answer within %(limit)s s", ip=ip, limit=format(limit, "g")))
        except OSError as exc:
            refused = isinstance(exc, ConnectionRefusedError)
            causes.append(
                msg("%(ip)s: %(error)s", ip=ip, error=msg("connection refused") if refused else (exc.strerror or exc))
            )
    if writer is None:
        hint = (
            msg("Open the firewall from this machine and the W&B nodes to %(where)s", where=where)
            if "no answer" in str(causes)
            else msg("Start the S3 service on %(where)s or correct object_store.endpoint", where=where)
        )
        return fail(
            msg("cannot connect to %(where)s: %(causes)s", where=where, causes=MsgList(causes)), hint, observed=addrs
        )
    writer.close()
    return passed(msg("%(where)s (%(ip)s) accepts TCP connections", where=where, ip=ip), observed=f"{ip}:{t.port}")


@check(TLS, "S3 endpoint TLS", depends=[ENDPOINT], needs=["object_store.endpoint"])
async def tls(ctx: Context) -> Outcome:
    store = ctx.answers.object_store
    t = _s3.target(store)
    if not t.https:
        return warn(
            "the endpoint is plain http: traffic to the bucket is unencrypted (BUCKET gets no ?tls=true)",
            "Serve the S3 API over https with a certificate from a CA the W&B nodes trust",
            observed="http",
            expected="https",
        )
    limit = _s3.budget(ctx.timeout)
    system = await handshake(t.host, t.port, _s3.ssl_context(store, with_ca=False), limit)
    if system.ok:
        return passed("the certificate verifies against the system trust store", observed="trusted")
    if not system.verify_error:
        return fail(
            system.reason,
            msg("Check that %(host)s:%(port)s serves TLS (or use an http:// endpoint)", host=t.host, port=t.port),
        )
    result = system
    if store.ca_pem:
        result = await handshake(t.host, t.port, _s3.ssl_context(store), limit)
        if result.ok and not self_signed(result.leaf_der):
            return warn(
                "the certificate verifies only with the CA in object_store.ca_pem",
                "W&B needs customCACerts: add this CA to global.customCACerts (Helm) or the W&B nodes' trust store",
                observed="private CA",
                expected="publicly trusted",
            )
        if result.ok:
            result = Handshake(False, "the leaf certificate is self-signed", verify_error=True)
    if "mismatch" in result.reason:  # OpenSSL: "Hostname mismatch" / "IP address mismatch"
        return fail(
            msg("the certificate does not name %(host)s (%(reason)s)", host=t.host, reason=result.reason),
            msg("Issue the certificate with %(host)s in its subjectAltName, or use a name it covers", host=t.host),
            observed=result.reason,
            expected=t.host,
        )
    return fail(
        msg(
            "the certificate is not trusted (%(reason)s): W&B does not support self-signed certificates",
            reason=result.reason,
        ),
        "Serve the S3 API with a certificate issued by a CA (a private CA goes in object_store.ca_pem)",
        observed=result.reason,
        expected="a verifiable chain",
    )


@check(CREDENTIALS, "S3 credentials", depends=[ENDPOINT, TLS], needs=SIGNED)
def credentials(ctx: Context) -> Outcome:
    store = ctx.answers.object_store
    code, exc = _list_probe(ctx)
    key = store.access_key
    if code in ("ok", "NoSuchBucket", "AccessDenied"):  # the signature was verified; bucket judges the rest
        return passed(msg("the store accepted a request signed with access key %(key)s", key=key), observed=key)
    if code == "InvalidAccessKeyId":
        return fail(
            msg("the store does not know access key %(key)s (InvalidAccessKeyId)", key=key),
            "Correct object_store.access_key (copy it from the store's user or service account)",
            observed="InvalidAccessKeyId",
        )
    if code == "SignatureDoesNotMatch":
        return fail(
            msg("the secret key does not match access key %(key)s (SignatureDoesNotMatch)", key=key),
            "Re-enter object_store.secret_key for this access key",
            observed="SignatureDoesNotMatch",
        )
    if code == "RequestTimeTooSkewed":
        return fail(
            "the store rejected the request: the clocks differ by more than 15 minutes",
            "Synchronise the clocks with NTP (see object_store.clock_skew)",
            observed=code,
        )
    assert exc is not None  # the probe failed: code is not "ok"
    return fail(
        msg("the signed request failed: %(describe)s", describe=_s3.describe(exc, ctx.timeout)),
        msg("Check that %(endpoint)s is an S3 API endpoint and reachable", endpoint=store.endpoint),
        observed=code,
    )


@check(BUCKET, "S3 bucket", depends=[CREDENTIALS], needs=SIGNED)
def bucket(ctx: Context) -> Outcome:
    store = ctx.answers.object_store
    code, exc = _list_probe(ctx)
    if code == "ok":
        return passed(msg("bucket %(bucket)s exists and can be listed", bucket=store.bucket), observed=store.bucket)
    if code == "NoSuchBucket":
        return fail(
            msg("bucket %(bucket)s does not exist (NoSuchBucket)", bucket=store.bucket),
            msg(
                "Create it with `mc mb --region=%(region)s ALIAS/%(bucket)s` or the Create bucket action",
                region=store.region,
                bucket=store.bucket,
            ),
            observed="NoSuchBucket",
        )
    if code == "AccessDenied":
        return fail(
            msg(
                "access key %(access_key)s may not list bucket %(bucket)s (AccessDenied)",
                access_key=store.access_key,
                bucket=store.bucket,
            ),
            "Grant the key s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on the bucket",
            observed=code,
        )
    assert exc is not None  # the probe failed: code is not "ok"
    return fail(
        msg(
            "bucket %(bucket)s cannot be listed: %(describe)s",
            bucket=store.bucket,
            describe=_s3.describe(exc, ctx.timeout),
        ),
        "Check the bucket name and the key's permissions",
        observed=code,
    )


@check("object_store.region", "S3 bucket region", depends=[BUCKET], needs=SIGNED + ["object_store.region"])
def region(ctx: Context) -> Outcome:
    store = ctx.answers.object_store
    try:
        loc = _client(ctx).get_bucket_location(Bucket=store.bucket).get("LocationConstraint")
    except Exception as exc:
        return warn(
            msg("the bucket's location cannot be read: %(describe)s", describe=_s3.describe(exc, ctx.timeout)),
            msg(
                "Confirm the bucket's region with the store's administrator; AWS_REGION must be %(region)s",
                region=store.region,
            ),
            expected=store.region,
        )
    # S3 reports us-east-1 as an empty location and eu-west-1 as the legacy "EU".
    actual = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(loc, loc)
    if actual == store.region:
        return passed(
            msg("bucket %(bucket)s is in %(actual)s", bucket=store.bucket, actual=actual),
            observed=actual,
            expected=store.region,
        )
    return fail(
        msg(
            "bucket %(bucket)s is in %(actual)s, not %(region)s",
            bucket=store.bucket,
            actual=actual,
            region=store.region,
        ),
        msg("Set object_store.region: %(actual)s (AWS_REGION must match the bucket)", actual=actual),
        observed=actual,
        expected=store.region,
    )


def _scratch() -> str:
    return f"{SCRATCH_PREFIX}{uuid.uuid4().hex}"


def _round_trip(ctx: Context, key: str, put, get) -> Outcome | None:
    """put(data), get() == data, then always delete `key` with the SDK."""
    store = ctx.answers.object_store
    data = key.encode() + os.urandom(1024)
    stage, outcome = "put", None
    try:
        put(data)
        stage = "get"
        back = get()
        if back != data:
            outcome = fail(
                msg(
                    "%(key)s: read back %(n_back)s bytes that differ from the %(n_data)s written",
                    key=key,
                    n_back=len(back),
                    n_data=len(data),
                ),
                "Check the store's integrity and any proxy in front of it",
            )
    except Exception as exc:
        outcome = fail(
            msg(
                "%(stage)s of a scratch object failed: %(describe)s",
                stage=stage,
                describe=_s3.describe(exc, ctx.timeout),
            ),
            msg("Grant the key s3:PutObject, s3:GetObject and s3:DeleteObject on %(bucket)s", bucket=store.bucket),
            observed=_s3.error_code(exc) or type(exc).__name__,
        )
    finally:
        try:
            _client(ctx).delete_object(Bucket=store.bucket, Key=key)
        except Exception as exc:
            outcome = outcome or fail(
                msg(
                    "the scratch object %(key)s could not be deleted: %(describe)s",
                    key=key,
                    describe=_s3.describe(exc, ctx.timeout),
                ),
                msg("Grant s3:DeleteObject and remove %(key)s by hand", key=key),
            )
    return outcome


@check("object_store.read_write", "S3 read and write", depends=[BUCKET], needs=SIGNED)
def read_write(ctx: Context) -> Outcome:
    store, s3 = ctx.answers.object_store, _client(ctx)
    key = _scratch()
    outcome = _round_trip(
        ctx,
        key,
        put=lambda data: s3.put_object(Bucket=store.bucket, Key=key, Body=data),
        get=lambda: s3.get_object(Bucket=store.bucket, Key=key)["Body"].read(),
    )
    return outcome or passed("put, get (same bytes) and delete of a scratch object succeeded")


def _checked(sent: tuple, what: str) -> bytes:
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


@check("object_store.presigned", "S3 presigned URLs", depends=[BUCKET], needs=SIGNED)
def presigned(ctx: Context) -> Outcome:
    store, s3 = ctx.answers.object_store, _client(ctx)
    key = _scratch()
    params = {"Bucket": store.bucket, "Key": key}
    put_url = s3.generate_presigned_url("put_object", Params=params, ExpiresIn=300)
    get_url = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=300)
    with _s3.http(store, ctx.timeout) as http:  # plain HTTP, as browsers and training nodes use them
        outcome = _round_trip(
            ctx,
            key,
            put=lambda data: _checked(_s3.read_bounded(http, "PUT", put_url, content=data), "PUT"),
            get=lambda: _checked(_s3.read_bounded(http, "GET", get_url), "GET"),
        )
    return outcome or passed("a presigned PUT and GET round-tripped the same bytes over plain HTTP")


@check("object_store.cors", "S3 CORS for the W&B origin", depends=[BUCKET], needs=SIGNED + ["host"])
def cors(ctx: Context) -> Outcome:
    store = ctx.answers.object_store
    assert ctx.answers.host is not None, 'needs=[..., "host"]'
    origin = host_origin(ctx.answers.host)
    # The URL a browser would upload to: a presigned object URL (the object need not exist).
    url = _client(ctx).generate_presigned_url(
        "put_object", Params={"Bucket": store.bucket, "Key": _scratch()}, ExpiresIn=300
    )
    try:
        with _s3.http(store, ctx.timeout) as http:
            answers = [preflight(http, url, origin, method) for method in ("PUT", "GET")]
    except Exception as exc:
        return fail(
            msg("the CORS preflight failed: %(describe)s", describe=_s3.describe(exc, ctx.timeout)),
            msg("Check that %(endpoint)s is reachable from browsers", endpoint=store.endpoint),
        )
    observed = "; ".join(p.describe() for p in answers)
    if all(p.allowed(origin) for p in answers):
        return passed(
            msg("browsers at %(origin)s may PUT and GET objects", origin=origin), observed=observed, expected=origin
        )
    denied = [p for p in answers if not p.allowed(origin)]
    xml = " ".join(line.strip() for line in cors_xml(ctx.answers).splitlines()[1:])
    return fail(
        msg(
            "the bucket refuses the browser preflight from %(origin)s (%(value)s)",
            origin=origin,
            value=MsgList(p.describe() for p in denied),
        ),
        msg(
            "Save as cors.xml and run `mc cors set ALIAS/%(bucket)s cors.xml` (or `aws s3api "
            "put-bucket-cors --endpoint-url %(endpoint)s --bucket %(bucket_2)s --cors-configuration "
            "file://cors.json`, or the Apply CORS action): %(xml)s",
            bucket=store.bucket,
            endpoint=store.endpoint,
            bucket_2=store.bucket,
            xml=xml,
        ),
        observed=observed,
        expected=f"Access-Control-Allow-Origin: {origin}",
    )


@check("object_store.clock_skew", "S3 clock skew", depends=[ENDPOINT, TLS], needs=["object_store.endpoint"])
def clock_skew(ctx: Context) -> Outcome:
    store = ctx.answers.object_store
    try:
        with _s3.http(store, ctx.timeout) as http:
            before = time.time()
            assert store.endpoint is not None, 'needs=["object_store.endpoint"]'
            r = http.head(store.endpoint + "/")  # any answer carries Date, even a 403
            now = datetime.fromtimestamp((before + time.time()) / 2, UTC)
    except Exception as exc:
        return fail(
            msg("the endpoint's clock cannot be read: %(describe)s", describe=_s3.describe(exc, ctx.timeout)),
            msg("Check that %(endpoint)s answers HTTP requests", endpoint=store.endpoint),
        )
    return judge_clock_skew(r.headers.get("date"), now, ctx.req["object_store"]["clock_skew"])
