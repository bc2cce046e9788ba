"""Hints on a page speak of what the page offers (#31 item 5): a timed-out check says "raise --timeout" in
the CLI's report, and "raise the timeout beside “Run checks”" on the step page, which has that setting."""

from __future__ import annotations

import re
import time

from app.checks import engine
from app.checks.engine import Check, passed
from app.web.hints import PAGE_HINTS, for_page
from tests.services.wizard import wait_until
from tests.test_i18n_messages import msg_templates

FLAG = re.compile(r"--[a-z]")


def test_every_hint_naming_a_cli_flag_has_a_page_wording():
    with_flags = {t for t in msg_templates() if "--timeout" in t}
    with_flags.add("Check that the service is reachable, or raise --timeout")  # the engine's fixed text
    assert with_flags - set(PAGE_HINTS) == set()
    assert not any(FLAG.search(page) for page in PAGE_HINTS.values())
    assert set(PAGE_HINTS.values()) <= msg_templates()  # extracted: each reads in Korean


def test_nested_hints_are_rewritten():
    from app.i18n.message import msg

    hint = msg("Re-run with a longer timeout (--timeout 60); if it still stalls: %(fix)s", fix="check the proxy")
    assert (
        str(for_page(hint))
        == "Re-run with a longer timeout (60 s beside “Run checks”); if it still stalls: check the proxy"
    )


def _sleepy(ctx):
    time.sleep(ctx.timeout + 1.5)
    return passed("late")


def test_a_timed_out_check_on_the_page_names_the_setting(client, monkeypatch):
    monkeypatch.setitem(engine.REGISTRY, "hardware.zz_sleepy", Check("hardware.zz_sleepy", "Sleepy", _sleepy))
    client.post_form("/profiles", {"name": "acme-slow"}, follow_redirects=False)
    page = client.get("/p/acme-slow/hardware").text
    assert 'name="timeout"' in page and 'data-testid="check-timeout"' in page  # the setting the hint names
    r = client.post(
        "/p/acme-slow/checks/hardware",
        data={"only": "hardware.zz_sleepy", "timeout": "1"},
        headers={"X-CSRF-Token": client.csrf},
    )
    assert r.status_code == 200

    def row():
        html = client.get("/p/acme-slow/checks/hardware").text
        m = re.search(r'<tr class="status-error" data-check="hardware.zz_sleepy".*?</tr>', html, re.S)
        return m.group(0) if m else None

    assert wait_until(lambda: row() is not None, timeout=30)
    html = row()
    assert "timed out after 1 s" in html
    assert "raise the timeout beside “Run checks”" in html and "--timeout" not in html


def test_the_page_refuses_a_timeout_out_of_range(client):
    client.post_form("/profiles", {"name": "acme-range"}, follow_redirects=False)
    r = client.post("/p/acme-range/checks/hardware", data={"timeout": "0"}, headers={"X-CSRF-Token": client.csrf})
    assert r.status_code == 422
