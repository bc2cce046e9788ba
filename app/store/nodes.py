"""Node reports: one per (node, role) of a profile, uploaded by the node probe."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, update
from sqlmodel import Session, select

from app.facts.node_report import node_ok
from app.store.base import MAX_ID, Conflict, StoreBase
from app.store.models import NodeReport, ProbeToken, Profile, utcnow


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


Accepted = tuple[str, dict]  # (profile name, the stored report)
Judge = Callable[[tuple["UploadToken", str] | None, Any], dict]


def _report_row(profile_id: int, report: dict) -> dict:
    measured = datetime.fromisoformat(report["measured_at"].replace("Z", "+00:00")).replace(tzinfo=None)
    return {
        "profile_id": profile_id,
        "node": report["node"],
        "role": report["role"],
        "measured_at": measured,
        "data": json.dumps(report, ensure_ascii=False),
        "ok": node_ok(report),
    }


def _put_report(s: Session, profile_id: int, report: dict) -> None:
    """The node's report replaces its earlier one (per node and role)."""
    s.exec(
        delete(NodeReport).where(
            NodeReport.profile_id == profile_id, NodeReport.node == report["node"], NodeReport.role == report["role"]
        )
    )
    s.add(NodeReport(**_report_row(profile_id, report)))


@dataclass
class UploadToken:
    """What judging an upload needs of its probe token (a plain row, not an ORM object)."""

    token_hash: str
    profile_id: int
    role: str
    expires_at: datetime
    used_at: datetime | None


class _Raced(Exception):
    """A token of the batch was spent by another process between reading and spending it."""


class NodesStore(StoreBase):
    def add_node_report(self, name: str, report: dict) -> None:
        with self.session() as s:
            _put_report(s, self._row(s, name).id, report)
            s.commit()

    def accept_node_reports(self, uploads: list[tuple[str, Any]], judge: Judge) -> list[Accepted | Exception]:
        """Node reports uploaded with one-time tokens, stored in ONE transaction of a few statements
        (a whole burst of a fleet's uploads: one commit). For each (token hash, uploaded report),
        `judge(found, report)` gets the token and its profile's name (None for an unknown token) and
        returns the report to store or raises, which refuses that upload only (its token stays
        unspent); an accepted upload spends its token (a second upload with it is judged as used) and
        its report replaces the node's earlier one. Returns, in order, (profile name, stored report)
        or the exception refusing the upload: Conflict when another process spent the token first."""
        try:
            return self._accept_batch(uploads, judge)
        except _Raced:
            if len(uploads) == 1:
                return [Conflict("this probe token was already used; create a new one in the wizard")]
            return [self.accept_node_reports([u], judge)[0] for u in uploads]  # exact, one by one

    def _accept_batch(self, uploads: list[tuple[str, Any]], judge: Judge) -> list[Accepted | Exception]:
        out: list[Accepted | Exception] = []
        now = utcnow()
        with self.engine.begin() as conn:
            tokens = {
                r.token_hash: (UploadToken(r.token_hash, r.profile_id, r.role, r.expires_at, r.used_at), r.name)
                for r in conn.execute(
                    select(
                        ProbeToken.token_hash,
                        ProbeToken.profile_id,
                        ProbeToken.role,
                        ProbeToken.expires_at,
                        ProbeToken.used_at,
                        Profile.name,
                    )
                    .join(Profile, Profile.id == ProbeToken.profile_id)
                    .where(ProbeToken.token_hash.in_({h for h, _ in uploads}))
                )
            }
            spent: list[str] = []
            keep: dict[tuple[int, str, str], dict] = {}  # the last report per node and role wins
            for token_hash, uploaded in uploads:
                found = tokens.get(token_hash)
                try:
                    report = judge(found, uploaded)
                except Exception as exc:  # noqa: BLE001 - refuses this upload, not the batch
                    out.append(exc)
                    continue
                if found is None:
                    raise RuntimeError("judge() accepted an upload without a token")
                tok, name = found
                tok.used_at = now
                spent.append(token_hash)
                keep[(tok.profile_id, report["node"], report["role"])] = report
                out.append((name, report))
            if not spent:
                return out
            done = conn.execute(
                update(ProbeToken)
                .where(ProbeToken.token_hash.in_(spent), ProbeToken.used_at.is_(None))
                .values(used_at=now)
            )
            if done.rowcount != len(spent):  # another process spent one meanwhile: undo, then one by one
                raise _Raced
            conn.execute(
                delete(NodeReport).where(
                    NodeReport.profile_id == bindparam("p"),
                    NodeReport.node == bindparam("n"),
                    NodeReport.role == bindparam("r"),
                ),
                [{"p": p, "n": n, "r": r} for p, n, r in keep],
            )
            conn.execute(insert(NodeReport), [_report_row(p, report) for (p, _, _), report in keep.items()])
        return out

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
