"""Engine creation and migrations. SQLite (WAL, foreign keys) by default, MySQL by URL."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import create_engine

from app.resources import resource_dir

_migrated: set[str] = set()
_lock = threading.Lock()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # durability: WAL survives kill -9 mid-write
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    connect_args = {"connect_timeout": 10, "read_timeout": 30, "write_timeout": 30, "charset": "utf8mb4"}
    if parsed.password is not None:  # PyMySQL encodes a str password as latin-1; MySQL hashes UTF-8 bytes
        connect_args["password"] = parsed.password.encode("utf-8")
    return create_engine(url, pool_pre_ping=True, pool_recycle=1800, connect_args=connect_args)


_REVISION = re.compile(r"""^(down_revision|revision)\s*=\s*(?:None|["']([^"']+)["'])\s*$""", re.M)


def head_revision() -> str | None:
    """The newest migration's revision id, read from migrations/versions/*.py as text (importing Alembic
    costs ~0.5 s; tests/test_store.py checks this against Alembic's own answer). None unless the files
    form one chain with one head: then `migrate` asks Alembic."""
    revisions: dict[str, str | None] = {}
    for path in (resource_dir("migrations") / "versions").glob("*.py"):
        found: dict[str, str | None] = {
            name: value or None for name, value in _REVISION.findall(path.read_text(encoding="utf-8"))
        }
        revision = found.get("revision")
        if revision is None or "down_revision" not in found or revision in revisions:
            return None
        revisions[revision] = found["down_revision"]
    heads = set(revisions) - set(revisions.values())
    return heads.pop() if len(heads) == 1 else None


def _at_head(engine: Engine, head: str | None) -> bool:
    """Whether the database's alembic_version names `head` (plain SQL; no Alembic import)."""
    if head is None:
        return False
    with engine.connect() as conn:  # an unreachable database raises here, as Alembic's connect would
        try:
            versions = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
        except DBAPIError:  # no alembic_version table yet: a new database
            return False
    return versions == {head}


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (once per URL per process). A database already at
    the head is only read (its alembic_version row); Alembic is imported when there is something to do."""
    key = str(engine.url)
    with _lock:
        if key in _migrated:
            return
        if _at_head(engine, head_revision()):
            _migrated.add(key)
            return
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(resource_dir("migrations")))
        cfg.set_main_option("sqlalchemy.url", key.replace("%", "%%"))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        _migrated.add(key)
