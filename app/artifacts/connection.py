"""The connection strings W&B reads: MYSQL and BUCKET (docs/architecture.md, "The wandb/local container").

User info is percent-encoded so passwords and secret keys with `@ : / + % #` parse back exactly.
The one place that maps `database.tls` to the `tls=` parameter of MYSQL is `MYSQL_TLS` below.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from app.answers import Answers
from app.secret import reveal

# database.tls → the `tls=` value of W&B's MYSQL. W&B is written in Go and talks to MySQL through
# go-sql-driver/mysql, whose DSN parameter `tls` takes true | false | skip-verify | preferred |
# <registered name> (github.com/go-sql-driver/mysql README, "tls"):
#   false        no TLS                                          ← disabled
#   preferred    TLS when the server offers it, not verified     ← preferred
#   skip-verify  TLS always, certificate not verified            ← required (MySQL's REQUIRED)
#   true         TLS always, chain AND host name verified against the system trust store
#                (/etc/ssl/certs; the CA from database.ca_pem is mounted there) ← verify-identity,
#                and verify-ca: the driver has no "chain only" value, so W&B also checks that the
#                server certificate names database.host (the runbook says so).
MYSQL_TLS = {
    "disabled": "false",
    "preferred": "preferred",
    "required": "skip-verify",
    "verify-ca": "true",
    "verify-identity": "true",
}
# What the operator chart writes, whatever the answers say (templates/_mysql.tpl, "wandb.mysql").
CHART_MYSQL_TLS = "preferred"


def userinfo(value: str) -> str:
    """A URL user-info part: every byte but RFC 3986 unreserved ones percent-encoded (`+` as %2B,
    space as %20), so Go's net/url and Python's unquote_plus read back the same text."""
    return quote(value, safe="")


def mysql_tls(answers: Answers) -> str:
    return MYSQL_TLS[answers.database.tls]


def mysql_url(answers: Answers, password: str | None = None) -> str:
    """mysql://user:password@host:port/name?tls=…  `password` overrides (e.g. a placeholder)."""
    db = answers.database
    pw = password if password is not None else (reveal(db.password) or "")
    return f"mysql://{userinfo(db.user)}:{userinfo(pw)}@{db.host or ''}:{db.port}/{db.name}?tls={mysql_tls(answers)}"


def bucket_url(answers: Answers, secret_key: str | None = None) -> str:
    """s3://access:secret@host[:port]/bucket[?tls=true][&region=…] (W&B's BUCKET).

    The bucket is always in the path: BUCKET has no parameter for the addressing style and W&B
    reaches a custom endpoint path-style (its documented MinIO set-up works on a MinIO without
    MINIO_DOMAIN, which answers only path-style requests); the operator chart has no value for it
    either. So `object_store.path_style: false` cannot be passed on: the runbook says so."""
    store = answers.object_store
    secret = secret_key if secret_key is not None else (reveal(store.secret_key) or "")
    parts = urlsplit(store.endpoint or "")
    query = []
    if parts.scheme == "https":
        query.append("tls=true")
    if store.region:
        query.append(f"region={quote(store.region, safe='')}")
    q = ("?" + "&".join(query)) if query else ""
    return f"s3://{userinfo(store.access_key or '')}:{userinfo(secret)}@{parts.netloc}/{store.bucket or ''}{q}"
