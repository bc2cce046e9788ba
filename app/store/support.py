"""Support bundles made by the web (SPEC §6.1), stored so that every replica sees them (§7 "Several
replicas"): a row is written when a bundle is asked for, updated as its collectors finish, and holds the
redacted archive once it is made. The newest KEEP of a profile are kept."""

from __future__ import annotations

import json
import secrets
import time

from sqlalchemy import delete, update
from sqlmodel import select

from app.store.base import StoreBase
from app.store.models import SupportBundle, utcnow

KEEP = 8  # support bundles kept per profile


class SupportStore(StoreBase):
    def start_support_bundle(self, name: str) -> str:
        """A new bundle of profile `name`; older ones beyond KEEP are removed. Its id is the time in
        nanoseconds (fixed-width hex: ids sort as they were made, also where DATETIME keeps whole seconds)
        and 72 random bits (unguessable)."""
        bundle_id = f"{time.time_ns():016x}{secrets.token_urlsafe(9)}"
        with self.session() as s:
            pid = self._row(s, name).id
            old = s.exec(
                select(SupportBundle.id)
                .where(SupportBundle.profile_id == pid)
                .order_by(SupportBundle.id.desc())
                .offset(KEEP - 1)
            ).all()
            if old:
                s.exec(delete(SupportBundle).where(SupportBundle.id.in_(old)))
            s.add(SupportBundle(id=bundle_id, profile_id=pid))
            s.commit()
        return bundle_id

    def support_bundle_progress(self, bundle_id: str, collectors: list[str]) -> None:
        self._update_bundle(bundle_id, collectors=json.dumps(collectors))

    def finish_support_bundle(
        self, bundle_id: str, *, name: str, data: bytes, analysis: list[dict], failed_collectors: int
    ) -> None:
        """`analysis`: the findings as JSON data (app.i18n.message.to_data), their values already redacted."""
        self._update_bundle(
            bundle_id, name=name, data=data, analysis=json.dumps(analysis), failed_collectors=failed_collectors,
            finished_at=utcnow(),
        )  # fmt: skip

    def fail_support_bundle(self, bundle_id: str, error: str) -> None:
        self._update_bundle(bundle_id, failed=error[:255], finished_at=utcnow())

    def get_support_bundle(self, name: str, bundle_id: str, *, with_data: bool = False) -> SupportBundle | None:
        """Bundle `bundle_id` of profile `name` (None when there is none: unknown, pruned, another profile's);
        without its archive unless `with_data`."""
        with self.session() as s:
            pid = self._row(s, name).id
            columns = [c for c in SupportBundle.__table__.columns if with_data or c.name != "data"]
            row = s.exec(select(*columns).where(SupportBundle.id == bundle_id, SupportBundle.profile_id == pid)).first()
        return SupportBundle(**row._mapping) if row is not None else None

    def _update_bundle(self, bundle_id: str, **values) -> None:
        with self.session() as s:
            s.exec(update(SupportBundle).where(SupportBundle.id == bundle_id).values(**values))
            s.commit()
