"""The requirement profile decides the MySQL facts in the runbook and mysql/wandb.cnf (SPEC §6,
"baseline-8.0.28 artifacts never carry an 8.0-only setting as active for 5.7"; issue 17 item 9)."""

from __future__ import annotations

import pytest

from app import requirements
from app.artifacts.bundle import build_bundle
from app.artifacts.sql import mysql_cnf
from tests.bundle_corpus import answers, plain_document
from tests.services.mariadb import MariaDB


def readme(profile: str, language: str = "en") -> str:
    return build_bundle(answers(plain_document(requirements=profile, language=language)))["README.md"].decode()


@pytest.mark.parametrize("language", ["en", "ko"])
def test_baseline_runbook_names_the_baseline_versions(language):
    text = readme("baseline-8.0.28", language)
    assert "8.4" not in text.split("## 2.")[0] and "8.0.32" not in text
    assert requirements.load("baseline-8.0.28")["database"]["version"]["expected"] in text
    # SET PERSIST (MySQL 8 only) is never offered without saying 5.7 has none.
    assert "5.7" in text.split("SET PERSIST")[1].split("\n")[0]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_current_runbook_names_the_current_versions(language):
    text = readme("current", language)
    assert requirements.load("current")["database"]["version"]["expected"] in text
    assert "5.7" not in text.split("## 2.")[0]


def test_baseline_cnf_keeps_the_8_0_setting_out_of_5_7():
    text = mysql_cnf(answers(plain_document(requirements="baseline-8.0.28")))
    mysqld = text.split("[mysqld]\n")[1].split("\n[")[0]
    assert "sort_buffer_size" not in mysqld  # [mysqld] is read by every version, 5.7 included
    assert "[mysqld-8.0]\nsort_buffer_size = 33554432" in text


def test_mariadbd_of_another_version_ignores_the_mysql8_group(tmp_path):
    """A real server that is not MySQL 8.x (MariaDB 10.11 reads [mysqld-10.11], as 5.7 reads
    [mysqld-5.7]) starts with the baseline cnf and leaves sort_buffer_size alone."""
    cnf = tmp_path / "wandb.cnf"
    cnf.write_text(mysql_cnf(answers(plain_document(requirements="baseline-8.0.28"))), encoding="utf-8")
    (tmp_path / "srv").mkdir()
    server = MariaDB(tmp_path / "srv", defaults_file=cnf)
    server.start()
    try:
        assert server.sql("SELECT @@GLOBAL.sort_buffer_size") != [(33554432,)]
        assert server.sql("SELECT @@GLOBAL.innodb_online_alter_log_max_size") == [(268435456,)]
    finally:
        server.stop()
