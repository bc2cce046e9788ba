"""Object-store actions (SPEC §4.3): create the bucket, apply the CORS policy.

The web UI shows `cors_preview(answers)` before `apply_cors` runs; both come from
app.artifacts.cors, so what is shown is what is applied.
"""

from __future__ import annotations

from app.actions import ActionResult
from app.answers import Answers, get_path
from app.artifacts.cors import cors_rules, cors_xml
from app.checks import _s3
from app.i18n.message import msg


def _missing(answers: Answers, *paths: str) -> ActionResult | None:
    absent = [p for p in paths if get_path(answers, p) in (None, "")]
    return ActionResult(False, msg("input missing: %(absent)s", absent=', '.join(absent))) if absent else None


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
            return ActionResult(True, msg(
                "bucket %(bucket)s already exists (owned by this key)",
                bucket=store.bucket), detail=code)
        return ActionResult(False, msg(
            "bucket %(bucket)s was not created: %(describe)s",
            bucket=store.bucket, describe=_s3.describe(exc, timeout)),
                            detail=code or type(exc).__name__)
    return ActionResult(True, msg(
        "bucket %(bucket)s created in %(region)s",
        bucket=store.bucket, region=store.region))


def cors_preview(answers: Answers) -> str:
    """The exact CORS configuration `apply_cors` will put on the bucket, as S3 XML."""
    return cors_xml(answers)


def apply_cors(answers: Answers, timeout: float) -> ActionResult:
    """Put the CORS rule for the W&B host origin on the bucket (replaces the bucket's CORS
    configuration). Needs `host`: a placeholder origin is never applied."""
    if not answers.host:
        return ActionResult(False, "input missing: host (the W&B URL whose origin the rule allows)")
    if bad := _missing(answers, *_NEEDED):
        return bad
    store = answers.object_store
    try:
        _s3.client(store, timeout).put_bucket_cors(Bucket=store.bucket, CORSConfiguration=cors_rules(answers))
    except Exception as exc:
        return ActionResult(False, msg(
            "the CORS policy was not applied to %(bucket)s: %(describe)s",
            bucket=store.bucket, describe=_s3.describe(exc, timeout)),
                            detail=_s3.error_code(exc) or type(exc).__name__)
    origin = cors_rules(answers)["CORSRules"][0]["AllowedOrigins"][0]
    return ActionResult(True, msg(
        "CORS policy applied to %(bucket)s: %(origin)s may GET, PUT and HEAD objects",
        bucket=store.bucket, origin=origin),
                        detail=cors_xml(answers))
