"""Object-store actions (§4.3): create the bucket, apply the CORS policy.

The web UI shows `cors_preview(answers)` before `apply_cors` runs; both come from
app.artifacts.cors, so what is shown is what is applied.
"""

from __future__ import annotations

import shlex

from app.actions import ActionResult
from app.answers import Answers, get_path
from app.artifacts.cors import cors_rules, cors_xml, global_cors_command
from app.checks import _s3
from app.i18n.message import N_, msg


def _missing(answers: Answers, *paths: str) -> ActionResult | None:
    absent = [p for p in paths if get_path(answers, p) in (None, "")]
    return ActionResult(False, msg("input missing: %(absent)s", absent=", ".join(absent))) if absent else None


_NEEDED = ("object_store.endpoint", "object_store.access_key", "object_store.secret_key", "object_store.bucket")


def create_bucket(answers: Answers, timeout: float) -> ActionResult:
    """Create `object_store.bucket` in `object_store.region` (idempotent: an existing bucket we
    own is success). `answers` must have its secret references resolved."""
    if bad := _missing(answers, *_NEEDED):
        return bad
    store = answers.object_store
    kwargs: dict = {"Bucket": store.bucket}
    if store.region != "us-east-1":  # S3 rejects an explicit us-east-1 LocationConstraint
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": store.region}
    try:
        _s3.client(store, timeout).create_bucket(**kwargs)
    except Exception as exc:
        code = _s3.error_code(exc)
        if code == "BucketAlreadyOwnedByYou":
            return ActionResult(
                True, msg("bucket %(bucket)s already exists (owned by this key)", bucket=store.bucket), detail=code
            )
        return _refused(N_("bucket %(bucket)s was not created: %(describe)s"), store, exc, timeout)
    return ActionResult(True, msg("bucket %(bucket)s created in %(region)s", bucket=store.bucket, region=store.region))


def _refused(template: str, store, exc: Exception, timeout: float) -> ActionResult:
    """The store refused the action: `template` (declared with N_) names the bucket and the store's answer."""
    why = msg(template, bucket=store.bucket, describe=_s3.describe(exc, timeout))
    return ActionResult(False, why, detail=_s3.error_code(exc) or type(exc).__name__)


def cors_preview(answers: Answers) -> str:
    """The exact CORS configuration `apply_cors` will put on the bucket, as S3 XML."""
    return cors_xml(answers)


def apply_cors(answers: Answers, timeout: float) -> ActionResult:
    """Put the CORS rule for the W&B host origin on the bucket (replaces the bucket's CORS
    configuration), then run the real browser preflight (the object_store.cors check) and report
    what browsers now get. Needs `host`: a placeholder origin is never applied.

    A store without a per-bucket CORS API (community MinIO answers PutBucketCors with
    NotImplemented) gets the command of its server-wide setting instead, and the preflight still
    runs: that setting may already allow the origin (MinIO's default is every origin)."""
    if not answers.host:
        return ActionResult(False, N_("input missing: host (the W&B URL whose origin the rule allows)"))
    if bad := _missing(answers, *_NEEDED):
        return bad
    store = answers.object_store
    origin = cors_rules(answers)["CORSRules"][0]["AllowedOrigins"][0]
    try:
        client = _s3.client(store, timeout)
        client.put_bucket_cors(Bucket=store.bucket, CORSConfiguration=cors_rules(answers))
    except Exception as exc:
        code = _s3.error_code(exc)
        if code != "NotImplemented":
            return _refused(N_("the CORS policy was not applied to %(bucket)s: %(describe)s"), store, exc, timeout)
        return _after_not_implemented(answers, client, timeout, origin)
    check = _preflight(answers, client, timeout)
    if check.status == "pass":
        return ActionResult(
            True,
            msg(
                "CORS policy applied to %(bucket)s; the browser preflight from %(origin)s now passes: %(observed)s",
                bucket=store.bucket,
                origin=origin,
                observed=check.observed or check.message,
            ),
            statements=[_cli_statement(answers)],
            detail=cors_xml(answers),
        )
    return ActionResult(
        False,
        msg(
            "CORS policy applied to %(bucket)s, but the browser preflight from %(origin)s still fails: %(message)s",
            bucket=store.bucket,
            origin=origin,
            message=check.message,
        ),
        statements=[_cli_statement(answers)],
        detail=cors_xml(answers),
    )


def _cli_statement(answers: Answers) -> str:
    store = answers.object_store
    return shlex.join(
        [
            "aws",
            "s3api",
            "put-bucket-cors",
            "--endpoint-url",
            store.endpoint or "",
            "--bucket",
            store.bucket or "",
            "--cors-configuration",
            "file://object-store/cors.json",
        ]
    )


def _after_not_implemented(answers: Answers, client, timeout: float, origin: str) -> ActionResult:
    command = global_cors_command(answers, "ALIAS")
    check = _preflight(answers, client, timeout)
    if check.status == "pass":
        return ActionResult(
            True,
            msg(
                "this store has no per-bucket CORS API (community MinIO answers NotImplemented); "
                "its server-wide setting already allows %(origin)s: the browser preflight "
                "passes (%(observed)s). To allow only W&B's origin: %(command)s",
                origin=origin,
                observed=check.observed or check.message,
                command=command,
            ),
            statements=[command],
            detail="NotImplemented",
        )
    return ActionResult(
        False,
        msg(
            "this store has no per-bucket CORS API (community MinIO answers NotImplemented) "
            "and the browser preflight from %(origin)s fails: %(message)s. Set the "
            "server-wide setting with: %(command)s",
            origin=origin,
            message=check.message,
            command=command,
        ),
        statements=[command],
        detail="NotImplemented",
    )


def _preflight(answers: Answers, client, timeout: float):
    """The object_store.cors check's own probe (a real OPTIONS preflight from the host origin)."""
    from app import requirements
    from app.checks.engine import Context, Outcome
    from app.checks.object_store import cors

    ctx = Context(answers, requirements.load(answers.requirements), timeout)
    ctx.facts["object_store.client"] = _done(client)
    try:
        return cors(ctx)
    except Exception as exc:  # never a traceback in the UI
        return Outcome("error", msg("the CORS preflight could not run: %(error)s", error=_s3.describe(exc, timeout)))


def _done(value):
    from concurrent.futures import Future

    future: Future = Future()
    future.set_result(value)
    return future
