"""create_app(settings): the FastAPI application — routers, static files, auth, security headers."""

from __future__ import annotations

import logging
import secrets

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.answer_errors import error_message
from app.resources import resource_dir
from app.settings import Settings
from app.store import Store
from app.store.crypto import KeyError_
from app.web import auth as auth_mod
from app.web.asgi_guards import BodyLimit, CatchAll
from app.web.feeds import Feeds
from app.web.guard import SessionGuard
from app.web.health import Health
from app.web.templating import make_templates

log = logging.getLogger("wbsetup")
MAX_BODY = 1 << 20  # 1 MiB: the largest legitimate form is a few PEM chains and a kubeconfig


def create_app(settings: Settings, *, token: str | None = None) -> FastAPI:
    store = Store.open(settings)
    login_token = token or settings.token or secrets.token_urlsafe(24)
    app = FastAPI(title="wbsetup", docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.store = store
    app.state.login_token = login_token
    app.state.auth = auth_mod.Auth(
        store.box.key,
        login_token,
        one_time=not (token or settings.token),
        idle_seconds=settings.session_idle_seconds,
        secure=settings.secure_cookies,
        trusted_proxies=settings.trusted_proxies,
    )
    app.state.feeds = Feeds()  # the runs this process started (app/web/feeds.py)
    app.state.templates = make_templates(resource_dir("templates"), app)
    app.mount("/static", StaticFiles(directory=resource_dir("static")), name="static")

    from app.web import (
        routes_actions,
        routes_checks,
        routes_history,
        routes_probe,
        routes_profiles,
        routes_review,
        routes_steps,
    )

    # Specific paths first: /p/{name}/{step} would otherwise match /p/{name}/review. (The demo adds its
    # own /demo routes: app.demo.mount.)
    for module in (
        routes_profiles,
        routes_review,
        routes_history,
        routes_checks,
        routes_probe,
        routes_actions,
        routes_steps,
    ):
        app.include_router(module.router)
    from app import i18n

    app.include_router(i18n.router)  # GET /lang/{code}: the EN / 한국어 switcher

    app.add_middleware(SessionGuard)  # login, session cookie, security headers (app/web/guard.py)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.headers.get("hx-request") or not request.headers.get("accept", "").startswith("text/html"):
            return PlainTextResponse(str(exc.detail), status_code=exc.status_code)
        return app.state.templates.TemplateResponse(
            request, "error.html", {"status": exc.status_code, "detail": exc.detail}, status_code=exc.status_code
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {error_message(e)}" for e in exc.errors()
        )
        return PlainTextResponse(f"invalid request: {problems}", status_code=422)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception):  # never a traceback to the browser
        log.error("unhandled error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        if isinstance(exc, KeyError_):  # a wrong secret key: say so, it is the operator's to fix
            return PlainTextResponse(str(exc), status_code=500)
        return PlainTextResponse("internal error; see the server log", status_code=500)

    # Outermost: the body limit (also for chunked bodies), then the catcher that keeps exception text
    # out of uvicorn's log (Starlette's ServerErrorMiddleware would re-raise after our handler).
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    app.add_middleware(CatchAll)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon():  # pages link /static/favicon.svg; this answers browsers that ask anyway
        return RedirectResponse("/static/favicon.svg", status_code=308)

    app.add_middleware(Health)  # outermost: GET /healthz in one event-loop turn (app/web/health.py)

    return app
