"""Engine creation and migrations. SQLite (WAL, foreign keys) by default, MySQL by URL."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
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


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (once per URL per process)."""
    key = str(engine.url)
    with _lock:
        if key in _migrated:
            return
        cfg = Config()
        cfg.set_main_option("script_location", str(resource_dir("migrations")))
        cfg.set_main_option("sqlalchemy.url", key.replace("%", "%%"))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        _migrated.add(key)
