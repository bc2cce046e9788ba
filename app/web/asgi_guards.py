"""Pure-ASGI guards wrapped around the whole application: a request-body size limit that also covers
chunked uploads (no Content-Length), and a last-resort error catcher that answers 500 without
letting Starlette re-raise the exception to uvicorn (whose traceback log could carry input values)."""

from __future__ import annotations

import logging

from app.i18n.message import N_, Text, msg

log = logging.getLogger("wbsetup")


async def _send_text(send, status: int, text: Text) -> None:
    body = str(text).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class HttpGuard:
    """A pure-ASGI middleware that acts on HTTP requests (`handle`) and passes every other scope
    (lifespan, websocket) through as it is."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        return await self.handle(scope, receive, send)

    async def handle(self, scope, receive, send):
        raise NotImplementedError


class BodyLimit(HttpGuard):
    """Refuse request bodies over `limit` bytes with 413, whether announced or streamed."""

    def __init__(self, app, limit: int):
        super().__init__(app)
        self.limit = limit

    async def handle(self, scope, receive, send):
        message = msg("request too large (at most %(limit)s KiB)", limit=self.limit // 1024)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"")
        if length:
            if not length.isdigit():
                return await _send_text(send, 400, N_("invalid Content-Length header"))
            if int(length) > self.limit:
                return await _send_text(send, 413, message)
            return await self.app(scope, receive, send)
        if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        # Streamed body: read it (bounded) before the application sees it, then replay it.
        chunks, size = [], 0
        while True:
            event = await receive()
            if event["type"] == "http.disconnect":
                return
            chunks.append(event.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                return await _send_text(send, 413, message)
            if not event.get("more_body"):
                break
        body, sent = b"".join(chunks), False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await self.app(scope, replay, send)


class CatchAll(HttpGuard):
    """Any exception escaping the app becomes a plain 500, logged by type only (never its text)."""

    async def handle(self, scope, receive, send):
        started = False

        async def tracking_send(event):
            nonlocal started
            started = started or event["type"] == "http.response.start"
            await send(event)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - the point of this guard
            log.error("unhandled error on %s %s: %s", scope.get("method"), scope.get("path"), type(exc).__name__)
            if not started:
                from app.store.crypto import KeyError_

                text = str(exc) if isinstance(exc, KeyError_) else N_("internal error; see the server log")
                await _send_text(send, 500, text)
