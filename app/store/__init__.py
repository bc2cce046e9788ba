"""The wizard's state: profiles (answers with encrypted secrets), check runs, ignores, probe tokens,
node reports. Every write is one transaction; saves use an optimistic version check.

One `Store` class, assembled from one module per concern: profiles.py (answers documents, key
rotation), runs.py (check runs, results, ignores), probes.py (probe tokens, hardware measurements),
nodes.py (node reports)."""

from __future__ import annotations

import json

from sqlmodel import select

from app.answers import SECRET_FIELDS, get_path
from app.settings import Settings
from app.store import models
from app.store.base import MAX_ID, Conflict, NotFound
from app.store.crypto import KeyError_, SecretBox, load_or_create_key, old_keys
from app.store.db import make_engine, migrate
from app.store.models import Profile
from app.store.nodes import NodesStore
from app.store.probes import ProbesStore
from app.store.profiles import ProfileInfo, ProfilesStore
from app.store.runs import RunsStore

__all__ = ["Store", "Conflict", "NotFound", "KeyError_", "models", "ProfileInfo", "MAX_ID"]


class Store(ProfilesStore, RunsStore, ProbesStore, NodesStore):
    @classmethod
    def open(cls, settings: Settings) -> Store:
        engine = make_engine(settings.state_url)
        migrate(engine)
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
