"""Revisions (SPEC §7): every save stores one (number = the profile's version, time, source, changed
keys, the document with secrets encrypted); `wbsetup history`; the stale-save 409 names the keys saved
meanwhile and keeps the operator's input; key rotation re-encrypts the stored revisions."""

import json

import pytest
from cryptography.fernet import Fernet

from app import cli
from app.answers import loads, parse_document
from app.settings import Settings
from app.store import Conflict, Store
from tests import factories as f
from tests.services.wizard import make_settings
from tests.test_store import store as db_store  # noqa: F401, F811  (SQLite and a real MariaDB)

SECRET = "rev-Pä$$w0rd-distinctive"
OTHER = "rev-second-distinctive-99"
DOC = f"""
schema: 1
profile: acme
host: https://wandb.example.com
database: {{host: db.example, password: {json.dumps(SECRET)}}}
"""


@pytest.fixture
def store(tmp_path):
    return Store.open(make_settings(tmp_path))


def _edit(store, name, **changes):
    answers, row = store.get_profile(name)
    doc = answers.to_document(secrets="plain")
    for path, value in changes.items():
        section, key = path.split(".")
        doc.setdefault(section, {})[key] = value
    return store.save_answers(parse_document(doc), expected_version=row.version)


def test_every_save_stores_a_revision_with_its_changed_keys(store):
    store.create_profile(loads(DOC))
    assert _edit(store, "acme", **{"database.port": 3307}) == 2
    assert _edit(store, "acme", **{"database.password": OTHER}) == 3
    store.save_answers(loads(DOC), replace=True, source="import")
    revs = store.list_revisions("acme")
    assert [(r.version, r.source) for r in revs] == [(1, "web"), (2, "web"), (3, "web"), (4, "import")]
    assert {"database.host", "database.password", "host", "deploy.target"} <= set(revs[0].changed)  # all it holds
    assert revs[1].changed == ["database.port"]
    assert revs[2].changed == ["database.password"]  # the secret's key is named ...
    assert revs[3].changed == ["database.password", "database.port"]
    assert revs[0].created_at <= revs[3].created_at
    assert store.get_revision("acme", 2)[0].database.port == 3307
    assert store.get_revision("acme", 3)[0].database.password.get_secret_value() == OTHER
    assert store.get_revision("acme")[1] == 4
    with store.engine.connect() as conn:
        raw = "".join(r[0] + r[1] for r in conn.exec_driver_sql("SELECT document, changed FROM revision"))
    assert SECRET not in raw and OTHER not in raw and "distinctive" not in raw  # ... its value never stored plain
    assert raw.count("$fernet") == 4


def test_stale_save_names_the_keys_changed_meanwhile(store):
    store.create_profile(loads(DOC))
    _edit(store, "acme", **{"database.host": "db2.example"})
    _edit(store, "acme", **{"database.password": OTHER})
    answers, _ = store.get_profile("acme")
    with pytest.raises(Conflict) as err:
        store.save_answers(answers.model_copy(update={"host": "https://x.example"}), expected_version=1)
    text = str(err.value)
    assert "database.host, database.password (by web)" in text and OTHER not in text
    assert store.get_profile("acme")[1].version == 3  # nothing saved
    assert len(store.list_revisions("acme")) == 3


def test_rotate_key_re_encrypts_revisions(tmp_path):
    store = Store.open(make_settings(tmp_path))
    store.create_profile(loads(DOC))
    _edit(store, "acme", **{"database.password": OTHER})
    new_key = Fernet.generate_key()
    store.rotate_key(new_key)
    fresh = Store.open(
        Settings(
            state_url=store.engine.url.render_as_string(False), data_dir=tmp_path / "x", secret_key=new_key.decode()
        )
    )
    assert fresh.get_revision("acme", 1)[0].database.password.get_secret_value() == SECRET
    assert fresh.get_revision("acme", 2)[0].database.password.get_secret_value() == OTHER
    revs = fresh.list_revisions("acme")
    assert [(r.version, r.source, r.changed) for r in revs][-1] == (3, "rotate-key", [])


