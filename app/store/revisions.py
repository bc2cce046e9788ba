"""Revisions (SPEC §7): one row per stored state of a profile, written in the transaction of the save
that made it; listed (without their documents) for `wbsetup history` and the History page, read back
for `wbsetup diff PROFILE@N` and restores, and summarised for the stale-save conflict."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from app.answers import Answers
from app.store.base import NotFound, StoreBase
from app.store.models import Profile, Revision, utcnow

SOURCES = ("web", "import", "restore", "rotate-key")


@dataclass
class RevisionInfo:
    version: int
    created_at: datetime
    source: str
    changed: list[str]

    def to_json(self) -> dict:
        return {
            "revision": self.version,
            "time": self.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "source": self.source,
            "changed": self.changed,
        }


class RevisionsStore(StoreBase):
    def _add_revision(
        self, s: Session, profile_id: int, version: int, source: str, changed: list[str], document: str
    ) -> None:
        if source not in SOURCES:
            raise ValueError(f"revision source must be one of {', '.join(SOURCES)}")
        s.add(
            Revision(
                profile_id=profile_id,
                version=version,
                created_at=utcnow(),
                source=source,
                changed=json.dumps(changed),
                document=document,
            )
        )

    def _profile_id(self, s: Session, name: str) -> int:
        pid = s.exec(select(Profile.id).where(Profile.name == name)).first()
        if pid is None:
            raise NotFound(f"unknown profile {name!r}")
        return pid

    def count_revisions(self, name: str) -> int:
        with self.session() as s:
            pid = self._profile_id(s, name)
            return s.exec(select(func.count()).select_from(Revision).where(Revision.profile_id == pid)).one()

    def list_revisions(
        self, name: str, *, offset: int = 0, limit: int | None = None, newest_first: bool = False
    ) -> list[RevisionInfo]:
        """The revisions of `name` (never their documents), oldest first unless `newest_first`."""
        with self.session() as s:
            pid = self._profile_id(s, name)
            order = Revision.version.desc() if newest_first else Revision.version
            query = (
                select(Revision.version, Revision.created_at, Revision.source, Revision.changed)
                .where(Revision.profile_id == pid)
                .order_by(order)
                .offset(offset)
            )
            if limit is not None:
                query = query.limit(limit)
            return [RevisionInfo(v, t, src, json.loads(ch)) for v, t, src, ch in s.exec(query).all()]

    def get_revision(self, name: str, version: int | None = None) -> tuple[Answers, int]:
        """The answers stored as revision `version` of `name` (None: the latest) and its number."""
        with self.session() as s:
            pid = self._profile_id(s, name)
            query = select(Revision.document, Revision.version).where(Revision.profile_id == pid)
            if version is None:
                query = query.order_by(Revision.version.desc())
            else:
                query = query.where(Revision.version == version)
            found = s.exec(query.limit(1)).first()
        if found is None:
            raise NotFound(f"profile {name!r} has no revision {version}")
        return self._decode(found[0]), found[1]  # ProfilesStore's

    def changes_since(self, name: str, version: int) -> list[tuple[str, list[str]]]:
        """What was saved after `version`: [(source, changed keys)], one entry per source, in order."""
        with self.session() as s:
            pid = self._profile_id(s, name)
            rows = s.exec(
                select(Revision.source, Revision.changed)
                .where(Revision.profile_id == pid, Revision.version > version)
                .order_by(Revision.version)
            ).all()
        by_source: dict[str, set[str]] = {}
        for source, changed in rows:
            by_source.setdefault(source, set()).update(json.loads(changed))
        return [(source, sorted(keys)) for source, keys in by_source.items()]
