"""Shared route helpers: the store, a profile by name (404 when unknown), redirects, rendering."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.answers import Answers
from app.i18n.message import msg
from app.store import NotFound, Store
from app.store.models import Profile
from app.web.auth import require_csrf

PROFILE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


async def get_store(request: Request) -> Store:
    # async: FastAPI runs a sync dependency in its thread pool, a thread hop per request (200 of them
    # contending for the GIL with the event loop when a fleet uploads) to read one attribute.
    return request.app.state.store


StoreDep = Annotated[Store, Depends(get_store)]
Csrf = Depends(require_csrf)


def load_profile(store: Store, name: str) -> tuple[Answers, Profile]:
    if not PROFILE_NAME.match(name):
        raise HTTPException(404, msg("unknown profile %(name)s", name=repr(name)))
    try:
        return store.get_profile(name)
    except NotFound:
        raise HTTPException(404, msg("unknown profile %(name)s", name=repr(name))) from None


def redirect(request: Request, url: str) -> Response:
    """303 for plain forms; HX-Redirect for htmx requests."""
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def render(request: Request, template: str, context: dict, status_code: int = 200, headers: dict | None = None):
    return request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status_code, headers=headers
    )
