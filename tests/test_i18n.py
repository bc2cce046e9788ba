"""Korean UI: language choice per request (switcher cookie > profile language > Accept-Language > en),
catalog completeness for every template string, field, step and check title."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
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
    ids = [getattr(c.title, "template", c.title) for c in checks_for()]  # a title with values: its template
    missing = [t for t in ids if not (t in ko and ko[t].string and not ko[t].fuzzy)]
    assert not missing, f"add Korean for these check titles (make i18n): {missing}"


def _catalog_ids() -> set[str]:
    """The msgids extracted exactly as `make i18n` does (babel.cfg: code, templates, runbook,
    requirement files)."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    ids: set[str] = set()
    for _, _, msgid, _, _ in extract_from_dir(ROOT, method_map, options_map=options_map):
        ids.update([msgid] if isinstance(msgid, str) else msgid)  # a plural: both forms
    return ids


def test_every_template_and_code_string_is_translated():
    ko = korean()
    ids = _catalog_ids()
    assert len(ids) > 1000
    singular = {m.id[1]: m for m in ko.values() if isinstance(m.id, tuple)}
    ko = {**ko, **singular}  # a plural form is translated with its entry
    missing = sorted(m for m in ids if not (m in ko and ko[m].string and all(ko[m].string) and not ko[m].fuzzy))
    assert not missing, f"untranslated (make i18n, then translate): {missing}"


def test_make_i18n_on_a_clean_tree_changes_nothing(tmp_path):
    """The catalog is what the code declares: `make i18n`'s two commands, run into a copy, leave the
    template and the Korean catalog byte for byte as committed (no generated list, no drift)."""
    pybabel = Path(sys.executable).with_name("pybabel")
    pot = tmp_path / "messages.pot"
    common = {"cwd": ROOT, "capture_output": True, "text": True, "timeout": 300}
    extract = [str(pybabel), "extract", "-F", "babel.cfg", "--no-location", "--sort-output", "--omit-header"]
    r = subprocess.run([*extract, "-o", str(pot), "."], **common)
    assert r.returncode == 0, r.stderr
    assert pot.read_text() == (ROOT / "app/i18n/locale/messages.pot").read_text(), "run `make i18n`"
    locale = tmp_path / "locale" / "ko" / "LC_MESSAGES"
    locale.mkdir(parents=True)
    (locale / "messages.po").write_bytes(i18n.po_path("ko").read_bytes())
    update = [str(pybabel), "update", "-i", str(pot), "-d", str(tmp_path / "locale"), "-l", "ko"]
    r = subprocess.run([*update, "--no-wrap", "--ignore-obsolete", "--ignore-pot-creation-date"], **common)
    assert r.returncode == 0, r.stderr
    assert (locale / "messages.po").read_bytes() == i18n.po_path("ko").read_bytes(), "run `make i18n`"


def test_every_declared_text_reaches_the_catalog():
    """Babel skips a keyword call nested in another call's arguments (`msg(…, x=f(N_("…")))`): every
    literal given to msg(), nmsg() or N_() anywhere in app/ must still be a catalog msgid."""
    ids = _catalog_ids()
    lost = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("msg", "nmsg", "N_"):
                n = 2 if node.func.id == "nmsg" else 1
                texts = [a.value for a in node.args[:n] if isinstance(a, ast.Constant)]
                lost += [f"{path.relative_to(ROOT)}:{node.lineno}: {t!r}" for t in texts if t.strip() and t not in ids]
    assert not lost, f"declared but not extracted (hoist it into a constant): {lost}"


def test_declared_texts_are_literals():
    """A catalog msgid is written where it is declared: nmsg() and N_() take a literal, never a variable
    or an f-string (the catalog could not know it)."""
    bad = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        if path.name == "message.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("nmsg", "N_") and node.args:
                if not isinstance(node.args[0], ast.Constant):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bad, bad


def test_translations_keep_placeholders():
    """A Korean string must use exactly the %(name)s placeholders of its English original."""
    bad = []
    for msgid, m in korean().items():
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for s in strings:
            if (
                set(re.findall(r"%\(\w+\)[sd]", s))
                != set(re.findall(r"%\(\w+\)[sd]", msgid if isinstance(msgid, str) else msgid[0]))
                and s
            ):
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
