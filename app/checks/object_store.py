"""Object-store checks (§4.3), live against the S3 API.

Each check collects its facts (app/checks/_object_store_collect.py: the only I/O) and judges them
with a pure function (app/checks/_object_store_rules.py). Facts are gathered once per run in
`ctx.facts` (the boto3 client, the ListObjectsV2 probe that `credentials` and `bucket` both judge).
Everything waits for `endpoint`; everything needing a signed request waits for `credentials`, and
the bucket-level checks for `bucket`. Scratch objects are always deleted, also when a later step fails.
"""

from __future__ import annotations

from app.artifacts.cors import cors_xml
from app.checks import _object_store_collect as c, _object_store_rules as r, _s3
from app.checks._s3_probes import judge_clock_skew
from app.checks.engine import Context, Outcome, check, fail, passed, warn
from app.facts.hosts import origin as host_origin
from app.i18n.message import N_, msg

ENDPOINT, TLS, CREDENTIALS, BUCKET = (f"object_store.{n}" for n in ("endpoint", "tls", "credentials", "bucket"))
SIGNED = ["object_store.endpoint", "object_store.access_key", "object_store.secret_key", "object_store.bucket"]


@check(ENDPOINT, N_("S3 endpoint reachable"), needs=["object_store.endpoint"])
async def endpoint(ctx: Context) -> Outcome:
    try:
        t = _s3.target(ctx.answers.object_store)
    except ValueError as exc:
        return fail(
            msg("the endpoint is not a valid URL: %(exc)s", exc=exc),
            N_("Use http(s)://host[:port], e.g. https://s3.acme.internal:9000"),
        )
    c.client_future(ctx)  # start building the SDK client now (see client_future)
    return r.judge_connect(t, await c.connect(t.host, t.port, _s3.budget(ctx.timeout)))


@check(TLS, N_("S3 endpoint TLS"), depends=[ENDPOINT], needs=["object_store.endpoint"])
async def tls(ctx: Context) -> Outcome:
    t = _s3.target(ctx.answers.object_store)
    if not t.https:
        return warn(
            N_("the endpoint is plain http: traffic to the bucket is unencrypted (BUCKET gets no ?tls=true)"),
            N_("Serve the S3 API over https with a certificate from a CA the W&B nodes trust"),
            observed="http",
            expected="https",
        )
    return r.judge_tls(t, await c.tls_facts(ctx))


@check(CREDENTIALS, N_("S3 credentials"), depends=[ENDPOINT, TLS], needs=SIGNED)
def credentials(ctx: Context) -> Outcome:
    return r.judge_credentials(ctx.answers.object_store, *c.list_probe(ctx), ctx.timeout)


@check(BUCKET, N_("S3 bucket"), depends=[CREDENTIALS], needs=SIGNED)
def bucket(ctx: Context) -> Outcome:
    return r.judge_bucket(ctx.answers.object_store, *c.list_probe(ctx), ctx.timeout)


@check("object_store.region", N_("S3 bucket region"), depends=[BUCKET], needs=SIGNED + ["object_store.region"])
def region(ctx: Context) -> Outcome:
    return r.judge_region(ctx.answers.object_store, *c.bucket_location(ctx), ctx.timeout)


@check("object_store.read_write", N_("S3 read and write"), depends=[BUCKET], needs=SIGNED)
def read_write(ctx: Context) -> Outcome:
    store, s3 = ctx.answers.object_store, c.client(ctx)
    key = c.scratch()
    got = c.round_trip(
        ctx,
        key,
        put=lambda data: s3.put_object(Bucket=store.bucket, Key=key, Body=data),
        get=lambda: s3.get_object(Bucket=store.bucket, Key=key)["Body"].read(),
    )
    return r.judge_round_trip(store, got, ctx.timeout) or passed(
        N_("put, get (same bytes) and delete of a scratch object succeeded")
    )


@check("object_store.presigned", N_("S3 presigned URLs"), depends=[BUCKET], needs=SIGNED)
def presigned(ctx: Context) -> Outcome:
    got = c.presigned_round_trip(ctx)
    return r.judge_round_trip(ctx.answers.object_store, got, ctx.timeout) or passed(
        N_("a presigned PUT and GET round-tripped the same bytes over plain HTTP")
    )


@check("object_store.cors", N_("S3 CORS for the W&B origin"), depends=[BUCKET], needs=SIGNED + ["host"])
def cors(ctx: Context) -> Outcome:
    store = ctx.answers.object_store
    assert ctx.answers.host is not None, 'needs=[..., "host"]'
    origin = host_origin(ctx.answers.host)
    try:
        answers = c.preflights(ctx, origin)
    except Exception as exc:
        return fail(
            msg("the CORS preflight failed: %(describe)s", describe=_s3.describe(exc, ctx.timeout)),
            msg("Check that %(endpoint)s is reachable from browsers", endpoint=store.endpoint),
        )
    xml = " ".join(line.strip() for line in cors_xml(ctx.answers).splitlines()[1:])
    return r.judge_cors(store, origin, answers, xml)


@check(
    "object_store.clock_skew",
    N_("S3 clock skew"),
    depends=[ENDPOINT, TLS],
    needs=["object_store.endpoint"],
    reads=["requirements"],  # the clock_skew limits
)
def clock_skew(ctx: Context) -> Outcome:
    store = ctx.answers.object_store
    try:
        date, now = c.endpoint_clock(ctx)
    except Exception as exc:
        return fail(
            msg("the endpoint's clock cannot be read: %(describe)s", describe=_s3.describe(exc, ctx.timeout)),
            msg("Check that %(endpoint)s answers HTTP requests", endpoint=store.endpoint),
        )
    return judge_clock_skew(date, now, ctx.req["object_store"]["clock_skew"])
