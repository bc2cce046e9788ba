"""The History page (SPEC §7 "Revisions"): revisions newest first, 50 a page, the bundle diff between any
two (secrets never shown), restoring one as a new revision; and in Debian's Chromium with screenshots
(test-results/screenshots/history-*.png)."""

from __future__ import annotations

import pytest

from app.answers import parse_document
from app.artifacts.redact import encodings
from tests import factories as f
from tests.services.wizard import TOKEN

PASSWORD, NEW_PASSWORD = "hist-Pa55/wörd-distinctive", "hist-second-distinctive-7"


def _doc(**deploy):
    return f.answers_doc(
        f.MINIMAL,
        profile="acme",
        host="https://wandb.acme.internal",
        license="lic-history-distinctive-0000",
        database={"host": "db.acme.internal", "password": PASSWORD},
        deploy={"target": "kubernetes", "version": "0.70.0", **deploy},
    )


def _seed(store):
    store.save_answers(parse_document(_doc()), replace=True)
    store.save_answers(parse_document(_doc(replicas=2, redis_url="redis://r:6379")))
    doc = _doc(replicas=2, redis_url="redis://r:6379")
    doc["database"]["password"] = NEW_PASSWORD
    store.save_answers(parse_document(doc))


def _no_secret(text):
    for value in (PASSWORD, NEW_PASSWORD, "lic-history-distinctive-0000"):
        for form in encodings(value):
            assert form not in text


def test_history_lists_diffs_and_restores(client):
    store = client.app.state.store
    _seed(store)
    page = client.get("/p/acme/history")
    assert page.status_code == 200
    rows = page.text.split('data-revision="')[1:]
    assert [r.split('"')[0] for r in rows] == ["3", "2", "1"]  # newest first
    assert "database.password" in rows[0] and "deploy.replicas" in rows[1]
    diff = client.get("/p/acme/history?a=1&b=3").text
    assert "+  replicas: 2" in diff and "${WANDB_DB_PASSWORD@new}" in diff and "database.password" in diff
    _no_secret(diff)
    assert "The bundle is the same" in client.get("/p/acme/history?a=2&b=2").text
    assert client.get("/p/acme/history?a=1&b=99").status_code == 404
    r = client.post_form("/p/acme/history/restore", {"revision": "1", "version": "3"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/p/acme/history?restored=1&a=1&b=4"
    revs = store.list_revisions("acme")
    assert (revs[-1].version, revs[-1].source) == (4, "restore")
    assert set(revs[-1].changed) == {"database.password", "deploy.redis_url", "deploy.replicas"}
    answers = store.get_answers("acme")
    assert answers.deploy.replicas == 1 and answers.database.password.get_secret_value() == PASSWORD
    stale = client.post_form("/p/acme/history/restore", {"revision": "2", "version": "3"})
    assert stale.status_code == 409 and "by restore" in stale.text  # a stale restore saves nothing
    assert client.get("/p/acme/database").text.count("/p/acme/history") >= 1  # linked from the stepper


def test_history_is_paged_by_50(client):
    store = client.app.state.store
    store.save_answers(parse_document(_doc()), replace=True)
    for i in range(2, 61):
        store.save_answers(parse_document(_doc(replicas=i % 3 + 1)))
    first = client.get("/p/acme/history").text
    assert first.count('data-revision="') == 50 and 'data-revision="60"' in first and "Page 1 of 2" in first
    second = client.get("/p/acme/history?page=2").text
    assert second.count('data-revision="') == 10 and 'data-revision="1"' in second


@pytest.mark.browser
def test_history_in_the_browser(live_server, page):
    from tests.test_browser import shot

    _seed(live_server.app.state.store)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/login?token={TOKEN}&next=/p/acme/review")
    page.click("[data-testid=history-link]")
    assert page.url.endswith("/p/acme/history")
    page.fill("input[name=a]", "1")
    page.fill("input[name=b]", "3")
    page.click("[data-testid=compare-form] button")
    page.wait_for_selector("[data-testid=bundle-diff]")
    assert "database.password" in page.inner_text("[data-testid=secret-changes]")
    _no_secret(page.content())
    shot(page, "history-diff")
    page.click("[data-testid=restore-1]")
    page.wait_for_selector("[data-testid=restored]")
    assert page.locator("[data-testid=revisions] tbody tr").count() == 4
    shot(page, "history-restored")
