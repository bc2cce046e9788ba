"""What every part of the store shares: the engine, the secret box, sessions, the profile row lookup,
and the errors the store raises."""

from __future__ import annotations

from sqlmodel import Session, select

from app.store.crypto import SecretBox
from app.store.models import Profile

MAX_ID = 2**63 - 1  # SQLite and MySQL BIGINT: a larger id from a URL can match nothing (and would overflow)


class Conflict(RuntimeError):
    """The profile changed since the form was loaded (another tab or process saved first)."""


class NotFound(LookupError):
    pass


class StoreUnavailable(RuntimeError):
    """The state store cannot be opened: its data directory cannot be written, or WBSETUP_STATE_URL
    names a database that cannot be reached or is not a URL. The message names the cause in one line."""


class StoreBase:
    def __init__(self, engine, box: SecretBox):
        self.engine = engine
        self.box = box

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def _row(self, s: Session, name: str) -> Profile:
        row = s.exec(select(Profile).where(Profile.name == name)).first()
        if row is None:
            raise NotFound(f"unknown profile {name!r}")
        return row
