"""GET /healthz answered by the outermost ASGI layer (load balancers probe it with short timeouts).

Through the application's middleware (the session guard is a Starlette BaseHTTPMiddleware: a task
and a stream per request) a probe needs several event-loop turns; while a fleet uploads, every turn
also runs the uploads' steps, so each turn is long. Here it needs one. Same answer as before: the
JSON status and version (SPEC §9), the security headers, no caching. No login, no state read.
"""

from __future__ import annotations

import json

from app.version import version
from app.web.auth import SECURITY_HEADERS

PATH = "/healthz"


class Health:
    def __init__(self, app):
        self.app = app
        self._body = b""

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        if not self._body:
            self._body = json.dumps({"status": "ok", "version": version()}, separators=(",", ":")).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(self._body)).encode()),
            (b"cache-control", b"no-store"),
            *((k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else self._body})
