"""Every page loads in Debian's Chromium without a failed request or a console error (e.g. the
browser's own favicon request answered 404)."""

from __future__ import annotations

import pytest

from app.web.routes_steps import PAGE_STEPS
from tests.services.wizard import TOKEN

pytestmark = pytest.mark.browser


def test_pages_log_no_404_in_the_console(live_server, page):
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: failed.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.goto(f"{live_server.url}/login")
    page.goto(f"{live_server.url}/login?token={TOKEN}")
    page.fill("#new-name", "console")
    page.click("text=Create")
    icons = []
    for lang in ("en", "ko"):
        page.goto(f"{live_server.url}/lang/{lang}?next=/")
        for path in ("/", *(f"/p/console/{s}" for s in PAGE_STEPS), "/p/console/review"):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            icons.append(page.evaluate("() => document.querySelector('link[rel=icon]')?.href"))
    assert failed == [], failed
    assert set(icons) == {f"{live_server.url}/static/favicon.svg"}
    assert page.request.get(f"{live_server.url}/static/favicon.svg").headers["content-type"] == "image/svg+xml"
    icon = page.request.get(f"{live_server.url}/favicon.ico")  # asked by browsers for non-HTML pages
    assert icon.ok and icon.url.endswith("/static/favicon.svg")
