"""Probe upload tokens and upload parsing — pure logic, no storage.

A token is one-time, bound to one profile and role, and expires. The wizard stores only its hash
(`token_hash`; e.g. app.store.models.ProbeToken) with the profile, role, expiry and used time; the
node sends the token itself in the upload body. Flow for the upload route:

    upload = parse_upload(body)                        # UploadError → 400 with str(exc)
    row = lookup(token_hash(upload.token))             # none → 403 "unknown token"
    problem = token_problem(expires_at=row.expires_at, used_at=row.used_at,
                            role=row.role, upload_role=upload.role)   # str → 403/409 with it
    mark used; answers.hardware.<role> ← facts_to_section(upload.role, upload.facts)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from app.answer_errors import format_errors
from app.answers import AppNodes, DatabaseNode
from app.i18n.message import N_, MsgList, Text, msg
from app.probe.host import KEYS

TOKEN_TTL = timedelta(minutes=30)
MAX_UPLOAD_BYTES = 16384
ROLES = ("app", "database")
NODE_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$")  # a host name, ≤ 253
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")
_SECTIONS: dict[str, type[AppNodes] | type[DatabaseNode]] = {"app": AppNodes, "database": DatabaseNode}


class UploadError(ValueError):
    """An upload that cannot be accepted; the message names the field (safe to show the client)."""


@dataclass(frozen=True)
class ProbeUpload:
    token: str | None
    role: str
    node: str
    facts: dict[str, Any]  # exactly app.probe.KEYS; None where the probe could not measure

    @property
    def token_hash(self) -> str | None:
        return token_hash(self.token) if self.token else None


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest of `token`: the only form the wizard stores."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented token with a stored hash."""
    return hmac.compare_digest(token_hash(token), stored_hash)


def expires_at(now: datetime | None = None, ttl: timedelta = TOKEN_TTL) -> datetime:
    """Expiry for a token issued `now` (UTC)."""
    return (now or datetime.now(UTC)) + ttl


def token_problem(
    *, expires_at: datetime, used_at: datetime | None, role: str, upload_role: str, now: datetime | None = None
) -> Text | None:
    """Why a stored token cannot accept this upload (a message for the client), or None if it can.
    Naive datetimes are taken as UTC (SQLite returns them naive)."""
    now = _utc(now or datetime.now(UTC))
    if used_at is not None:
        return N_("this probe token was already used; create a new one in the wizard")
    if _utc(expires_at) <= now:
        return N_("this probe token has expired; create a new one in the wizard")
    if role != upload_role:
        return msg(
            "this probe token was issued for the %(role)s role, not %(upload_role)s", role=role, upload_role=upload_role
        )
    return None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _no_constants(name: str):
    raise UploadError(msg("facts: %(name)s is not a number", name=name))


def parse_upload(body: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES, require_token: bool = True) -> ProbeUpload:
    """Validate an upload body (or, with require_token=False, JSON pasted into the wizard).

    Raises UploadError naming the field: too large, not JSON, not an object, unknown or missing
    keys, bad token/role/node, facts without exactly the hardware keys, a value of the wrong type
    or outside the bounds of the answers model (app.answers.AppNodes / DatabaseNode).
    """
    if len(body) > max_bytes:
        raise UploadError(
            msg("upload too large: %(n_body)s bytes (at most %(max_bytes)s)", n_body=len(body), max_bytes=max_bytes)
        )
    try:
        doc = json.loads(body.decode("utf-8"), parse_constant=_no_constants)
    except UnicodeDecodeError:
        raise UploadError(N_("upload is not UTF-8 text")) from None
    except json.JSONDecodeError as exc:
        at = {"why": exc.msg, "line": exc.lineno, "column": exc.colno}
        raise UploadError(msg("upload is not JSON: %(why)s at line %(line)s column %(column)s", **at)) from None
    if not isinstance(doc, dict):
        raise UploadError(N_("upload must be a JSON object with token, role, node and facts"))
    _exact_keys(doc, {"token", "role", "node", "facts"}, "", optional=set() if require_token else {"token"})
    token = doc.get("token")
    if (require_token or token is not None) and (not isinstance(token, str) or not TOKEN_RE.match(token)):
        raise UploadError(N_("token: missing or malformed (use the command the wizard shows)"))
    role = doc["role"]
    if role not in ROLES:
        raise UploadError(msg("role: must be app or database, not %(show)s", show=_show(role)))
    node = doc["node"]
    if not isinstance(node, str) or not NODE_NAME.match(node):
        raise UploadError(
            msg("node: must be a host name (letters, digits, . _ -; at most 253), not %(show)s", show=_show(node))
        )
    facts = doc["facts"]
    if not isinstance(facts, dict):
        raise UploadError(N_("facts: must be an object with the keys ") + ", ".join(KEYS))
    _exact_keys(facts, set(KEYS), "facts.")
    for key in KEYS:
        value = facts[key]
        if value is None:
            continue
        if key == "arch":
            if not isinstance(value, str):
                raise UploadError(msg("facts.arch: must be a string such as x86_64, not %(show)s", show=_show(value)))
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise UploadError(msg("facts.%(key)s: must be a number or null, not %(show)s", key=key, show=_show(value)))
    return ProbeUpload(token=token, role=role, node=node, facts=_validate_ranges(role, facts))


