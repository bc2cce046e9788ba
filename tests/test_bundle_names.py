"""The two downloads have different names (issue 31 item 4): `<profile>-bundle.<kind>` holds secrets,
`<profile>-bundle-redacted.<kind>` does not, on the review page and from `wbsetup render --archive`
alike; the runbook says which one it is and why their file lists differ (docker-compose/.env)."""

from __future__ import annotations

import re
import zipfile

import pytest

from app.artifacts.bundle import archive_name, build_bundle
from tests.bundle_corpus import answers, plain_document
from tests.test_bundle_cli import render


def test_archive_names():
    assert archive_name("acme", redact=False) == "acme-bundle.zip"
    assert archive_name("acme", redact=True) == "acme-bundle-redacted.zip"
    assert archive_name("acme", redact=True, kind="tar.gz") == "acme-bundle-redacted.tar.gz"


def test_cli_archives_with_and_without_secrets_live_side_by_side(tmp_path):
    out = tmp_path / "out"
    for extra in ((), ("--redact",)):
        proc = render(tmp_path, plain_document(), "--out", str(out), "--archive", "zip", *extra)
        assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["acme-prod-bundle-redacted.zip", "acme-prod-bundle.zip"]
    with (
        zipfile.ZipFile(out / "acme-prod-bundle.zip") as with_secrets,
        zipfile.ZipFile(out / "acme-prod-bundle-redacted.zip") as redacted,
    ):
        assert b"db-pass-4d2e1b" in with_secrets.read("kubernetes/wandb.yaml")
        assert b"db-pass-4d2e1b" not in redacted.read("kubernetes/wandb.yaml")
        # The file lists differ by docker-compose/.env, as each runbook says.
        assert set(redacted.namelist()) - set(with_secrets.namelist()) == {"docker-compose/.env"}
        assert "acme-prod-bundle.zip" in redacted.read("README.md").decode()


def test_review_page_links_download_under_two_names(client):
    client.create("acme")
    client.post_form(
        "/p/acme/database",
        {"version": "1", "database.host": "db.example", "database.password": "pw-XYZZY-1"},
        follow_redirects=False,
    )
    page = client.get("/p/acme/review").text
    links = sorted(set(re.findall(r'href="(/p/acme/bundle\.[^"]+)"', page)))
    assert len(links) == 4, links
    names = {}
    for href in links:
        r = client.get(href.replace("&amp;", "&"))
        assert r.status_code == 200, href
        names[href] = re.search(r'filename="([^"]+)"', r.headers["content-disposition"]).group(1)
    assert sorted(names.values()) == [
        "acme-bundle-redacted.tar.gz",
        "acme-bundle-redacted.zip",
        "acme-bundle.tar.gz",
        "acme-bundle.zip",
    ]
    for href, name in names.items():
        assert ("secrets=true" in href) == ("-redacted" not in name)


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("redact", [False, True])
def test_runbook_names_both_downloads_and_the_env_file(language, redact):
    doc = plain_document(language=language, deploy={"target": "docker-compose", "version": "0.70.0"})
    tree = build_bundle(answers(doc), redact=redact)
    files = tree["README.md"].decode().split("\n## ")[-1]  # the Files section
    assert "`acme-prod-bundle.zip`" in files and "`acme-prod-bundle-redacted.zip`" in files
    assert "`docker-compose/.env`" in files.split("\n- ")[0]  # in the explanation, before the list
    assert ("docker-compose/.env" in tree) == redact
