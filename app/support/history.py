"""report/history.json of the web's support bundle: the profile's stored check runs, newest first."""

from __future__ import annotations

from typing import Any

LIMIT = 20  # the newest runs; the store keeps at most 50 per profile (Store.prune_runs)


def _iso(value: Any) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def stored_runs(store, name: str, limit: int = LIMIT) -> list[dict]:
    """[{id, steps, status, started_at, finished_at, checks: [result]}] of the profile, newest first."""
    from sqlmodel import col, select

    from app.store.models import CheckRun, Profile

    with store.session() as s:
        profile = s.exec(select(Profile).where(Profile.name == name)).first()
        if profile is None:
            return []
        runs = s.exec(
            select(CheckRun).where(CheckRun.profile_id == profile.id).order_by(col(CheckRun.id).desc()).limit(limit)
        ).all()
        heads = [(r.id, r.steps, r.status, _iso(r.started_at), _iso(r.finished_at)) for r in runs]
    out = []
    for run_id, steps, status, started, finished in heads:
        _, results = store.get_run(run_id)
        checks = [{k: (str(v) if isinstance(v, str) else v) for k, v in r.items() if k != "i18n"} for r in results]
        out.append(
            {
                "id": run_id,
                "steps": steps,
                "status": status,
                "started_at": started,
                "finished_at": finished,
                "checks": checks,
            }
        )
    return out
