"""Results reach the page as each check finishes: the run's Server-Sent Events carry one row per
result (only that row is swapped), the progress line, and the final panel; a page whose events do
not get through (a buffering proxy) falls back to polling."""

from __future__ import annotations

import asyncio
import re
import threading

import pytest

from app.checks.engine import checks_for
from app.web import runs
from tests.services.wizard import TOKEN


@pytest.fixture(autouse=True)
def answer_at_once(monkeypatch):
    """ "Run checks" answers without waiting for quick results, so every run here streams."""
    from app.web import routes_checks

    monkeypatch.setattr(routes_checks, "QUICK", 0.0)


@pytest.fixture
def held(monkeypatch):
    """A run's checks start only once the "Run checks" answer is rendered, so the answer streams
    however loaded the machine is (the hardware checks are pure: unheld, they can finish first)."""
    from app.web import routes_checks

    answered = threading.Event()
    panel, run_checks = routes_checks._panel, runs.run_checks

    def answer(*args, **kwargs):
        try:
            return panel(*args, **kwargs)
        finally:
            answered.set()

    async def held(*args, **kwargs):
        await asyncio.to_thread(answered.wait, 30)
        return await run_checks(*args, **kwargs)

    monkeypatch.setattr(routes_checks, "_panel", answer)
    monkeypatch.setattr(runs, "run_checks", held)


def _events(text: str) -> list[tuple[str, str]]:
    out = []
    for block in text.split("\n\n"):
        lines = block.splitlines()
        name = next((line[7:] for line in lines if line.startswith("event: ")), None)
        if name:
            out.append((name, "\n".join(line[6:] for line in lines if line.startswith("data: "))))
    return out


def _start(client, step: str) -> str:
    started = client.post(f"/p/acme/checks/{step}", headers={"X-CSRF-Token": client.csrf})
    assert started.status_code == 200
    assert 'hx-ext="sse"' in started.text and "hx-trigger" not in started.text  # streams, does not poll
    return re.search(r'sse-connect="/p/acme/checks/' + step + r'/events\?run=(\d+)"', started.text).group(1)


def test_stream_carries_one_row_per_result_then_the_panel(client, held):
    client.create("acme")
    run = _start(client, "hardware")
    with client.stream("GET", f"/p/acme/checks/hardware/events?run={run}") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["x-accel-buffering"] == "no"  # nginx: do not buffer the stream
        body = "".join(r.iter_text())
    events = _events(body)
    names = [n for n, _ in events]
    assert names[0] == "hello" and names[-1] == "done"
    rows = {n[4:]: html for n, html in events if n.startswith("row:")}
    assert set(rows) == {c.id for c in checks_for(["hardware"])}
    for check_id, html in rows.items():
        assert html.count("<tr") == 1 and f'data-check="{check_id}"' in html  # just that row
        assert 'data-status="pending"' not in html
    done = dict(events)["done"]
    assert done.startswith('<section id="checks"') and "sse-connect" not in done  # the final panel
    assert 'id="stepper"' in done and "hx-swap-oob" in done  # with the stepper's new states


def test_stream_of_a_run_from_another_process_reads_the_store(client, held):
    client.create("acme")
    run = _start(client, "hardware")
    app = client.app
    with client.stream("GET", f"/p/acme/checks/hardware/events?run={run}") as r:  # finish the run first
        "".join(r.iter_text())
    runs.feeds(app).pop(int(run))  # as if another wizard replica had run it
    with client.stream("GET", f"/p/acme/checks/hardware/events?run={run}") as r:
        names = [n for n, _ in _events("".join(r.iter_text()))]
    assert names[0] == "hello" and names[-1] == "done"
    assert len([n for n in names if n.startswith("row:")]) == len(checks_for(["hardware"]))


def test_stream_of_an_unknown_or_foreign_run_is_404(client, held):
    client.create("acme")
    client.create("other")
    run = _start(client, "hardware")
    assert client.get("/p/acme/checks/hardware/events?run=99999").status_code == 404
    assert client.get(f"/p/other/checks/hardware/events?run={run}").status_code == 404
    assert client.get("/p/acme/checks/nope/events?run=1").status_code == 404


