"""State store: Alembic migrations create every table, secrets are encrypted at rest, optimistic
versions, clone/delete — on SQLite and on a real MariaDB (WBSETUP_STATE_URL=mysql+pymysql://…)."""

import json
import os
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import inspect

from app.answers import loads
from app.settings import Settings
from app.store import Conflict, Store
from app.store.crypto import KeyError_
from app.store.models import SQLModel

SECRET = "Pä$$'\"\\w0rd-distinctive-🔑"
DOC = f"""
schema: 1
profile: acme
host: https://wandb.example.com
database: {{host: db.example, password: {json.dumps(SECRET, ensure_ascii=False)}}}
license: {{env: WANDB_LICENSE_VAR}}
"""


# A state-store password with everything a URL and PyMySQL can trip on: non-ASCII (PyMySQL would send
# a str as latin-1), '@', '/', ':' and '%' (percent-encoded in the URL).
UNICODE_PASSWORD = "비밀-pä$s@w/o:r%d"


@pytest.fixture(params=["sqlite", "mariadb", "mariadb-unicode-password"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/state.db"
    else:
        server = request.getfixturevalue("mariadb_default")
        name = f"wbstate_{uuid.uuid4().hex[:12]}"
        user = f"st_{uuid.uuid4().hex[:10]}"  # the server is shared by the session: nothing reused
        password = UNICODE_PASSWORD if request.param.endswith("unicode-password") else "state-pw"
        server.sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        server.sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", params=(password,))
        server.sql(f"GRANT ALL ON `{name}`.* TO '{user}'@'%'")
        url = f"mysql+pymysql://{user}:{quote(password, safe='')}@127.0.0.1:{server.port}/{name}"
    return Store.open(Settings(state_url=url, data_dir=tmp_path))


def test_migrations_create_every_table(store):
    tables = set(inspect(store.engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_secrets_are_encrypted_at_rest_and_round_trip(store):
    store.create_profile(loads(DOC))
    with store.engine.connect() as conn:
        raw = "".join(r[0] for r in conn.exec_driver_sql("SELECT document FROM profile"))
    assert "distinctive" not in raw and "$fernet" in raw
    assert "WANDB_LICENSE_VAR" in raw  # references are not secrets
    answers = store.get_answers("acme")
    assert answers.database.password.get_secret_value() == SECRET
    assert answers.license.env == "WANDB_LICENSE_VAR"


def test_optimistic_versions_clone_delete(store):
    store.create_profile(loads(DOC))
    answers, row = store.get_profile("acme")
    assert store.save_answers(answers, expected_version=row.version) == row.version + 1
    with pytest.raises(Conflict):
        store.save_answers(answers, expected_version=row.version)
    store.clone_profile("acme", "acme-2")
    assert store.get_answers("acme-2").database.password.get_secret_value() == SECRET
    store.delete_profile("acme")
    assert [p.name for p in store.list_profiles()] == ["acme-2"]


def test_wrong_key_is_a_clear_error(tmp_path):
    url = f"sqlite:///{tmp_path}/state.db"
    Store.open(Settings(state_url=url, data_dir=tmp_path)).create_profile(loads(DOC))
    with pytest.raises(KeyError_, match="cannot decrypt"):  # checked at start-up, not on first use
        Store.open(Settings(state_url=url, data_dir=tmp_path, secret_key="x" * 43 + "="))


def test_key_file_is_private(tmp_path):
    Store.open(Settings(state_url=f"sqlite:///{tmp_path}/state.db", data_dir=tmp_path))
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600


def test_head_revision_read_from_the_files_is_alembics_head():
    """app.store.db reads the newest revision id from migrations/versions as text (no Alembic import)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from app.resources import resource_dir
    from app.store.db import head_revision

    cfg = Config()
    cfg.set_main_option("script_location", str(resource_dir("migrations")))
    assert head_revision() == ScriptDirectory.from_config(cfg).get_current_head()


OPEN_AND_LIST = (
    "import sys\n"
    "from app.settings import Settings\n"
    "from app.store import Store\n"
    "store = Store.open(Settings(state_url=sys.argv[1], data_dir=sys.argv[2]))\n"
    "print(len(store.list_revisions('acme')), 'alembic' in sys.modules, 'mako' in sys.modules)\n"
)


def test_a_store_at_the_newest_migration_opens_without_alembic(store, tmp_path):
    """Reopening a migrated store (`wbsetup history`, `diff`, every CLI command) reads alembic_version with
    plain SQL: Alembic (and Mako, Pygments) stay unloaded; the store works. On SQLite and on MariaDB."""
    import subprocess
    import sys
    from pathlib import Path

    store.create_profile(loads(DOC))
    url = store.engine.url.render_as_string(hide_password=False)
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", OPEN_AND_LIST, url, str(tmp_path)], capture_output=True, text=True, cwd=root, timeout=120,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1", "False", "False"]


def test_a_store_behind_the_newest_migration_is_migrated(tmp_path):
    """A database at an older revision (here 0002) is still brought to the head by Alembic on open."""
    from alembic import command
    from alembic.config import Config

    from app.resources import resource_dir
    from app.store.db import head_revision, make_engine

    url = f"sqlite:///{tmp_path}/old.db"
    cfg = Config()
    cfg.set_main_option("script_location", str(resource_dir("migrations")))
    with make_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    store = Store.open(Settings(state_url=url, data_dir=tmp_path))
    with store.engine.connect() as conn:
        assert [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")] == [head_revision()]
    assert "revision" in inspect(store.engine).get_table_names()


def test_support_bundles_are_stored_whole_and_the_newest_kept(store):
    """The web's support bundles (app/store/support.py) on every state store: a 3 MiB archive (MySQL keeps it
    in a LONGBLOB, a BLOB would cut it at 64 KiB) comes back byte for byte; progress, failure, the newest KEEP
    per profile, another profile's id not found, and the profile's deletion takes them along."""
    from app.store.support import KEEP

    store.create_profile(loads("schema: 1\nprofile: acme\n"))
    store.create_profile(loads("schema: 1\nprofile: other\n"))
    first = store.start_support_bundle("acme")
    store.support_bundle_progress(first, ["checks", "cluster"])
    row = store.get_support_bundle("acme", first)
    assert row.finished_at is None and row.collectors == '["checks", "cluster"]' and row.data is None
    archive = os.urandom(3 * 1024 * 1024)
    store.finish_support_bundle(first, name="acme-support.tar.gz", data=archive,
                                analysis=[{"id": "x", "message": {"t": "ok", "p": {}}}], failed_collectors=1)  # fmt: skip
    row = store.get_support_bundle("acme", first, with_data=True)
    assert row.data == archive and row.finished_at is not None and row.failed_collectors == 1
    assert store.get_support_bundle("acme", first).data is None  # the archive only when asked for
    assert store.get_support_bundle("other", first) is None
    failed = store.start_support_bundle("acme")
    store.fail_support_bundle(failed, "TimeoutError")
    assert store.get_support_bundle("acme", failed).failed == "TimeoutError"
    newer = [store.start_support_bundle("acme") for _ in range(KEEP)]
    assert store.get_support_bundle("acme", first) is None and store.get_support_bundle("acme", newer[0]) is not None
    store.delete_profile("acme")
    assert store.get_support_bundle("other", newer[-1]) is None
