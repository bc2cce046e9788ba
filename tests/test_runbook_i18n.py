"""One runbook skeleton for every language (issue 29 item 7): templates/artifacts/README.md.j2 and its
partials hold the structure and the commands once; the prose is in {% trans %} blocks translated
through the UI's gettext catalog. The catalog's completeness for these strings is
tests/test_i18n.py (babel.cfg extracts templates/artifacts); here: one skeleton, the same commands in
both languages, and the two languages sharing (almost) no prose."""

from __future__ import annotations

import re

import pytest

from app import i18n
from app.artifacts.bundle import build_bundle
from app.artifacts.runbook import TEMPLATES
from tests.bundle_corpus import answers, plain_document

CA = "-----BEGIN CERTIFICATE-----\nMIIBrunbookCA\n-----END CERTIFICATE-----\n"
TARGETS = ["kubernetes", "helm-operator", "docker-compose"]
MAX_SHARED_PROSE = 25


def rich_readme(target: str, language: str) -> str:
    """A runbook with every optional section: registry credentials and CA, internal chart, private
    store CA, path-style note, replicas without Redis, an absent secret (placeholders), redacted."""
    doc = plain_document(
        language=language,
        database={"password": None, "tls": "verify-ca"},
        object_store={"ca_pem": CA, "path_style": False},
        deploy={
            "target": target,
            "version": "0.70.0",
            "replicas": 3,
            "registry": "registry.acme.internal:5000/mirror",
            "registry_username": "puller",
            "registry_password": "registry-pass-1a2b",
            "registry_ca_pem": CA,
            "chart_repo": "oci://registry.acme.internal:5000/charts",
            "chart_version": "0.43.8",
        },
    )
    return build_bundle(answers(doc), redact=True)["README.md"].decode()


def split(text: str) -> tuple[list[str], list[str]]:
    """(lines inside fenced code blocks, non-blank lines outside them)."""
    code, outside, fence = [], [], False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            fence = not fence
            code.append(line)
        elif fence:
            code.append(line)
        elif line.strip():
            outside.append(line)
    return code, outside


def is_prose(line: str) -> bool:
    """A line with words outside `inline code` (a file-list entry, a table row of names or a command
    on its own line is data: the same in every language by design)."""
    return bool(re.search(r"[^\W\d_]{2}", re.sub(r"`[^`]*`", "", line)))


def test_one_skeleton_no_per_language_templates():
    names = sorted(p.name for p in TEMPLATES.glob("*.j2"))
    assert "README.md.j2" in names
    assert not [n for n in names if re.search(r"\.(en|ko)\.", n)], names
    assert not (TEMPLATES / "README.en.md.j2").exists()


@pytest.mark.parametrize("target", TARGETS)
def test_languages_share_the_commands_and_no_prose(target):
    en, ko = rich_readme(target, "en"), rich_readme(target, "ko")
    en_code, en_out = split(en)
    ko_code, ko_out = split(ko)
    # Every command and code block is outside {% trans %}: byte for byte the same in both languages
    # (apart from comments, the one translated part of the ini example).
    strip = lambda lines: [re.sub(r"#\s*\S.*$", "#", line) for line in lines]  # noqa: E731
    assert strip(en_code) == strip(ko_code)
    assert len(en_code) > 60
    shared = [line for line in en_out if line in set(ko_out) and is_prose(line)]
    assert len(shared) <= MAX_SHARED_PROSE, shared
    assert len([line for line in en_out if is_prose(line)]) > 80  # the measure has something to measure
    # The Korean prose is Korean: most prose lines hold Hangul.
    ko_prose = [line for line in ko_out if is_prose(line)]
    hangul = [line for line in ko_prose if re.search("[\uac00-\ud7a3]", line)]
    assert len(hangul) >= 0.8 * len(ko_prose), [line for line in ko_prose if line not in hangul]


def test_korean_runbook_uses_the_ui_catalog():
    """The same catalog as the UI: the verify heading is the UI's name of the Verify step."""
    ko = rich_readme("kubernetes", "ko")
    assert f"## 5. {i18n.gettext_for('ko', 'Verify')}\n" in ko
    assert i18n.gettext_for("ko", "Verify") != "Verify"
    assert "## 5. Verify\n" in rich_readme("kubernetes", "en")


def test_compose_replica_note_in_both_languages():
    """The Korean compose runbook had drifted: it named `deploy.replicas` only with a .env file."""
    doc = plain_document(language="ko", deploy={"target": "docker-compose", "version": "0.70.0", "replicas": 3})
    tree = build_bundle(answers(doc))
    ko = tree["README.md"].decode()
    assert "docker-compose/.env" not in tree  # every secret given: no .env
    assert "`deploy.replicas`는 3이지만" in ko
