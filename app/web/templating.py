"""The one Jinja environment (autoescape on, gettext per request) and template helpers."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from app import i18n
from app.i18n.message import N_
from app.version import version
from app.web.forms import OPTION_LABELS, STEP_LEADS, STEP_TITLES

STEPS_NAV = ("hardware", "database", "object_store", "tls", "deploy", "review", "verify")  # verify: after installing
ICONS = {
    "pass": "✔",
    "warn": "▲",
    "fail": "✖",
    "skip": "○",
    "error": "!",
    "pending": "…",
    "never": "·",
    "saved": "•",
    "new": "·",
}
# The words of the same states on a badge (catalog msgids).
STATES = {
    "pass": N_("pass"),
    "warn": N_("warn"),
    "fail": N_("fail"),
    "skip": N_("skip"),
    "error": N_("error"),
    "pending": N_("pending"),
    "never": N_("never"),
    "saved": N_("saved"),
    "new": N_("new"),
}


class Templates(Jinja2Templates):
    """Jinja2Templates that renders every page in the request's language (context variable `lang`)."""

    def TemplateResponse(self, request: Request, name: str, context: dict | None = None, *args, **kw):  # noqa: N802
        context = dict(context or {})
        context.setdefault("lang", i18n.choose(request, profile_language(request, context)))
        return super().TemplateResponse(request, name, context, *args, **kw)


def profile_language(request: Request, context: dict) -> str | None:
    """The `language` of the profile a page shows: from its answers, else loaded by the route's name."""
    answers = context.get("answers")
    if answers is not None:
        return getattr(answers, "language", None)
    name = request.path_params.get("name")
    if not name or request.cookies.get(i18n.COOKIE):  # the cookie wins anyway: skip the lookup
        return None
    try:
        answers, _ = request.app.state.store.get_profile(name)
    except Exception:  # unknown or unreadable profile: its error page falls back to the browser's language
        return None
    return getattr(answers, "language", None)


def make_templates(directory: Path, app) -> Jinja2Templates:
    templates = Templates(directory=str(directory))
    env = templates.env
    i18n.install(env)
    env.globals.update(STEPS_NAV=STEPS_NAV, ICONS=ICONS, STATES=STATES)
    env.globals.update(STEP_TITLES=STEP_TITLES, OPTION_LABELS=OPTION_LABELS, STEP_LEADS=STEP_LEADS)
    env.globals["csrf"] = csrf
    env.globals["demo"] = lambda: app.state.settings.demo
    from app.applicability import fold
    from app.web.skip_controls import skip_control

    env.globals["wbsetup_version"] = version()
    env.globals["skip_control"] = skip_control
    env.globals["fold_rows"] = fold  # checks that do not apply: one line per reason
    from app.sizing import recommend

    env.globals["recommend_resources"] = recommend  # the Hardware page's sizing advice (app/sizing.py)
    # The path of a route by its name (the endpoint function): a path, not Starlette's absolute URL,
    # because behind a TLS-terminating proxy the request's own scheme and host are not the browser's.
    env.globals["url_for"] = lambda name, /, **params: str(app.url_path_for(name, **params))
    env.filters["breakable"] = breakable
    env.filters["hint_html"] = hint_html
    from app.web.hints import for_page

    env.filters["page_hint"] = for_page  # the CLI's flags become the page's controls (app/web/hints.py)
    env.globals["check_timeout"] = lambda: app.state.settings.check_timeout
    env.trim_blocks = True
    env.lstrip_blocks = True
    return templates


_COMMAND = re.compile(r"^(GRANT|SET|ALTER|CREATE|DROP|helm|kubectl|mc|aws|ufw|openssl|docker|apt-get|curl|wbsetup)\b")


def hint_html(hint: str) -> Markup:
    """A hint for reading: prose as text with its `backticked` parts as code; a bare command or SQL
    statement as code."""
    text = str(hint)
    if _COMMAND.match(text):
        return Markup('<code class="hint-text">{}</code>').format(text)
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: keep the text as it is
        parts = [text]
    html = "".join(str(escape(p)) if i % 2 == 0 else f"<code>{escape(p)}</code>" for i, p in enumerate(parts))
    return Markup(f'<span class="hint-text">{html}</span>')


def breakable(identifier: str) -> Markup:
    """An identifier (check id, field path) that may wrap after its dots and underscores, never mid-word."""
    text = str(escape(identifier))
    return Markup(text.replace(".", ".<wbr>").replace("_", "_<wbr>"))


def csrf(request: Request) -> str:
    sid = getattr(request.state, "sid", None)
    return request.app.state.auth.csrf_token(sid) if sid else ""
