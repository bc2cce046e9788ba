"""Facts for `deploy.images`: what an OCI registry answers to a manifest HEAD, credentials included.

The registry's own challenge is answered (SPEC §4.5): `WWW-Authenticate: Basic` (htpasswd) with the
credentials on a second HEAD; `Bearer realm=…,service=…` with the Docker token flow — GET the realm
with `service` and `scope=repository:<name>:pull` and the credentials as Basic auth, take `token`
(or `access_token`) from the JSON answer, then HEAD again with `Authorization: Bearer <token>`.
One answer to each challenge, never a retry loop. No redirects are followed, every request has a
timeout, and the password never appears in a fact (only statuses and causes). This module collects;
app/checks/deploy_images.py judges.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from app.i18n.message import N_, Msg, msg

if TYPE_CHECKING:  # imported where a client is made (in the check's worker thread): httpx costs ~0.1–0.4 s
    import httpx

ACCEPT = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)
_PARAM = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))')


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def split_image(image: str) -> tuple[str, str, str]:
    """(host[:port], repository name, tag) of `image` as images.txt lists it."""
    hostport, _, rest = image.partition("/")
    name, _, tag = rest.rpartition(":")
    return hostport, name, tag


def _host_of(hostport: str) -> str:
    return hostport.split("]")[0] + "]" if hostport.startswith("[") else hostport.rsplit(":", 1)[0]


def manifest_url(image: str) -> str:
    """The manifest URL of `image` (`host[:port]/name:tag`): HTTPS, plain HTTP on loopback as Docker does."""
    hostport, name, tag = split_image(image)
    scheme = "http" if is_loopback(_host_of(hostport)) else "https"
    return f"{scheme}://{hostport}/v2/{quote(name, safe='/')}/manifests/{quote(tag, safe='')}"


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """(scheme in lower case, parameters) of a `WWW-Authenticate` header (RFC 7235, one challenge)."""
    scheme, _, rest = header.strip().partition(" ")
    params = {m[1].lower(): (m[2] if m[2] is not None else m[3]).replace('\\"', '"') for m in _PARAM.finditer(rest)}
    return scheme.lower(), params


@dataclass(frozen=True)
class Seen:
    """What the registry answered for one image: an HTTP status, or the cause of no answer."""

    status: int | None = None
    cause: str | Msg | None = None  # no answer: timed out, TLS, connection …
    refused: bool = False  # credentials were given and the registry (or its token service) refused them
    scheme: str | None = None  # the challenge answered: "basic" / "bearer"


def cause_of(exc: Exception) -> str:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return N_("TLS certificate not trusted")
    if isinstance(exc, httpx.ConnectError):
        return N_("connection refused or host unknown")
    return type(exc).__name__


def ssl_context(ca_pem: str | None) -> ssl.SSLContext:
    """The system trust store plus `ca_pem` (ValueError when it holds no usable certificate)."""
    ctx = ssl.create_default_context()
    if ca_pem:
        try:
            ctx.load_verify_locations(cadata=ca_pem)
        except (ssl.SSLError, ValueError) as exc:
            raise ValueError(N_("deploy.registry_ca_pem holds no usable PEM certificate")) from exc
    return ctx


class RegistryProbe:
    """HEADs manifests, answering Basic and Bearer challenges with `username` / `password` (if given)."""

    def __init__(self, *, username: str | None, password: str | None, ca_pem: str | None, timeout: float):
        import httpx

        self.credentials = (username, password or "") if username else None
        self.client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False, verify=ssl_context(ca_pem))

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> RegistryProbe:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _head(self, url: str, auth: str | None = None) -> httpx.Response:
        headers = {"Accept": ACCEPT}
        if auth:
            headers["Authorization"] = auth
        return self.client.head(url, headers=headers)

    def head(self, image: str) -> Seen:
        import httpx

        url = manifest_url(image)
        try:
            first = self._head(url)
            if first.status_code != 401 or self.credentials is None:
                return Seen(status=first.status_code)
            scheme, params = parse_challenge(first.headers.get("www-authenticate", ""))
            if scheme == "basic":
                again = self._head(url, self._basic())
            elif scheme == "bearer" and params.get("realm"):
                token = self._token(params, split_image(image)[1])
                if token is None:
                    return Seen(status=401, refused=True, scheme=scheme)
                if isinstance(token, Seen):
                    return token
                again = self._head(url, f"Bearer {token}")
            else:
                return Seen(status=401, cause=msg("unsupported challenge %(scheme)s", scheme=scheme or msg("(none)")))
        except httpx.HTTPError as exc:
            return Seen(cause=cause_of(exc))
        refused = again.status_code in (401, 403)
        return Seen(status=again.status_code, refused=refused, scheme=scheme)

    def _basic(self) -> str:
        assert self.credentials is not None
        user, password = self.credentials
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()  # UTF-8, as docker does

    def _token(self, params: dict[str, str], name: str) -> str | Seen | None:
        """The token for pulling `name`, None when the token service refuses the credentials, or a
        Seen with the cause when it cannot be asked."""
        realm = urlsplit(params["realm"])
        if realm.scheme not in ("http", "https") or not realm.hostname:
            return Seen(status=401, cause=N_("the token realm is not an http(s) URL"), scheme="bearer")
        if realm.scheme == "http" and not is_loopback(realm.hostname):
            # Docker would send the password in the clear; wbsetup does not.
            return Seen(status=401, cause=N_("the token realm is plain http"), scheme="bearer")
        query = {"scope": ":".join(("repository", name, "pull"))}  # a protocol value, not prose
        if params.get("service"):
            query["service"] = params["service"]
        resp = self.client.get(params["realm"], params=query, headers={"Authorization": self._basic()})
        if resp.status_code in (401, 403):
            return None
        if resp.status_code != 200:
            return Seen(
                status=resp.status_code, cause=msg("token service answered HTTP %(status)s", status=resp.status_code)
            )
        try:
            body = resp.json()
        except ValueError:
            body = None
        token = (body.get("token") or body.get("access_token")) if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            return Seen(status=200, cause=N_("token service answered without a token"), scheme="bearer")
        return token
