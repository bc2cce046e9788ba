"""The connection strings W&B reads: MYSQL and BUCKET (REFERENCE.md, "The wandb/local container").

User info is percent-encoded so passwords and secret keys with `@ : / + % #` parse back exactly.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from app.answers import Answers
from app.secret import reveal


def _userinfo(value: str) -> str:
    return quote(value, safe="")


def mysql_url(answers: Answers, password: str | None = None) -> str:
    """mysql://user:password@host:port/name. `password` overrides (e.g. a placeholder)."""
    db = answers.database
    pw = password if password is not None else (reveal(db.password) or "")
    return f"mysql://{_userinfo(db.user)}:{_userinfo(pw)}@{db.host or ''}:{db.port}/{db.name}"


def bucket_url(answers: Answers, secret_key: str | None = None) -> str:
    """s3://access:secret@host[:port]/bucket[?tls=true][&region=…] (W&B's BUCKET)."""
    store = answers.object_store
    secret = secret_key if secret_key is not None else (reveal(store.secret_key) or "")
    parts = urlsplit(store.endpoint or "")
    query = []
    if parts.scheme == "https":
        query.append("tls=true")
    if store.region:
        query.append(f"region={quote(store.region, safe='')}")
    q = ("?" + "&".join(query)) if query else ""
    return f"s3://{_userinfo(store.access_key or '')}:{_userinfo(secret)}@{parts.netloc}/{store.bucket or ''}{q}"


def host_origin(host: str) -> str:
    """The browser origin of HOST: scheme://host[:port] with the default port dropped."""
    parts = urlsplit(host)
    port = parts.port
    default = {"http": 80, "https": 443}[parts.scheme]
    netloc = parts.hostname if port in (None, default) else f"{parts.hostname}:{port}"
    if ":" in (parts.hostname or "") and not netloc.startswith("["):
        netloc = f"[{parts.hostname}]" + ("" if port in (None, default) else f":{port}")
    return f"{parts.scheme}://{netloc}"
