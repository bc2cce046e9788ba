"""The wizard end to end in Debian's Chromium (Playwright) against the real test services:
MariaDB, SeaweedFS and a local HTTPS server. Screenshots of every page go to test-results/."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from tests.services.mariadb import APP_PASSWORD, APP_USER
from tests.services.wizard import TOKEN

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent / "test-results" / "screenshots"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def run_checks(page) -> None:
    """Press "Run checks", see every row pending at once, then wait until the last one arrived."""
    page.evaluate("document.querySelector('#checks').setAttribute('data-before-run', '1')")  # the old panel
    with page.expect_response(lambda r: r.request.method == "POST" and "/checks/" in r.url):
        page.click("[data-testid=run-checks]")
    page.wait_for_function(
        "() => { const c = document.querySelector('#checks');"
        " return c && !c.hasAttribute('data-before-run') && !c.hasAttribute('hx-get')"
        " && !c.hasAttribute('sse-connect')"
        " && !c.querySelector('[data-status=pending]'); }",
        timeout=20000,
    )


def status(page, check_id: str) -> str:
    return page.get_attribute(f"#checks tr[data-check='{check_id}']", "data-status")


def save(page) -> None:
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=saved]")


def test_hardware_step_in_the_browser(live_server, page):
    """Log in, create a profile, fill the hardware step, run its checks and see the results."""
    page.goto(f"{live_server.url}/login?token={TOKEN}")
    page.fill("#new-name", "acme-prod")
    page.click("text=Create")
    assert page.url.endswith("/p/acme-prod/hardware")
    page.fill("#f-hardware-app-arch", "x86_64")
    page.fill("#f-hardware-app-cpu_cores", "2")
    page.fill("#f-hardware-app-memory_gib", "32")
    save(page)
    run_checks(page)
    assert status(page, "hardware.app.cpu") == "fail"
    assert status(page, "hardware.app.memory") == "pass"
    assert "W&B needs at least 4 cores" in page.inner_text("#checks tr[data-check='hardware.app.cpu']")
    assert "1 unresolved" in page.inner_text("[data-testid=unresolved]")
    # the stepper follows the finished run without a reload
    assert page.locator("#stepper li.current .badge.status-fail").count() == 1
    shot(page, "en-hardware")


def test_invalid_input_shows_the_field_error(live_server, page):
    page.goto(f"{live_server.url}/login?token={TOKEN}")
    page.fill("#new-name", "bad-input")
    page.click("text=Create")
    page.fill("#f-hardware-app-cpu_cores", "-1")
    page.click("[data-testid=save]")
    assert "hardware.app.cpu_cores" in page.inner_text("[data-field='hardware.app.cpu_cores'] .field-error")
    shot(page, "en-hardware-error")


HANGUL = re.compile(r"[\uac00-\ud7a3]")


def assert_rows_read_in(page, lang: str) -> None:
    """Every result that is not a pass explains itself in the page's language (message and hint)."""
    if lang != "ko":
        return
    assert "Project-Id-Version" not in page.content()  # gettext("") would show the catalog header
    for row in page.locator("#checks tr[data-check]").all():
        if row.get_attribute("data-status") in ("pass", "pending"):
            continue
        text = row.locator(".message").inner_text()
        assert HANGUL.search(text), f"{row.get_attribute('data-check')}: {text}"
        if row.locator(".hint .hint-text").count():  # the hint itself, not its "Fix:" label
            hint = row.locator(".hint .hint-text").inner_text()
            assert HANGUL.search(hint), f"{row.get_attribute('data-check')} hint: {hint}"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_whole_wizard_against_real_services(live_server, page, mariadb_tuned, seaweedfs, pki, https_server, lang):
    """From the login link to a downloaded bundle, in English and in Korean (the browser's language)."""
    leaf = pki.leaf("localhost")
    tls_port = https_server(pki.chain_pem(leaf), leaf.key_pem)
    host = f"https://localhost:{tls_port}"
    bucket = seaweedfs.new_bucket(cors_origin=host)
    name = f"walk-{lang}"
    page.set_extra_http_headers({"Accept-Language": "ko-KR,ko;q=0.9" if lang == "ko" else "en-US,en;q=0.9"})

    page.goto(f"{live_server.url}/login")
    shot(page, f"{lang}-login")
    page.goto(f"{live_server.url}/login?token={TOKEN}")
    shot(page, f"{lang}-profiles")
    page.fill("#new-name", name)
    page.click("form[action='/profiles'] button[type=submit]")
    assert page.get_attribute("html", "lang") == lang
    for key, value in {
        "arch": "x86_64",
        "cpu_cores": "8",
        "memory_gib": "32",
        "disk_gb": "200",
        "disk_mbps": "5000",
        "nics": "2",
        "nic_gbps": "10",
    }.items():
        page.fill(f"#f-hardware-app-{key}", value)
    save(page)
    run_checks(page)
    assert status(page, "hardware.app.cpu") == "pass"
    shot(page, f"{lang}-hardware")

    page.click("[data-testid=next]")
    page.fill("#f-database-host", "127.0.0.1")
    page.fill("#f-database-port", str(mariadb_tuned.port))
    page.fill("#f-database-user", APP_USER)
    page.fill("#f-database-password", APP_PASSWORD)
    save(page)
    assert APP_PASSWORD not in page.content()  # never echoed back
    run_checks(page)
    assert status(page, "database.connect") == "pass"
    assert status(page, "database.version") == "fail"  # MariaDB is not supported by W&B
    assert status(page, "database.binlog_format") == "pass"
    assert_rows_read_in(page, lang)
    shot(page, f"{lang}-database")

    page.click("[data-testid=next]")
    page.fill("#f-object_store-endpoint", seaweedfs.endpoint)
    page.fill("#f-object_store-bucket", bucket)
    page.fill("#f-object_store-access_key", seaweedfs.access_key)
    page.fill("#f-object_store-secret_key", seaweedfs.secret_key)
    save(page)
    page.goto(f"{live_server.url}/p/{name}/tls")
    page.fill("#f-host", host)
    page.fill("#f-tls-cert_pem", pki.chain_pem(leaf))
    page.fill("#f-tls-key_pem", leaf.key_pem)
    page.fill("#f-tls-ca_pem", pki.root_pem)
    save(page)
    run_checks(page)
    assert status(page, "tls.key_match") == "pass"
    assert status(page, "tls.hostname") == "pass"
    assert status(page, "tls.chain") == "warn"  # private CA: W&B needs customCACerts
    assert_rows_read_in(page, lang)
    shot(page, f"{lang}-tls")

    page.goto(f"{live_server.url}/p/{name}/object_store")
    run_checks(page)
    assert status(page, "object_store.credentials") == "pass"
    assert status(page, "object_store.presigned") == "pass"
    assert status(page, "object_store.cors") == "pass"
    assert_rows_read_in(page, lang)
    shot(page, f"{lang}-object-store")

    page.goto(f"{live_server.url}/p/{name}/deploy")
    page.fill("#f-deploy-version", "0.70.0")
    save(page)
    run_checks(page)
    assert status(page, "deploy.version") == "pass"
    assert status(page, "deploy.artifacts") == "pass"
    assert_rows_read_in(page, lang)
    shot(page, f"{lang}-deploy")

    page.click("[data-testid=next]")
    assert page.locator(".topology").count() == 1
    shot(page, f"{lang}-review")
    assert "Project-Id-Version" not in page.content()
    if lang == "ko":  # the review's results and the topology read Korean too
        assert HANGUL.search(page.inner_text(".topology-wrap"))
        failing = page.locator("table.results tr[data-status=fail] td:nth-child(3)").first.inner_text()
        assert HANGUL.search(failing), failing
    with page.expect_download() as dl:
        page.click("[data-testid=dl-zip]")
    data = Path(dl.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        assert "kubernetes/wandb.yaml" in names and "report/validation.json" in names
        everything = b"".join(z.read(n) for n in names)
        readme = z.read("README.md").decode()
    assert APP_PASSWORD.encode() not in everything and seaweedfs.secret_key.encode() not in everything
    assert re.search(rb"\$\{WANDB_DB_PASSWORD\}", everything)
    assert bool(HANGUL.search(readme)) == (lang == "ko")  # the runbook follows the profile's language

    page.goto(f"{live_server.url}/p/no-such-profile/database")
    shot(page, f"{lang}-error")
    assert bool(HANGUL.search(page.inner_text("main [role=alert]"))) == (lang == "ko")  # the reason itself


def test_korean_walk(live_server, page):
    """The same first step in Korean: the browser's language picks the UI and the new profile's."""
    page.set_extra_http_headers({"Accept-Language": "ko-KR,ko;q=0.9"})
    page.goto(f"{live_server.url}/login?token={TOKEN}")
    page.fill("#new-name", "acme-ko")
    page.click("form[action='/profiles'] button[type=submit]")
    assert page.get_attribute("html", "lang") == "ko"
    page.fill("#f-hardware-app-cpu_cores", "2")
    save(page)
    run_checks(page)
    assert status(page, "hardware.app.cpu") == "fail"
    assert "점검 실행" in page.inner_text("[data-testid=run-checks]")
    shot(page, "ko-hardware-fail")
    page.goto(f"{live_server.url}/p/acme-ko/review")
    shot(page, "ko-review-partial")
