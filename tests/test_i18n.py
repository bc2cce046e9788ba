"""Korean UI: language choice per request (switcher cookie > profile language > Accept-Language > en),
catalog completeness for every template string, field, step and check title."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app import i18n
from app.checks.engine import checks_for

ROOT = Path(__file__).resolve().parent.parent


def html_lang(text: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', text).group(1)


def import_profile(client, name: str, language: str) -> None:
    doc = f"schema: 1\nprofile: {name}\nlanguage: {language}\n".encode()
    r = client.post_form(
        "/profiles/import", files={"file": ("a.yaml", doc, "application/yaml")}, follow_redirects=False
    )
    assert r.status_code == 303, r.text


@pytest.mark.parametrize(
    "header, expected",
    [
        pytest.param(None, "en", id="no-header"),
        pytest.param("ko-KR,ko;q=0.9,en;q=0.8", "ko", id="korean-first"),
        pytest.param("en-US,en;q=0.9,ko;q=0.8", "en", id="english-first"),
        pytest.param("ko;q=0.2,en;q=0.9", "en", id="q-values-win-over-order"),
        pytest.param("fr-FR,de;q=0.9", "en", id="unsupported-falls-back"),
        pytest.param("fr-FR,ko;q=0.5", "ko", id="first-supported"),
    ],
)
def test_accept_language(client, header, expected):
    r = client.get("/", headers={"accept-language": header} if header else {})
    assert html_lang(r.text) == expected
    assert ("설치 목록" in r.text) == (expected == "ko")
    assert ("Installations" in r.text) == (expected == "en")


def test_switcher_sets_cookie_and_overrides_accept_language(client):
    r = client.get("/lang/ko?next=/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "lang=ko" in r.headers["set-cookie"]
    page = client.get("/", headers={"accept-language": "en"})  # the cookie persists and wins
    assert html_lang(page.text) == "ko" and "새 프로필" in page.text
    client.get("/lang/en?next=/", follow_redirects=False)
    page = client.get("/", headers={"accept-language": "ko"})
    assert html_lang(page.text) == "en" and "New profile" in page.text


@pytest.mark.parametrize(
    "target, expected",
    [
        pytest.param("/p/acme/database?saved=1", "/p/acme/database?saved=1", id="local-path-with-query"),
        pytest.param("https://evil.example/", "/", id="absolute-url"),
        pytest.param("//evil.example/x", "/", id="scheme-relative"),
        pytest.param("/\\evil.example", "/", id="backslash"),
        pytest.param("javascript:alert(1)", "/", id="javascript"),
        pytest.param("", "/", id="empty"),
    ],
)
def test_switcher_only_follows_local_paths(client, target, expected):
    r = client.get("/lang/ko", params={"next": target}, follow_redirects=False)
    assert r.headers["location"] == expected


def test_switcher_links_point_back_to_the_page(client):
    client.create("acme")
    page = client.get("/p/acme/database").text
    assert 'href="/lang/ko?next=/p/acme/database"' in page


def test_profile_language_applies_on_its_pages_and_cookie_overrides(client):
    import_profile(client, "seoul", "ko")
    client.create("boston")
    step = client.get("/p/seoul/database")
    assert html_lang(step.text) == "ko"
    for korean in ("점검 실행", "데이터베이스", "데이터베이스 이름", "MySQL 연결", "저장"):
        assert korean in step.text, korean
    panel = client.post_form("/p/seoul/checks/database")  # htmx partial: language from the stored profile
    assert "점검 실행" in panel.text or "실행 중" in panel.text
    assert html_lang(client.get("/p/boston/database").text) == "en"
    assert html_lang(client.get("/").text) == "en"  # not a profile page
    client.get("/lang/en?next=/", follow_redirects=False)
    assert html_lang(client.get("/p/seoul/database").text) == "en"


def test_korean_step_titles_and_fields(client):
    client.create("acme")
    client.get("/lang/ko", follow_redirects=False)
    page = client.get("/p/acme/object_store").text
    for korean in (
        "하드웨어",
        "데이터베이스",
        "오브젝트 스토리지",
        "TLS·호스트",
        "배포 대상",
        "검토",
        "S3 호환 오브젝트 스토리지",
        "엔드포인트",
        "S3 엔드포인트 접속",
        "다음: TLS·호스트",
    ):
        assert korean in page, korean


def test_english_check_report_unchanged(tmp_path):
    """`wbsetup validate` stays English whatever the profile language."""
    answers = tmp_path / "a.yaml"
    answers.write_text("schema: 1\nprofile: x\nlanguage: ko\n")
    out = subprocess.run(
        [sys.executable, "-m", "app", "validate", str(answers), "--step", "tls"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert "tls.host — input missing: host" in out.stdout
    assert "입력값 없음" not in out.stdout + out.stderr


def korean() -> dict:
    with i18n.po_path("ko").open("rb") as fh:
        cat = read_po(fh, locale="ko")
    return {m.id if isinstance(m.id, str) else m.id[0]: m for m in cat if m.id}


def test_every_check_title_is_translated():
    ko = korean()
    missing = [c.title for c in checks_for() if not (c.title in ko and ko[c.title].string and not ko[c.title].fuzzy)]
    assert not missing, f"add Korean for these check titles (make i18n): {missing}"


def test_every_template_and_code_string_is_translated():
    ko = korean()
    ids = set()
    method_map = [("app/**.py", "python"), ("templates/*.html", "jinja2")]  # as babel.cfg
    options = {"app/**.py": {"keywords": {"msg": None}}, "templates/*.html": {"extensions": "jinja2.ext.i18n"}}
    for _, _, msgid, _, _ in extract_from_dir(ROOT, method_map, options_map=options):
        ids.add(msgid if isinstance(msgid, str) else msgid[0])
    assert len(ids) > 300
    missing = sorted(m for m in ids if not (m in ko and ko[m].string and all(ko[m].string) and not ko[m].fuzzy))
    assert not missing, f"untranslated (make i18n, then translate): {missing}"


def test_generated_string_list_is_current():
    r = subprocess.run(
        [sys.executable, "scripts/i18n_strings.py", "--check"],
        cwd=ROOT,
        timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert r.returncode == 0, "app/i18n/strings.py is stale: run `make i18n`"


def test_translations_keep_placeholders():
    """A Korean string must use exactly the %(name)s placeholders of its English original."""
    bad = []
    for msgid, m in korean().items():
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for s in strings:
            if sorted(re.findall(r"%\(\w+\)[sd]", s)) != sorted(set(re.findall(r"%\(\w+\)[sd]", msgid))) and s:
                bad.append(msgid)
    assert not bad, bad


def test_unknown_code_clears_cookie(client):
    r = client.get("/lang/xx?next=/", follow_redirects=False)
    assert r.status_code == 303 and 'lang=""' in r.headers["set-cookie"]


def test_new_profile_takes_the_browsers_language(client):
    r = client.post_form(
        "/profiles", {"name": "acme-ko"}, headers={"Accept-Language": "ko-KR,ko;q=0.9"}, follow_redirects=False
    )
    assert r.status_code == 303
    assert client.app.state.store.get_answers("acme-ko").language == "ko"
    assert "하드웨어" in client.get("/p/acme-ko/hardware").text
