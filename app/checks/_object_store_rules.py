"""Verdicts of the object-store checks: pure functions from the facts that
app/checks/_object_store_collect.py gathers to outcomes (tested with plain data, no store)."""

from __future__ import annotations

from app.answers import ObjectStore
from app.checks import _s3
from app.checks._object_store_collect import Connect, RoundTrip, TlsFacts
from app.checks._s3_probes import Handshake, Preflight
from app.checks.engine import Outcome, fail, passed, warn
from app.i18n.message import N_, MsgList, as_msg, msg


def judge_connect(t: _s3.Target, got: Connect) -> Outcome:
    where = f"{t.host}:{t.port}"
    if got.dns_error == "timeout":
        return fail(
            msg("DNS lookup of %(host)s gave no answer within %(limit)s s", host=t.host, limit=format(got.limit, "g")),
            N_("Check the resolver (/etc/resolv.conf)"),
        )
    if got.dns_error:
        return fail(
            msg("%(host)s does not resolve (%(strerror)s)", host=t.host, strerror=as_msg(got.dns_error)),
            msg("Add a DNS record for %(host)s: W&B nodes and users' browsers must resolve it too", host=t.host),
        )
    if got.connected is None:
        hint = (
            msg("Open the firewall from this machine and the W&B nodes to %(where)s", where=where)
            if "no answer" in str(got.causes)
            else msg("Start the S3 service on %(where)s or correct object_store.endpoint", where=where)
        )
        return fail(
            msg("cannot connect to %(where)s: %(causes)s", where=where, causes=MsgList(got.causes)),
            hint,
            observed=got.addrs,
        )
    return passed(
        msg("%(where)s (%(ip)s) accepts TCP connections", where=where, ip=got.connected),
        observed=f"{got.connected}:{t.port}",
    )


def judge_tls(t: _s3.Target, got: TlsFacts) -> Outcome:
    if got.system.ok:
        return passed(N_("the certificate verifies against the system trust store"), observed="trusted")
    if not got.system.verify_error:
        return fail(
            got.system.reason,
            msg("Check that %(host)s:%(port)s serves TLS (or use an http:// endpoint)", host=t.host, port=t.port),
        )
    result = got.system
    if got.with_ca is not None:
        result = got.with_ca
        if result.ok and not got.with_ca_self_signed:
            return warn(
                N_("the certificate verifies only with the CA in object_store.ca_pem"),
                N_("W&B needs customCACerts: add this CA to global.customCACerts (Helm) or the W&B nodes' trust store"),
                observed="private CA",
                expected=N_("publicly trusted"),
            )
        if result.ok:
            result = Handshake(False, N_("the leaf certificate is self-signed"), verify_error=True)
    if "mismatch" in str(result.reason):  # OpenSSL: "Hostname mismatch" / "IP address mismatch"
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
        N_("Serve the S3 API with a certificate issued by a CA (a private CA goes in object_store.ca_pem)"),
        observed=result.reason,
        expected=N_("a verifiable chain"),
    )


def judge_credentials(store: ObjectStore, code: str, exc: Exception | None, timeout: float) -> Outcome:
    key = store.access_key
    if code in ("ok", "NoSuchBucket", "AccessDenied"):  # the signature was verified; bucket judges the rest
        return passed(msg("the store accepted a request signed with access key %(key)s", key=key), observed=key)
    if code == "InvalidAccessKeyId":
        return fail(
            msg("the store does not know access key %(key)s (InvalidAccessKeyId)", key=key),
            N_("Correct object_store.access_key (copy it from the store's user or service account)"),
            observed="InvalidAccessKeyId",
        )
    if code == "SignatureDoesNotMatch":
        return fail(
            msg("the secret key does not match access key %(key)s (SignatureDoesNotMatch)", key=key),
            N_("Re-enter object_store.secret_key for this access key"),
            observed="SignatureDoesNotMatch",
        )
    if code == "RequestTimeTooSkewed":
        return fail(
            N_("the store rejected the request: the clocks differ by more than 15 minutes"),
            N_("Synchronise the clocks with NTP (see object_store.clock_skew)"),
            observed=code,
        )
    assert exc is not None  # the probe failed: code is not "ok"
    return fail(
        msg("the signed request failed: %(describe)s", describe=_s3.describe(exc, timeout)),
        msg("Check that %(endpoint)s is an S3 API endpoint and reachable", endpoint=store.endpoint),
        observed=code,
    )


def judge_bucket(store: ObjectStore, code: str, exc: Exception | None, timeout: float) -> Outcome:
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
            N_("Grant the key s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on the bucket"),
            observed=code,
        )
    assert exc is not None  # the probe failed: code is not "ok"
    return fail(
        msg(
            "bucket %(bucket)s cannot be listed: %(describe)s", bucket=store.bucket, describe=_s3.describe(exc, timeout)
        ),
        N_("Check the bucket name and the key's permissions"),
        observed=code,
    )


def judge_region(store: ObjectStore, actual: str | None, exc: Exception | None, timeout: float) -> Outcome:
    if exc is not None:
        return warn(
            msg("the bucket's location cannot be read: %(describe)s", describe=_s3.describe(exc, timeout)),
            msg(
                "Confirm the bucket's region with the store's administrator; AWS_REGION must be %(region)s",
                region=store.region,
            ),
            expected=store.region,
        )
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


def judge_round_trip(store: ObjectStore, got: RoundTrip, timeout: float) -> Outcome | None:
    """None when the scratch object went in, came back the same and was deleted."""
    if got.error is not None:
        return fail(
            msg(
                "%(stage)s of a scratch object failed: %(describe)s",
                stage=got.stage,
                describe=_s3.describe(got.error, timeout),
            ),
            msg("Grant the key s3:PutObject, s3:GetObject and s3:DeleteObject on %(bucket)s", bucket=store.bucket),
            observed=_s3.error_code(got.error) or type(got.error).__name__,
        )
    if not got.same:
        return fail(
            msg(
                "%(key)s: read back %(n_back)s bytes that differ from the %(n_data)s written",
                key=got.key,
                n_back=got.read,
                n_data=got.written,
            ),
            N_("Check the store's integrity and any proxy in front of it"),
        )
    if got.delete_error is not None:
        return fail(
            msg(
                "the scratch object %(key)s could not be deleted: %(describe)s",
                key=got.key,
                describe=_s3.describe(got.delete_error, timeout),
            ),
            msg("Grant s3:DeleteObject and remove %(key)s by hand", key=got.key),
        )
    return None


def judge_cors(store: ObjectStore, origin: str, answers: list[Preflight], xml: str) -> Outcome:
    observed = "; ".join(p.describe() for p in answers)
    if all(p.allowed(origin) for p in answers):
        return passed(
            msg("browsers at %(origin)s may PUT and GET objects", origin=origin), observed=observed, expected=origin
        )
    denied = [p for p in answers if not p.allowed(origin)]
    return fail(
        msg(
            "the bucket refuses the browser preflight from %(origin)s (%(denied)s)",
            origin=origin,
            denied=MsgList(p.describe() for p in denied),
        ),
        msg(
            "Save as cors.xml and run `mc cors set ALIAS/%(bucket)s cors.xml` (or `aws s3api "
            "put-bucket-cors --endpoint-url %(endpoint)s --bucket %(bucket)s --cors-configuration "
            "file://cors.json`, or the Apply CORS action): %(xml)s",
            bucket=store.bucket,
            endpoint=store.endpoint,
            xml=xml,
        ),
        observed=observed,
        expected=f"Access-Control-Allow-Origin: {origin}",
    )
