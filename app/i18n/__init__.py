"""UI languages (English, Korean): the gettext catalogs, the language of each request and the switcher.

The Korean catalog is app/i18n/locale/ko/LC_MESSAGES/messages.po. It is compiled in memory (Babel) the first
time it is needed, so there is no build step and no binary file in the repository; `make i18n`
re-extracts the message ids (pybabel extract/update) for maintainers.

A request's language, first match wins: the `lang` cookie (set by the EN / 한국어 switcher), the
profile's `language` on profile pages, the browser's Accept-Language, English. Only the UI is
translated: `wbsetup validate`, reports and check ids stay English. Messages with values are `Msg`
(app/i18n/message.py): the UI translates their template and fills in the values as they are; stored
results keep the English text and, beside it, the template and values.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.i18n.message import render

# Babel, Jinja and FastAPI load when first used, not with the package: every check module imports
# app.i18n.message, and the CLI (`wbsetup validate`) needs none of them (bench/README.md, CLI start).
if TYPE_CHECKING:
    from fastapi import APIRouter, Request

LOCALES = ("en", "ko")
DEFAULT = "en"
COOKIE = "lang"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
COOKIE_MAX_AGE = 365 * 24 * 3600


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


@cache
def catalog(lang: str):
    """The Babel catalog of `lang` read from its .po file (None for English, the source language)."""
    path = po_path(lang)
    if lang == DEFAULT or not path.exists():
        return None
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """gettext translations for `lang`, compiled in memory from the .po (English: identity)."""
    cat = catalog(lang)
    if cat is None:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def supported(code: str | None) -> str | None:
    """`code` when it names a supported UI language (case-insensitive, region ignored), else None."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LOCALES else None


def from_accept_language(header: str | None) -> str | None:
    """The best supported language of an Accept-Language header (q-values honoured), or None."""
    if not header:
        return None
    weighted = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if tag and q > 0:
            weighted.append((-q, i, tag.strip().replace("-", "_")))
    preferred = [t for _, _, t in sorted(weighted)]
    from babel import Locale

    found = Locale.negotiate(preferred, list(LOCALES), sep="_") if preferred else None
    return supported(str(found)) if found else None


def choose(request: Request, profile_language: str | None = None) -> str:
    """The language of this request: cookie, then the profile's `language`, then Accept-Language, else en."""
    return (
        supported(request.cookies.get(COOKIE))
        or supported(profile_language)
        or from_accept_language(request.headers.get("accept-language"))
        or DEFAULT
    )


def gettext_for(lang: str, message: str) -> str:
    return translations(lang).gettext(message) if message else message


def jinja_gettext(ctx, message: str) -> str:
    """gettext for templates: translates into the `lang` of the rendering context."""
    return gettext_for(ctx.get("lang") or DEFAULT, message)


def jinja_ngettext(ctx, singular: str, plural: str, n: int) -> str:
    return translations(ctx.get("lang") or DEFAULT).ngettext(singular, plural, n)


def message_translator(lang: str):
    """A function putting a text into `lang`: a `Msg` as gettext(template) % values (values never
    translated; nested messages and lists rendered the same way), a plain text looked up whole (a fixed
    text declared with N_(), or the English of a result stored before messages were structured, shown
    as it is)."""
    tr = translations(lang)
    return lambda message: render(message, tr)


def jinja_tr(ctx, message) -> str:
    """`tr(text)` in the templates, the one way a runtime text reaches the page (a field or check title,
    a check message or hint, an action result, a form error): `message_translator` of the context's
    language. Unlike _(), the result is not markup, so autoescape still applies to it."""
    if not message:
        return message or ""
    return message_translator(ctx.get("lang") or DEFAULT)(message)


def install(env) -> None:
    """Enable {% trans %}, _() and tr() in `env`, translating per render from the context's `lang`."""
    from jinja2 import pass_context  # marks each callable as taking the rendering context (in place)

    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(pass_context(jinja_gettext), pass_context(jinja_ngettext), newstyle=True)
    env.globals["tr"] = pass_context(jinja_tr)


def safe_next(target: str | None) -> str:
    """Only a local absolute path may follow the switcher (no scheme, host or `//`): no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(c) < 0x20 for c in target):  # header injection
        return "/"
    return target


def switch(request: Request, code: str, next: str = "/"):  # noqa: A002 - `next` is the query name
    """Remember the chosen UI language in a cookie and go back to the page it was chosen on."""
    from fastapi.responses import RedirectResponse

    response = RedirectResponse(safe_next(next), status_code=303)
    lang = supported(code)
    if lang is None:
        response.delete_cookie(COOKIE, path="/")
    else:
        secure = bool(getattr(request.app.state.settings, "secure_cookies", False))
        response.set_cookie(
            COOKIE, lang, max_age=COOKIE_MAX_AGE, path="/", samesite="lax", httponly=True, secure=secure
        )
    return response


def __getattr__(name: str) -> Any:
    """`router` (GET /lang/{code}, the switcher), made with FastAPI when the web app first asks for it."""
    if name != "router":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from fastapi import APIRouter, Request

    globals()["Request"] = Request  # FastAPI resolves switch()'s annotations in this module's globals
    router = APIRouter()
    router.add_api_route("/lang/{code}", switch, methods=["GET"])
    globals()["router"] = router
    return router


if TYPE_CHECKING:
    router: APIRouter
