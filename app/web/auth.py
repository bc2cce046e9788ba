"""Login token, signed session cookie, CSRF tokens, security headers (§5).

The session is a signed, timestamped cookie (itsdangerous) keyed from the secret key, so several
wizard processes sharing one state store and key accept each other's sessions. The CSRF token is an
HMAC of the session id; every state-changing request must carry it (header X-CSRF-Token, which htmx
sends from <body hx-headers>, or the form field csrf_token).

The cookie gets the Secure flag when the request reached us over HTTPS: the request scheme itself,
or X-Forwarded-Proto: https sent by a proxy whose address is listed in WBSETUP_TRUSTED_PROXIES (the
header is ignored from anyone else, since a client could forge it). WBSETUP_SECURE_COOKIES=1 forces it.
Logout revokes the session id in this process (the cookie is also deleted); sessions otherwise end
after `idle_seconds` without a request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from fastapi import HTTPException, Request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.i18n.message import N_

COOKIE = "wbsetup_session"
PUBLIC_PREFIXES = (
    "/healthz",
    "/favicon.ico",
    "/login",
    "/static/",
    "/probe/script",
    "/probe/upload",
    "/probe/node-upload",
    "/lang/",
)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class Auth:
    def __init__(
        self,
        key: bytes,
        token: str,
        *,
        one_time: bool,
        idle_seconds: int,
        secure: bool,
        trusted_proxies: tuple[str, ...] = (),
    ):
        self._key = hmac.new(key, b"wbsetup-session", hashlib.sha256).digest()
        self._serializer = URLSafeTimedSerializer(self._key, salt="session")
        self._token = token
        self._one_time = one_time
        self._used = False
        self.idle_seconds = idle_seconds
        self.secure = secure
        self.trusted_proxies = frozenset(trusted_proxies)
        self._failures: list[float] = []
        self._revoked: dict[str, float] = {}  # sid -> monotonic time after which it expires anyway

    # -- login ------------------------------------------------------------------------------------
    def check_token(self, candidate: str) -> bool:
        """Constant-time token check; a random token works once, WBSETUP_TOKEN every time.
        Repeated failures are rate-limited (10 a minute)."""
        now = time.monotonic()
        self._failures = [t for t in self._failures if now - t < 60]
        if len(self._failures) >= 10:
            raise HTTPException(429, N_("too many failed login attempts; wait a minute"))
        ok = hmac.compare_digest(candidate.encode(), self._token.encode()) and not (self._one_time and self._used)
        if ok:
            self._used = self._one_time
        else:
            self._failures.append(now)
        return ok

    def new_session(self) -> str:
        return self._serializer.dumps({"sid": secrets.token_urlsafe(18)})

    def session_id(self, request: Request) -> str | None:
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.idle_seconds)
        except (BadSignature, SignatureExpired):
            return None
        sid = data.get("sid") if isinstance(data, dict) else None
        return None if not isinstance(sid, str) or self.revoked(sid) else sid

    def revoke(self, sid: str | None) -> None:
        """Logout: this session id is refused from now on (until it would have expired anyway)."""
        now = time.monotonic()
        self._revoked = {k: t for k, t in self._revoked.items() if t > now}
        if sid:
            self._revoked[sid] = now + self.idle_seconds

    def revoked(self, sid: str) -> bool:
        return sid in self._revoked

    def refreshed(self, sid: str) -> str:
        """The same session re-signed now (sliding idle expiry)."""
        return self._serializer.dumps({"sid": sid})

    def csrf_token(self, sid: str) -> str:
        return hmac.new(self._key, f"csrf:{sid}".encode(), hashlib.sha256).hexdigest()

    def is_https(self, request: Request | None) -> bool:
        """Did the browser reach us over TLS (directly, or via a trusted TLS-terminating proxy)?"""
        if request is None:
            return False
        if request.url.scheme == "https":
            return True
        peer = request.client.host if request.client else None
        proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        return peer in self.trusted_proxies and proto == "https"

    def set_cookie(self, response, value: str, request: Request | None = None) -> None:
        response.set_cookie(
            COOKIE,
            value,
            max_age=self.idle_seconds,
            httponly=True,
            samesite="strict",
            secure=self.secure or self.is_https(request),
            path="/",
        )


async def require_csrf(request: Request) -> None:
    """Dependency for every state-changing route."""
    auth: Auth = request.app.state.auth
    sid = getattr(request.state, "sid", None)
    if sid is None:
        raise HTTPException(401, N_("not logged in"))
    sent: object = request.headers.get("x-csrf-token")
    if sent is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await request.form()).get("csrf_token")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, auth.csrf_token(sid)):
        raise HTTPException(403, N_("missing or invalid CSRF token: reload the page and try again"))


def is_public(path: str) -> bool:
    return path == "/healthz" or any(path.startswith(p) for p in PUBLIC_PREFIXES)