def test_a_step_that_finishes_at_once_comes_back_finished(client, monkeypatch):
    from app.web import routes_checks

    monkeypatch.setattr(routes_checks, "QUICK", 5.0)  # hardware checks take milliseconds
    client.create("acme")
    started = client.post("/p/acme/checks/hardware", headers={"X-CSRF-Token": client.csrf})
    assert "sse-connect" not in started.text and 'data-status="pending"' not in started.text
    assert "hx-swap-oob" in started.text  # the stepper follows


def test_polling_panel_is_the_fallback(client, held):
    client.create("acme")
    run = _start(client, "deploy")
    panel = client.get(f"/p/acme/checks/deploy?run={run}").text.split("<table")[0]
    if "aria-busy" in panel:  # still running: the GET panel polls itself, it never opens a stream
        assert 'hx-trigger="every 400ms"' in panel and "sse-connect" not in panel


@pytest.mark.browser
def test_browser_streams_rows_without_polling(live_server, page):
    page.goto(f"{live_server.url}/login?token={TOKEN}")
    page.fill("#new-name", "acme")
    page.click("text=Create")
    polls = []
    page.on("request", lambda req: polls.append(req.url) if re.search(r"/checks/hardware\?run=", req.url) else None)
    with page.expect_response(lambda r: r.request.method == "POST" and "/checks/" in r.url):
        page.click("[data-testid=run-checks]")
    page.wait_for_function(
        "() => { const c = document.querySelector('#checks');"
        " return c && !c.hasAttribute('sse-connect') && !c.hasAttribute('hx-get')"
        " && !c.querySelector('[data-status=pending]'); }",
        timeout=20000,
    )
    assert polls == []
    assert page.locator("#checks tr[data-check]").count() == len(checks_for(["hardware"]))
    assert page.locator("#checks [data-testid=run-checks]:not([disabled])").count() == 1


@pytest.mark.browser
def test_browser_falls_back_to_polling_when_events_are_held_back(live_server, page):
    page.goto(f"{live_server.url}/login?token={TOKEN}")
    page.fill("#new-name", "acme")
    page.click("text=Create")
    held = []
    page.route(re.compile(r".*/events\?run=.*"), lambda route: held.append(route))  # a buffering proxy: nothing comes
    polls = []
    page.on("request", lambda req: polls.append(req.url) if re.search(r"/checks/hardware\?run=", req.url) else None)
    with page.expect_response(lambda r: r.request.method == "POST" and "/checks/" in r.url):
        page.click("[data-testid=run-checks]")
    page.wait_for_function(
        "() => { const c = document.querySelector('#checks');"
        " return c && !c.hasAttribute('sse-connect') && !c.hasAttribute('hx-get')"
        " && !c.querySelector('[data-status=pending]'); }",
        timeout=20000,
    )
    assert held and polls, (held, polls)
    assert page.locator("#checks tr[data-check][data-status=pending]").count() == 0


@pytest.mark.browser
def test_browser_keeps_streaming_when_the_first_result_takes_long(live_server, page, monkeypatch):
    """ "hello" arrives at once, so a step whose first result takes longer than the fallback's
    2 s keeps its event stream (no polling)."""
    import dataclasses
    import time as _time

    from app.checks.engine import REGISTRY

    def slowed(fn):
        def slow(ctx):
            _time.sleep(2.5)
            return fn(ctx)

        return slow

    for check in checks_for(["hardware"]):
        monkeypatch.setitem(REGISTRY, check.id, dataclasses.replace(check, fn=slowed(check.fn)))
    page.goto(f"{live_server.url}/login?token={TOKEN}")
    page.fill("#new-name", "acme")
    page.click("text=Create")
    polls = []
    page.on("request", lambda req: polls.append(req.url) if re.search(r"/checks/hardware\?run=", req.url) else None)
    with page.expect_response(lambda r: r.request.method == "POST" and "/checks/" in r.url):
        page.click("[data-testid=run-checks]")
    page.wait_for_function(
        "() => { const c = document.querySelector('#checks');"
        " return c && !c.hasAttribute('sse-connect') && !c.hasAttribute('hx-get')"
        " && !c.querySelector('[data-status=pending]'); }",
        timeout=20000,
    )
    assert polls == []
