"""Node reports: one per (node, role) of a profile, uploaded by the node probe."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import select

from app.facts.node_report import node_ok
from app.store.base import MAX_ID, StoreBase
from app.store.models import NodeReport


@dataclass
class Fleet:
    """One page of a profile's node reports (failing first) and the counts of the whole fleet."""

    counts: dict[str, dict[str, int]]  # role → {"ok": n, "fail": n}, every report of the profile
    matching: int  # reports that pass the filter
    reports: list[tuple[int, dict]] = field(default_factory=list)  # (id, report) of this page

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())

    @property
    def failing(self) -> int:
        return sum(c["fail"] for c in self.counts.values())


class NodesStore(StoreBase):
    def add_node_report(self, name: str, report: dict) -> None:
        measured = datetime.fromisoformat(report["measured_at"].replace("Z", "+00:00")).replace(tzinfo=None)
        with self.session() as s:
            row = self._row(s, name)
            s.exec(
                delete(NodeReport).where(
                    NodeReport.profile_id == row.id,
                    NodeReport.node == report["node"],
                    NodeReport.role == report["role"],
                )
            )
            s.add(
                NodeReport(
                    profile_id=row.id,
                    node=report["node"],
                    role=report["role"],
                    measured_at=measured,
                    data=json.dumps(report, ensure_ascii=False),
                    ok=node_ok(report),
                )
            )
            s.commit()

    def node_reports(self, name: str) -> list[tuple[int, dict]]:
        with self.session() as s:
            row = self._row(s, name)
            rows = s.exec(select(NodeReport).where(NodeReport.profile_id == row.id).order_by(NodeReport.node)).all()
            return [(r.id, json.loads(r.data)) for r in rows]

    def node_fleet(
        self,
        name: str,
        *,
        status: str | None = None,
        role: str | None = None,
        search: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Fleet:
        """Counts by role and status, and `limit` reports from `offset` that match the filter (status
        "ok" | "fail", role, a substring of the node name), failing nodes first, then by name. Only the
        page's reports are read and parsed."""
        with self.session() as s:
            pid = self._row(s, name).id
        where = [NodeReport.profile_id == pid]
        if status in ("ok", "fail"):
            where.append(NodeReport.ok == (status == "ok"))
        if role:
            where.append(NodeReport.role == role)
        if search:
            where.append(NodeReport.node.contains(search, autoescape=True))
        counts: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for r, ok, n in conn.execute(
                select(NodeReport.role, NodeReport.ok, func.count())
                .where(NodeReport.profile_id == pid)
                .group_by(NodeReport.role, NodeReport.ok)
            ):
                counts.setdefault(r, {"ok": 0, "fail": 0})["ok" if ok else "fail"] += n
            matching = conn.execute(select(func.count()).select_from(NodeReport).where(*where)).scalar_one()
            rows = conn.execute(
                select(NodeReport.id, NodeReport.data)
                .where(*where)
                .order_by(NodeReport.ok, NodeReport.node, NodeReport.role)
                .offset(max(0, offset))
                .limit(max(0, limit))
            ).all()
        return Fleet(dict(sorted(counts.items())), matching, [(i, json.loads(d)) for i, d in rows])

    def delete_node_report(self, name: str, report_id: int) -> None:
        if not 0 < report_id <= MAX_ID:
            return
        with self.session() as s:
            row = self._row(s, name)
            s.exec(delete(NodeReport).where(NodeReport.profile_id == row.id, NodeReport.id == report_id))
            s.commit()