def test_delete_profile_deletes_its_revisions(store):
    store.create_profile(loads(DOC))
    store.delete_profile("acme")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM revision").scalar() == 0


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    settings = make_settings(tmp_path)
    monkeypatch.setenv("WBSETUP_STATE_URL", settings.state_url)
    monkeypatch.setenv("WBSETUP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("WBSETUP_SECRET_KEY", raising=False)
    answers = tmp_path / "acme.yaml"
    answers.write_text(DOC)
    return answers


def test_history_cli_table_and_json(cli_env, capsys):
    assert cli.main(["import", str(cli_env)]) == 0
    cli_env.write_text(DOC.replace("{host: db.example", "{host: db9.example"))
    assert cli.main(["import", str(cli_env)]) == 0
    capsys.readouterr()
    assert cli.main(["history", "acme"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["REV", "TIME", "(UTC)", "SOURCE", "CHANGED"]
    assert lines[1].split()[:4:2] == ["1", "import"] and "(+" in lines[1]  # a long list is cut
    assert lines[2].split()[0] == "2" and lines[2].endswith("import  database.host")
    assert cli.main(["history", "acme", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["profile"] == "acme" and [r["revision"] for r in doc["revisions"]] == [1, 2]
    assert doc["revisions"][1] == {**doc["revisions"][1], "source": "import", "changed": ["database.host"]}
    assert doc["revisions"][0]["time"].endswith("Z")
    assert SECRET not in json.dumps(doc)


def test_history_cli_unknown_profile_exits_2(cli_env, capsys):
    assert cli.main(["history", "nope"]) == 2
    assert "unknown profile 'nope'" in capsys.readouterr().err


def test_web_conflict_names_keys_and_keeps_input(client):
    client.create("acme")
    ok = client.post_form("/p/acme/database", {"version": "1", "database.host": "a.example"}, follow_redirects=False)
    assert ok.status_code == 303
    stale = client.post_form("/p/acme/database", {"version": "1", "database.host": "typed-by-me.example"})
    assert stale.status_code == 409
    assert "database.host (by web)" in stale.text and "Nothing was saved" in stale.text
    assert 'value="typed-by-me.example"' in stale.text  # the operator's input is kept
    assert [r.version for r in client.app.state.store.list_revisions("acme")] == [1, 2]


def test_migration_gives_existing_profiles_their_first_revision(tmp_path):
    """0003 creates the revision table and stores each existing profile's current state as a revision
    at its current version (secrets stay encrypted: the document is copied as stored)."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from app.resources import resource_dir
    from app.store.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    cfg = Config()
    cfg.set_main_option("script_location", str(resource_dir("migrations")))
    document = json.dumps(
        f.answers_doc(f.MINIMAL, profile="acme", database={"host": "db", "password": {"$fernet": "x"}})
    )
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        conn.execute(
            sa.text(
                "INSERT INTO profile (id, name, document, version, last_step, created_at, updated_at) "
                "VALUES (1, 'acme', :d, 7, 'deploy', '2026-01-01', '2026-01-02')"
            ),
            {"d": document},
        )
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        rows = conn.execute(sa.text("SELECT profile_id, version, source, changed, document FROM revision")).all()
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, 7, "web")]
    assert json.loads(rows[0][3]) == ["database.host", "database.password"] and rows[0][4] == document


def test_revisions_and_conflicts_on_each_state_store(db_store):  # noqa: F811
    db_store.create_profile(loads(DOC))
    _edit(db_store, "acme", **{"database.password": OTHER})
    with pytest.raises(Conflict, match=r"database\.password \(by web\)"):
        db_store.save_answers(loads(DOC), expected_version=1)
    revs = db_store.list_revisions("acme", newest_first=True)
    assert [(r.version, r.changed) for r in revs][0] == (2, ["database.password"])
    assert db_store.get_revision("acme", 2)[0].database.password.get_secret_value() == OTHER
