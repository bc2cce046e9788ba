"""Registry credentials on the deploy step in Debian's Chromium (English and Korean): the fields in
the air-gapped group, the password masked and never shown again, deploy.images answering a REAL
htpasswd registry (tests/services/registry.py) with them, and failing when it refuses them.
Screenshots go to test-results/screenshots/."""

from __future__ import annotations

import pytest

from tests.services.wizard import TOKEN
from tests.test_browser import run_checks, save, shot, status

pytestmark = pytest.mark.browser
PASSWORD = 'br0wser:p@ss "한글"'


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_registry_credentials_in_the_browser(live_server, page, oci_registry_factory, oci_layout, lang):
    reg = oci_registry_factory("htpasswd")
    reg.push(oci_layout, "single", "mirror/wandb/local:0.70.0")
    reg.push(oci_layout, "multi", "mirror/nginx:1.27")
    reg.add_user(f"browser-{lang}", PASSWORD)
    page.set_extra_http_headers({"Accept-Language": "ko-KR,ko;q=0.9" if lang == "ko" else "en-US,en;q=0.9"})
    page.goto(f"{live_server.url}/login?token={TOKEN}")
    page.fill("#new-name", f"registry-{lang}")
    page.click("form[action='/profiles'] button[type=submit]")
    page.goto(f"{live_server.url}/p/registry-{lang}/deploy")
    page.select_option("#f-deploy-target", "docker-compose")
    page.fill("#f-deploy-version", "0.70.0")
    page.click("[data-testid=fold-deploy]")  # the air-gapped section is folded (#31 item 9)
    page.fill("#f-deploy-registry", f"{reg.host}/mirror")
    page.fill("#f-deploy-registry_username", f"browser-{lang}")
    assert page.get_attribute("#f-deploy-registry_password", "type") == "password"
    page.fill("#f-deploy-registry_password", PASSWORD)
    save(page)
    assert PASSWORD not in page.content()
    assert page.input_value("#f-deploy-registry_password") == ""
    label = (page.text_content("label[for='f-deploy-registry_username']") or "").strip()  # in the folded section
    assert label.startswith("레지스트리 사용자" if lang == "ko" else "Registry user"), label
    run_checks(page)
    assert status(page, "deploy.images") == "pass", page.inner_text("#checks tr[data-check='deploy.images']")
    shot(page, f"{lang}-deploy-registry-credentials")
    page.click("[data-testid=fold-deploy]")
    page.fill("#f-deploy-registry_password", "wrong-" + PASSWORD)
    save(page)
    run_checks(page)
    assert status(page, "deploy.images") == "fail"
    row = page.inner_text("#checks tr[data-check='deploy.images']")
    assert PASSWORD not in row
    if lang == "en":
        assert "refused the credentials" in row
    shot(page, f"{lang}-deploy-registry-refused")
