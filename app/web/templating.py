"""The one Jinja environment (autoescape on) and template helpers."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from app.web.forms import STEP_TITLES

STEPS_NAV = ("hardware", "database", "object_store", "tls", "deploy", "review")
ICONS = {"pass": "✔", "warn": "▲", "fail": "✖", "skip": "○", "error": "!", "pending": "…", "never": "·",
         "saved": "•", "new": "·"}


def make_templates(directory: Path, app) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(directory))
    env = templates.env
    env.globals.update(STEPS_NAV=STEPS_NAV, STEP_TITLES=STEP_TITLES, ICONS=ICONS, csrf=csrf, demo=lambda: app.state.settings.demo)
    env.trim_blocks = True
    env.lstrip_blocks = True
    return templates


def csrf(request: Request) -> str:
    sid = getattr(request.state, "sid", None)
    return request.app.state.auth.csrf_token(sid) if sid else ""