def _exact_keys(doc: dict, allowed: set[str], prefix: str, optional: frozenset[str] | set[str] = frozenset()) -> None:
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise UploadError(
            msg(
                "%(prefix)s%(unknown)s: unknown key (allowed: %(sorted)s)",
                prefix=prefix,
                unknown=unknown[0],
                sorted=", ".join(sorted(allowed)),
            )
        )
    missing = sorted(allowed - set(doc) - set(optional))
    if missing:
        raise UploadError(msg("%(prefix)s%(missing)s: required key is missing", prefix=prefix, missing=missing[0]))


def _validate_ranges(role: str, facts: dict) -> dict[str, Any]:
    """The facts as the answers model coerces them (4.0 cores → 4). Bounds come from that model,
    so an upload can never store what a form would refuse. arch is validated against AppNodes for
    both roles (the database section has no arch)."""
    present = {k: v for k, v in facts.items() if v is not None}
    out = dict.fromkeys(KEYS)
    for model, values in (
        (AppNodes, {k: v for k, v in present.items() if k == "arch"}),
        (_SECTIONS[role], {k: v for k, v in present.items() if k != "arch"}),
    ):
        try:
            section = model.model_validate(values)
        except ValidationError as exc:
            raise UploadError(
                MsgList(
                    msg("%(path)s: %(problem)s", path="facts." + line.params["path"], problem=line.params["problem"])
                    for line in format_errors(exc, model)
                )
            ) from None
        out.update({k: getattr(section, k) for k in values})
    return out


def facts_to_section(role: str, facts: dict[str, Any]) -> dict[str, Any]:
    """The hardware.<role> answers keys a probe fills in: the measured, non-null facts (arch only
    for app; never `nodes`, which is not a property of one node). Merge it into the section."""
    if role not in ROLES:
        raise ValueError(msg("role must be app or database, not %(role)s", role=repr(role)))
    keys = [k for k in KEYS if role == "app" or k != "arch"]
    return {k: facts[k] for k in keys if facts.get(k) is not None}


def weakest(facts_list: list[dict[str, Any]], requirements: str = "current") -> dict[str, Any]:
    """Combine the facts of several nodes of one role: the weakest node decides each value (the
    minimum of each number; an arch the requirement profile does not allow wins, so
    `hardware.app.arch` fails). Unknown values are ignored; a key nobody measured is None."""
    from app.requirements import load

    allowed = load(requirements)["hardware"]["app"]["arch"]
    out: dict[str, Any] = {}
    for key in KEYS:
        values = [v for v in (f.get(key) for f in facts_list) if v is not None]
        if not values:
            out[key] = None
        elif key == "arch":
            odd = [v for v in values if v.lower() not in allowed]
            out[key] = odd[0] if odd else values[0]
        else:
            out[key] = min(values)
    return out


def _show(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
