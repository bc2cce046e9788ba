"""The session guard around every page: login required outside the public paths, the sliding session
cookie, the security headers and `Cache-Control: no-store`.

A pure ASGI layer. It was an `@app.middleware("http")` function, which Starlette runs as a
BaseHTTPMiddleware: a task group, a task and memory streams per request, the body and the answer
relayed through them, several event-loop turns for each request. When a fleet of nodes uploads at
once those turns run 200 times over, and everything else waiting on the loop (`/healthz` probes,
pages) waits behind them. Here a request costs one cookie check and one header edit. Same answers:
the unauthenticated 401 / redirect to /login, `request.state.sid` for the routes, the refreshed cookie
(not after a logout revoked the session), the headers set only where the route did not set its own.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from app.web import auth as auth_mod
from app.web.asgi_guards import HttpGuard


class SessionGuard(HttpGuard):
    async def handle(self, scope, receive, send):
        request = Request(scope)
        a: auth_mod.Auth = request.app.state.auth
        sid = a.session_id(request)
        request.state.sid = sid  # scope["state"]: the routes' request.state
        path = request.url.path
        no_store = not path.startswith("/static/")
        if sid is None and not auth_mod.is_public(path):
            response: Response
            if request.headers.get("hx-request") or "json" in request.headers.get("accept", ""):
                response = PlainTextResponse("not logged in", status_code=401)
            else:
                response = RedirectResponse("/login", status_code=303)
            _finish(response.headers, no_store)
            return await response(scope, receive, send)

        async def send_guarded(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if sid is not None and not a.revoked(sid):  # sliding expiry; not after logout
                    cookie = Response()
                    a.set_cookie(cookie, a.refreshed(sid), request)
                    for key, value in cookie.raw_headers:
                        if key == b"set-cookie":
                            headers.append("set-cookie", value.decode("latin-1"))
                _finish(headers, no_store)
            await send(message)

        await self.app(scope, receive, send_guarded)


def _finish(headers: MutableHeaders, no_store: bool) -> None:
    for k, v in auth_mod.SECURITY_HEADERS.items():
        headers.setdefault(k, v)
    if no_store:
        headers.setdefault("Cache-Control", "no-store")
