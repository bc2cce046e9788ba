"""The support bundle's panel in Debian's Chromium, English and Korean: "Download support bundle" on the
Verify page shows progress, then the download and the analysis; the archive downloads. Screenshots go to
test-results/screenshots/support-*.png."""

from __future__ import annotations

import io
import tarfile

import pytest

from app.answers import parse_document
from app.artifacts.kubernetes import LABELS
from tests import factories as f
from tests.services.kube_pods import pod
from tests.services.wizard import TOKEN
from tests.test_browser import shot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", "ko"])
def test_support_bundle_from_the_verify_page(live_server, page, kube, language, tmp_path):
    kube.state.pods = [pod("wandb-6f7c9-abcde", LABELS, state="crash", restarts=4)]
    kube.state.previous_logs = kube.state.logs = {
        "wandb-6f7c9-abcde": [
            "Error 1045 (28000): Access denied for user 'wandb_local'@'10.244.0.17' (using password: YES)"
        ]
    }
    doc = f.answers_doc(
        f.MINIMAL,
        profile="acme-prod",
        language=language,
        host="https://wandb.acme.invalid",
        database={"password": "db-Pa55/word"},
        deploy={"target": "kubernetes", "version": "0.70.0", "kubeconfig": kube.kubeconfig()},
    )
    live_server.app.state.store.save_answers(parse_document(doc), replace=True, last_step="verify")
    page.goto(f"{live_server.url}/login?token={TOKEN}&next=/p/acme-prod/verify")
    page.click("[data-testid=support-start]")
    page.wait_for_selector("[data-testid=support-progress]")
    page.wait_for_selector("[data-testid=support-download]", timeout=60_000)
    table = page.locator("[data-testid=support-analysis]").inner_text()
    assert "wandb-6f7c9-abcde" in table
    assert (
        "database password in the Secret differs" if language == "en" else "Secret의 데이터베이스 비밀번호"
    ) in table
    page.locator("#support-bundle").scroll_into_view_if_needed()
    shot(page, f"support-verify-{language}")
    with page.expect_download() as info:
        page.click("[data-testid=support-download]")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    with tarfile.open(fileobj=io.BytesIO(path.read_bytes())) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames()}
    assert {"README.md", "analysis.json", "cluster/pods.json", "cluster/logs/wandb-6f7c9-abcde/wandb.log"} <= names
