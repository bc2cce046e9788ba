"""The Verify page in Debian's Chromium, in English and Korean, against the W&B stand-in behind real
nginx (the bundle's nginx.conf) and the Kubernetes API stand-in. Screenshots go to
test-results/screenshots/verify-*.png."""

from __future__ import annotations

import pytest

from app.answers import parse_document
from app.artifacts.kubernetes import LABELS
from tests import factories as f
from tests.services.kube_pods import pod
from tests.services.wizard import TOKEN
from tests.test_browser import SHOTS, run_checks, save, shot, status

pytestmark = pytest.mark.browser
API_KEY = "browser-key-" + "b" * 28


def _store(live_server, name: str, host: str, ca_pem: str, kubeconfig: str, language: str) -> None:
    doc = f.answers_doc(
        f.MINIMAL,
        profile=name,
        language=language,
        host=host,
        license="lic-browser-test-0000",
        database={"password": "db-Pa55/word"},
        tls={"mode": "provided", "ca_pem": ca_pem},
        deploy={"target": "kubernetes", "version": "0.70.0", "namespace": "wandb", "kubeconfig": kubeconfig},
    )
    live_server.app.state.store.save_answers(parse_document(doc), replace=True, last_step="review")


def test_verify_page_english(live_server, page, wandb_site, kube):
    host, ca_pem, _ = wandb_site(API_KEY)
    kube.state.pods = [pod("wandb-6f7c9-abcde", LABELS, state="crash", restarts=4)]
    kube.state.logs = {
        "wandb-6f7c9-abcde": [
            "2026-01-05T08:00:00Z INFO starting W&B local 0.70.0",
            "2026-01-05T08:00:01Z INFO connecting to mysql://wandb_local:db-Pa55%2Fword@mysql.acme.internal:3306/wandb_local",
            "2026-01-05T08:00:04Z ERROR dial tcp 10.0.0.7:3306: connect: connection refused",
            "2026-01-05T08:00:04Z FATAL cannot reach the database; exiting",
        ]
    }
    _store(live_server, "acme-prod", host, ca_pem, kube.kubeconfig(), "en")
    page.goto(f"{live_server.url}/login?token={TOKEN}&next=/p/acme-prod/review")
    page.click("[data-testid=next]")  # the review leads to the Verify page
    assert page.url.endswith("/p/acme-prod/verify")
    assert page.locator("#stepper li.current .num").inner_text() == "7"
    assert page.get_attribute("#f-verify-api_key", "type") == "password"
    page.fill("#f-verify-api_key", API_KEY)
    save(page)
    assert API_KEY not in page.content()  # saved secrets are never sent back
    run_checks(page)
    for check_id in (
        "verify.reach",
        "verify.tls",
        "verify.health",
        "verify.ready",
        "verify.proxy_body",
        "verify.login",
        "verify.version",
    ):
        assert status(page, check_id) == "pass", (check_id, page.inner_text(f"#checks tr[data-check='{check_id}']"))
    assert status(page, "verify.rollout") == "fail"
    row = page.inner_text("#checks tr[data-check='verify.rollout']")
    assert "CrashLoopBackOff" in row and "FATAL cannot reach the database" in row
    assert "db-Pa55" not in row and "mysql://wandb_local:********@" in row  # the password is scrubbed
    shot(page, "verify-en")
    # ignore the failing rollout with a reason, then re-run one check alone
    page.click("#checks tr[data-check='verify.rollout'] summary")
    page.fill("#reason-verify\\.rollout", "database moves tonight")
    with page.expect_response(lambda r: "/ignore" in r.url):
        page.click("#checks tr[data-check='verify.rollout'] form button")
    # the answer arrived; htmx swaps it in right after: wait for the row it brings (fails if never warn)
    page.wait_for_selector("#checks tr[data-check='verify.rollout'][data-status=warn]", timeout=10000)
    assert status(page, "verify.rollout") == "warn"
    assert "database moves tonight" in page.inner_text("#checks tr[data-check='verify.rollout']")
    with page.expect_response(lambda r: r.request.method == "POST" and "/checks/verify" in r.url):
        page.click("#checks tr[data-check='verify.ready'] button:has-text('Re-run')")
    page.wait_for_function("() => !document.querySelector('#checks').hasAttribute('hx-get')", timeout=20000)
    assert status(page, "verify.ready") == "pass"
    page.goto(f"{live_server.url}/p/acme-prod/review")
    assert page.get_attribute("tr[data-check='verify.login']", "data-status") == "pass"
    assert page.get_attribute("tr[data-check='verify.rollout']", "data-status") == "warn"
    verify = page.locator("details[data-section='results-verify']")  # folded: a warning does not open it
    verify.locator("> summary").click()
    assert verify.get_attribute("open") is not None
    verify.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "verify-review-en.png"))  # the viewport at the results, not the whole page


def test_verify_page_korean(live_server, page, wandb_site, kube):
    host, ca_pem, _ = wandb_site(
        API_KEY, ready_status=503, edit=lambda conf: conf.replace("client_max_body_size 0;", "client_max_body_size 1m;")
    )
    kube.state.pods = [
        pod("wandb-6f7c9-abcde", LABELS, state="pending", message="0/2 nodes are available: 2 Insufficient memory.")
    ]
    _store(live_server, "acme-ko", host, ca_pem, kube.kubeconfig(), "ko")
    page.goto(f"{live_server.url}/login?token={TOKEN}&next=/p/acme-ko/verify")
    assert "설치 확인" in page.inner_text("h1")
    page.fill("#f-verify-api_key", API_KEY + "-wrong")
    save(page)
    run_checks(page)
    assert status(page, "verify.health") == "pass"
    assert status(page, "verify.ready") == "warn"
    assert status(page, "verify.proxy_body") == "fail"
    assert status(page, "verify.login") == "fail"
    assert status(page, "verify.version") == "skip"
    assert status(page, "verify.rollout") == "fail"
    assert "API 키가 거부되었습니다" in page.inner_text("#checks tr[data-check='verify.login']")
    assert "client_max_body_size 0;" in page.inner_text("#checks tr[data-check='verify.proxy_body']")
    assert "Insufficient memory" in page.inner_text("#checks tr[data-check='verify.rollout']")
    shot(page, "verify-ko")
