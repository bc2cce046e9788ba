"""Accessibility: axe-core (npm, installed by `make test` into .test-deps/) run in Debian's Chromium
on every page of the wizard; no serious or critical violation is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories as f
from tests.services.wizard import TOKEN
from tests.test_scale import fleet

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parent.parent / ".test-deps" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = [
    "/",
    "/p/a11y/hardware",
    "/p/a11y/database",
    "/p/a11y/object_store",
    "/p/a11y/tls",
    "/p/a11y/deploy",
    "/p/a11y/review",
    "/p/a11y/verify",
]


@pytest.fixture
def browser_context_args(browser_context_args):
    # axe is injected as a script; the wizard's CSP (script-src 'self') would block it.
    return {**browser_context_args, "bypass_csp": True}


def violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_page_has_no_serious_violations(live_server, page, lang):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make test` (it installs axe-core from npm)")
    page.set_extra_http_headers({"Accept-Language": lang})
    page.goto(f"{live_server.url}/login?token={TOKEN}")
    page.fill("#new-name", "a11y")
    page.click("form[action='/profiles'] button[type=submit]")
    page.wait_for_url("**/p/a11y/hardware")
    store = live_server.app.state.store  # a fleet (counts, filter, pager) and a paged profile list
    for r in fleet(60):
        store.add_node_report("a11y", {**r, "profile": "a11y"})
    for i in range(26):
        store.create_profile(f.answers(f.MINIMAL, profile=f"site-{i:02d}"))
    found = {}
    for path in PAGES + ["/p/a11y/deploy?nodes=fail&role=app&q=gpu", "/?page=2&q=site"]:
        page.goto(live_server.url + path)
        if bad := violations(page):
            found[path] = bad
    assert found == {}
