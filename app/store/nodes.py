"""Node reports: one per (node, role) of a profile, uploaded by the node probe."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import select

from app.store.base import MAX_ID, StoreBase
from app.store.models import NodeReport


class NodesStore(StoreBase):
    def add_node_report(self, name: str, report: dict) -> None:
        measured = datetime.fromisoformat(report["measured_at"].replace("Z", "+00:00")).replace(tzinfo=None)
        with self.session() as s:
            row = self._row(s, name)
            s.exec(delete(NodeReport).where(NodeReport.profile_id == row.id, NodeReport.node == report["node"],
                                            NodeReport.role == report["role"]))
            s.add(NodeReport(profile_id=row.id, node=report["node"], role=report["role"], measured_at=measured,
                             data=json.dumps(report, ensure_ascii=False)))
            s.commit()

    def node_reports(self, name: str) -> list[tuple[int, dict]]:
        with self.session() as s:
            row = self._row(s, name)
            rows = s.exec(select(NodeReport).where(NodeReport.profile_id == row.id).order_by(NodeReport.node)).all()
            return [(r.id, json.loads(r.data)) for r in rows]

    def delete_node_report(self, name: str, report_id: int) -> None:
        if not 0 < report_id <= MAX_ID:
            return
        with self.session() as s:
            row = self._row(s, name)
            s.exec(delete(NodeReport).where(NodeReport.profile_id == row.id, NodeReport.id == report_id))
            s.commit()
