"""The wizard's state: profiles (answers with encrypted secrets), check runs, ignores, probe tokens,
node reports. Every write is one transaction; saves use an optimistic version check.

One `Store` class, assembled from one module per concern: profiles.py (answers documents, key
rotation), runs.py (check runs, results, ignores), probes.py (probe tokens, hardware measurements),
nodes.py (node reports)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from app.answers import SECRET_FIELDS, get_path
from app.settings import Settings
from app.store import models
from app.store.base import MAX_ID, Conflict, NotFound, StoreUnavailable
from app.store.crypto import KeyError_, SecretBox, load_or_create_key, old_keys
from app.store.db import make_engine, migrate
from app.store.models import Profile
from app.store.nodes import NodesStore
from app.store.probes import ProbesStore
from app.store.profiles import ProfileInfo, ProfilesStore
from app.store.revisions import RevisionInfo
from app.store.runs import RunsStore
from app.store.support import SupportStore

__all__ = [
    "Store",
    "Conflict",
    "NotFound",
    "KeyError_",
    "StoreUnavailable",
    "models",
    "ProfileInfo",
    "RevisionInfo",
    "MAX_ID",
]


class Store(ProfilesStore, RunsStore, ProbesStore, NodesStore, SupportStore):
    @classmethod
    def open(cls, settings: Settings) -> Store:
        """Open (and migrate) the state store; StoreUnavailable with a one-line cause when it cannot."""
        if settings.secret_key is None or str(settings.data_dir) in settings.state_url:  # key file / default SQLite
            _check_writable(settings.data_dir)
        try:
            engine = make_engine(settings.state_url)
            migrate(engine)
        except (SQLAlchemyError, OSError, ValueError) as exc:
            raise StoreUnavailable(
                f"WBSETUP_STATE_URL {_shown(settings.state_url)}: cannot open the state store ({_cause(exc)})"
            ) from None
        key = load_or_create_key(settings.secret_key, settings.data_dir)
        store = cls(engine, SecretBox(key, *old_keys(settings.secret_key, settings.data_dir)))
        store.verify_key()
        return store

    def verify_key(self) -> None:
        """Raise KeyError_ (a clear message, at start-up) when the key cannot decrypt a stored secret."""
        with self.session() as s:
            text = s.exec(select(Profile.document).where(Profile.document.contains('"$fernet"')).limit(1)).first()
        if text is None:
            return
        doc = json.loads(text)
        for path in SECRET_FIELDS:
            value = get_path(doc, path)
            if isinstance(value, dict) and "$fernet" in value:
                self.box.decrypt(value["$fernet"])
                return


def _check_writable(data_dir: Path) -> None:
    """The data directory holds the SQLite state and the key file: fail at start, in one line, when
    it cannot be created or written (WBSETUP_DATA_DIR on a read-only mount, another user's folder)."""
    try:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=data_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise StoreUnavailable(
            f"data directory {data_dir} cannot be written ({exc.strerror or exc}); "
            "set WBSETUP_DATA_DIR to a directory this user can write"
        ) from None


def _shown(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(not a database URL)"


def _cause(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)  # the driver's own error inside SQLAlchemy's wrapper
    text = str(orig if orig is not None else exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
