"""The web's "Download support bundle" (Verify and review pages): a CSRF-protected POST starts the
collection in a worker thread, the panel polls its progress, then offers the archive — the same layout
as `wbsetup support-bundle`'s, with the profile's stored check runs and node reports."""

from __future__ import annotations

import html
import io
import json
import re
import tarfile
import time

from app.answers import parse_document
from app.demo.kube_objects import pod
from app.support.run import make_bundle
from tests.bundle_corpus import plain_document


def _files(data: bytes) -> dict[str, str]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        return {
            n.split("/", 1)[1]: tf.extractfile(n).read().decode() for n in tf.getnames() if tf.getmember(n).isfile()
        }


def _wait(client, url: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        html = client.get(url).text
        if 'hx-trigger="every 1s"' not in html:
            return html
        time.sleep(0.2)
    raise AssertionError("the support bundle did not finish")


def test_verify_page_download_is_the_same_archive_with_stored_runs(client, wizard_app, kube):
    doc = plain_document(deploy={"target": "kubernetes", "version": "0.70.0", "kubeconfig": kube.kubeconfig()})
    kube.state.pods = [pod("wandb-1", {}, state="crash", restarts=3)]
    kube.state.logs = {"wandb-1": ["Access denied for user 'wandb_local'@'x' db-pass-4d2e1b"]}
    kube.state.previous_logs = {"wandb-1": ["Access denied for user 'wandb_local'@'x'"]}
    store = wizard_app.state.store
    store.save_answers(parse_document(doc), replace=True, last_step="verify")
    run = store.start_run("acme-prod", "hardware", "d" * 64, 1)
    store.add_result(
        run,
        {"id": "hardware.memory", "step": "hardware", "status": "pass", "title": "Memory", "message": "", "hint": ""},
    )
    store.finish_run(run)

    for page in ("/p/acme-prod/verify", "/p/acme-prod/review"):
        assert 'data-testid="support-start"' in client.get(page).text, page
    assert client.post("/p/acme-prod/support-bundle").status_code == 403  # no CSRF token
    started = client.post_form("/p/acme-prod/support-bundle")
    assert started.status_code == 200 and 'data-testid="support-progress"' in started.text
    poll = re.search(r'hx-get="(/p/acme-prod/support-bundle/[^"]+)"', started.text).group(1)
    done = _wait(client, poll)
    assert "wandb-1" in done and "database password in the Secret differs" in done  # the analysis, on the page
    assert "db-pass-4d2e1b" not in done
    link = re.search(r'href="(/p/acme-prod/support-bundle/[^"]+/download)"', done).group(1)
    r = client.get(link)
    assert r.status_code == 200 and r.headers["content-type"] == "application/gzip"
    name = re.search(r'filename="([^"]+)"', r.headers["content-disposition"]).group(1)
    assert re.fullmatch(r"acme-prod-support-\d{8}T\d{6}Z\.tar\.gz", name)
    web = _files(r.content)
    cli = _files(make_bundle(parse_document(doc), timeout=15).data)
    assert set(web) == set(cli)  # the same archive layout
    # The same contents, but for what the web adds (the stored runs) and what depends on the moment: the
    # README's time and its list of the report, the checks' durations.
    assert sorted(p for p in web if web[p] != cli[p]) == ["README.md", "report/history.json", "report/validation.json"]
    assert json.loads(cli["report/history.json"]) == []

    def timeless(text: str) -> dict:
        doc = json.loads(text)
        doc.pop("duration_ms")
        for check in doc["checks"]:
            check.pop("duration_ms")
        return doc

    assert timeless(web["report/validation.json"]) == timeless(cli["report/validation.json"])
    history = json.loads(web["report/history.json"])
    assert [h["id"] for h in history][-1] == run and history[-1]["checks"][0]["id"] == "hardware.memory"
    assert all("db-pass-4d2e1b" not in text for text in web.values())
    assert client.get(poll.replace("/support-bundle/", "/support-bundle/nope")).status_code == 404


def test_support_panel_in_korean(client, wizard_app):
    doc = plain_document(language="ko", deploy={"target": "docker-compose", "version": "0.70.0"})
    wizard_app.state.store.save_answers(parse_document(doc), replace=True, last_step="verify")
    html = client.get("/p/acme-prod/verify").text
    assert "지원 번들" in html


def test_another_replica_shows_the_progress_and_serves_the_archive(tmp_path, client, wizard_app, kube):
    """SPEC §7 "Several replicas": the bundle lives in the state store, so a poll or the download that the load
    balancer sends to another wizard process (same state store, same key) finds it; its analysis (messages with
    their values redacted) renders there, in the reader's language too."""
    from app.main import create_app
    from tests.services.wizard import TOKEN, Client, make_settings

    doc = plain_document(deploy={"target": "kubernetes", "version": "0.70.0", "kubeconfig": kube.kubeconfig()})
    kube.state.pods = [pod("wandb-1", {}, state="crash", restarts=3)]
    kube.state.previous_logs = {"wandb-1": ["Access denied for user 'wandb_local'@'x' using db-pass-4d2e1b"]}
    wizard_app.state.store.save_answers(parse_document(doc), replace=True, last_step="verify")
    started = client.post_form("/p/acme-prod/support-bundle")
    poll = re.search(r'hx-get="(/p/acme-prod/support-bundle/[^"]+)"', started.text).group(1)
    other = create_app(make_settings(tmp_path, check_timeout=3.0), token=TOKEN)  # the same state.db and key
    with Client(other) as b:
        b.login()
        assert 'data-testid="support-progress"' in b.get(poll).text or "support-download" in b.get(poll).text
        done = _wait(b, poll)
        assert "wandb-1" in done and "database password in the Secret differs" in done
        assert "db-pass-4d2e1b" not in done
        link = re.search(r'href="(/p/acme-prod/support-bundle/[^"]+/download)"', done).group(1)
        from_b, from_a = b.get(link), client.get(link)
        assert from_b.status_code == 200 and from_b.content == from_a.content  # one archive, wherever it is asked
        assert all("db-pass-4d2e1b" not in text for text in _files(from_b.content).values())
        b.get("/lang/ko?next=/", follow_redirects=False)
        korean = b.get(poll).text
        assert "지원 번들" in korean
        # a finding that quotes a check (W&B not ready ← verify.rollout) quotes it in the page's language too
        assert "W&amp;B가 준비되지 않았습니다" in korean and "W&amp;B is not deployed there" not in korean
        assert "Deploy it:" not in korean  # the check's hint, in Korean too
    # the newest few are kept per profile: a pruned or unknown bundle is a 404 naming what to do
    assert client.get(poll + "x").status_code == 404


def test_a_failed_job_says_why_without_quoting_what_it_read(client, wizard_app, monkeypatch):
    """The collectors fail one by one into errors.json; a job that fails as a whole shows the store's
    key error in its own words (the operator's fix), and of any other error only its type."""
    from app.store.crypto import WRONG_KEY, KeyError_
    from app.support import run as support_run

    doc = plain_document(deploy={"target": "docker-compose", "version": "0.70.0"})
    wizard_app.state.store.save_answers(parse_document(doc), replace=True, last_step="verify")
    for raised, shown, hidden in (
        (KeyError_(WRONG_KEY), html.escape(WRONG_KEY), None),  # whole: it fits the stored 255 characters
        (ValueError("db-pass-4d2e1b could not be parsed"), "ValueError", "db-pass-4d2e1b"),
    ):

        def fail(*args, exc=raised, **kw):
            raise exc

        monkeypatch.setattr(support_run, "make_bundle", fail)
        started = client.post_form("/p/acme-prod/support-bundle")
        poll = re.search(r'hx-get="(/p/acme-prod/support-bundle/[^"]+)"', started.text)
        done = _wait(client, poll.group(1)) if poll else started.text  # it may have failed already
        assert "The support bundle could not be made" in done and shown in done, done
        assert hidden is None or hidden not in done
