"""Check runs, their results, and ignored checks."""

from __future__ import annotations

import json
from typing import NamedTuple

from sqlalchemy import delete, func, update
from sqlmodel import select

from app.i18n.message import with_messages, with_structure
from app.store.base import MAX_ID, NotFound, StoreBase
from app.store.models import CheckResult, CheckRun, IgnoredCheck, Profile, utcnow


class RunRef(NamedTuple):
    """The run a latest result came from (what pages need of it: the digest marks stale results)."""

    id: int
    digest: str
    status: str


class RunsStore(StoreBase):
    # -- check runs -------------------------------------------------------------------------------
    def start_run(self, name: str, steps: str, digest: str, expected: int) -> int:
        with self.session() as s:
            row = self._row(s, name)
            run = CheckRun(profile_id=row.id, steps=steps, digest=digest, expected=expected)
            s.add(run)
            s.commit()
            return run.id

    def add_result(self, run_id: int, result: dict) -> None:
        """Store `result` (Result.to_data(): English texts plus, under "i18n", their structured form)."""
        result = with_structure(result)
        with self.session() as s:
            s.add(
                CheckResult(
                    run_id=run_id,
                    check_id=result["id"],
                    step=result["step"],
                    status=result["status"],
                    data=json.dumps(result, ensure_ascii=False),
                )
            )
            s.commit()

    def finish_run(self, run_id: int) -> None:
        with self.session() as s:
            s.exec(update(CheckRun).where(CheckRun.id == run_id).values(status="done", finished_at=utcnow()))
            s.commit()

    def get_run(self, run_id: int) -> tuple[CheckRun, list[dict]]:
        if not 0 < run_id <= MAX_ID:
            raise NotFound(f"unknown check run {run_id}")
        with self.session() as s:
            run = s.get(CheckRun, run_id)
            if run is None:
                raise NotFound(f"unknown check run {run_id}")
            rows = s.exec(select(CheckResult).where(CheckResult.run_id == run_id).order_by(CheckResult.id)).all()
            return run, [with_messages(json.loads(r.data)) for r in rows]

    def latest_results(self, name: str) -> dict[str, tuple[dict, RunRef]]:
        """The newest result of every check of the profile, with the run it came from: one query that
        reads only the newest row per check (no ORM objects, no parsing of older results)."""
        profile_id = select(Profile.id).where(Profile.name == name).scalar_subquery()
        newest = (
            select(func.max(CheckResult.id))
            .join(CheckRun, CheckResult.run_id == CheckRun.id)
            .where(CheckRun.profile_id == profile_id)
            .group_by(CheckResult.check_id)
        )
        query = (
            select(CheckResult.check_id, CheckResult.data, CheckRun.id, CheckRun.digest, CheckRun.status)
            .join(CheckRun, CheckResult.run_id == CheckRun.id)
            .where(CheckResult.id.in_(newest))
            .order_by(CheckResult.id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        if not rows:
            with self.session() as s:
                self._row(s, name)  # NotFound for an unknown profile, as before
        return {
            check_id: (with_messages(json.loads(data)), RunRef(run_id, digest, status))
            for check_id, data, run_id, digest, status in rows
        }

    def prune_runs(self, name: str, keep: int = 50) -> None:
        with self.session() as s:
            row = self._row(s, name)
            old = s.exec(
                select(CheckRun.id).where(CheckRun.profile_id == row.id).order_by(CheckRun.id.desc()).offset(keep)
            ).all()
            if old:
                s.exec(delete(CheckResult).where(CheckResult.run_id.in_(old)))
                s.exec(delete(CheckRun).where(CheckRun.id.in_(old)))
                s.commit()

    # -- ignores ----------------------------------------------------------------------------------
    def ignores(self, name: str) -> dict[str, str]:
        query = (
            select(IgnoredCheck.check_id, IgnoredCheck.reason)
            .join(Profile, IgnoredCheck.profile_id == Profile.id)
            .where(Profile.name == name)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        if not rows:
            with self.session() as s:
                self._row(s, name)  # NotFound for an unknown profile
        return {check_id: reason for check_id, reason in rows}

    def set_ignore(self, name: str, check_id: str, reason: str | None) -> None:
        """Ignore `check_id` with `reason`, or stop ignoring it (reason None)."""
        with self.session() as s:
            row = self._row(s, name)
            s.exec(delete(IgnoredCheck).where(IgnoredCheck.profile_id == row.id, IgnoredCheck.check_id == check_id))
            if reason:
                s.add(IgnoredCheck(profile_id=row.id, check_id=check_id, reason=reason))
            s.commit()
