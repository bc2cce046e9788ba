"""Probe upload tokens and the hardware facts measured by the host probe."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import delete, update
from sqlmodel import select

from app.store.base import StoreBase
from app.store.models import Measurement, ProbeToken, Profile, utcnow


class ProbesStore(StoreBase):
    # -- probe tokens -------------------------------------------------------------------------------
    def add_probe_token(self, name: str, token_hash: str, role: str, purpose: str, ttl: timedelta) -> None:
        with self.session() as s:
            row = self._row(s, name)
            s.add(
                ProbeToken(
                    token_hash=token_hash, profile_id=row.id, role=role, purpose=purpose, expires_at=utcnow() + ttl
                )
            )
            s.commit()

    def use_probe_token(self, token_hash: str) -> tuple[ProbeToken, str] | None:
        """Marks the token used (atomically: a second use finds it used); returns it and the profile."""
        with self.session() as s:
            tok = s.get(ProbeToken, token_hash)
            if tok is None:
                return None
            profile = s.get(Profile, tok.profile_id)
            if tok.used_at is None:
                changed = s.exec(
                    update(ProbeToken)
                    .where(ProbeToken.token_hash == token_hash, ProbeToken.used_at.is_(None))
                    .values(used_at=utcnow())
                )
                s.commit()
                if changed.rowcount != 1:
                    tok = s.get(ProbeToken, token_hash)
                    s.refresh(tok)
                else:
                    tok.used_at = None  # report it as it was before this use
            return tok, profile.name

    def peek_probe_token(self, token_hash: str) -> tuple[ProbeToken, str] | None:
        with self.session() as s:
            tok = s.get(ProbeToken, token_hash)
            if tok is None:
                return None
            return tok, s.get(Profile, tok.profile_id).name

    # -- hardware measurements --------------------------------------------------------------------
    def add_measurement(self, name: str, role: str, node: str, facts: dict) -> None:
        with self.session() as s:
            row = self._row(s, name)
            s.exec(
                delete(Measurement).where(
                    Measurement.profile_id == row.id, Measurement.role == role, Measurement.node == node
                )
            )
            s.add(Measurement(profile_id=row.id, role=role, node=node, measured_at=utcnow(), facts=json.dumps(facts)))
            s.commit()

    def measurements(self, name: str) -> list[dict]:
        with self.session() as s:
            row = self._row(s, name)
            rows = s.exec(
                select(Measurement).where(Measurement.profile_id == row.id).order_by(Measurement.role, Measurement.node)
            ).all()
            return [
                {"id": r.id, "role": r.role, "node": r.node, "measured_at": r.measured_at, "facts": json.loads(r.facts)}
                for r in rows
            ]
