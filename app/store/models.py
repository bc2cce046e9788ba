"""State store tables. Created and changed only by Alembic migrations (migrations/versions)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import NaiveDatetime
from sqlalchemy import Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Profile(SQLModel, table=True):
    """One installation. `document` is the answers as JSON with secrets encrypted ({"$fernet": …})."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=63, unique=True, index=True)
    document: str = Field(sa_column=Column(Text, nullable=False))
    version: int = 1
    last_step: str = Field(default="hardware", max_length=32)
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    updated_at: NaiveDatetime = Field(default_factory=utcnow)


class CheckRun(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", index=True)
    steps: str = Field(max_length=255)  # comma-separated step names, or "check:<id>"
    digest: str = Field(max_length=64)  # keyed digest of the inputs, to mark results stale
    status: str = Field(default="running", max_length=16)  # running | done
    started_at: NaiveDatetime = Field(default_factory=utcnow)
    finished_at: NaiveDatetime | None = None
    expected: int = 0  # number of checks in the run


class CheckResult(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="checkrun.id", index=True)
    check_id: str = Field(max_length=128)
    step: str = Field(max_length=32)
    status: str = Field(max_length=16)
    data: str = Field(sa_column=Column(Text, nullable=False))  # Result.to_data() as JSON (English texts + "i18n")
    finished_at: NaiveDatetime = Field(default_factory=utcnow)


class IgnoredCheck(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("profile_id", "check_id"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", index=True)
    check_id: str = Field(max_length=128)
    reason: str = Field(max_length=500)
    created_at: NaiveDatetime = Field(default_factory=utcnow)


class ProbeToken(SQLModel, table=True):
    """One-time, profile-bound, expiring token for the hardware/node probe upload (hash only)."""

    token_hash: str = Field(primary_key=True, max_length=64)
    profile_id: int = Field(foreign_key="profile.id", index=True)
    role: str = Field(max_length=16)
    purpose: str = Field(default="hardware", max_length=16)  # hardware | node
    expires_at: NaiveDatetime
    used_at: NaiveDatetime | None = None


class _FromNode(SQLModel):
    """What a probe sent from one node of a profile, and when it was measured."""

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", index=True)
    node: str = Field(max_length=253)
    role: str = Field(max_length=16)
    measured_at: NaiveDatetime


class NodeReport(_FromNode, table=True):
    """A node's report of what it reaches (app/probe/node.py)."""

    data: str = Field(sa_column=Column(Text, nullable=False))
    ok: bool = True  # app.facts.node_report.node_ok(data): lets a page count and order the fleet without parsing it


class Measurement(_FromNode, table=True):
    """Hardware facts measured by a probe on a node (role app | database), shown as "measured"."""

    facts: str = Field(sa_column=Column(Text, nullable=False))


class Revision(SQLModel, table=True):
    """One stored state of a profile (SPEC §7 "Revisions"): `version` is the profile's version it was
    saved as; `document` is encoded like Profile.document (secrets encrypted); `changed` is a JSON list of
    the dotted answer keys that changed against the previous revision (names only, never values)."""

    __table_args__ = (UniqueConstraint("profile_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", index=True)
    version: int
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    source: str = Field(max_length=16)  # web | import | restore | rotate-key
    changed: str = Field(sa_column=Column(Text, nullable=False))
    document: str = Field(sa_column=Column(Text, nullable=False))


class SupportBundle(SQLModel, table=True):
    """A support bundle made by the web (SPEC §6.1), kept in the state store so that any replica can show
    its progress and serve it. `collectors` is a JSON list of the collectors finished so far; `data` the
    archive (already redacted); `analysis` its findings as JSON (messages with their values redacted)."""

    __tablename__ = "support_bundle"
    id: str = Field(primary_key=True, max_length=32)
    profile_id: int = Field(foreign_key="profile.id", index=True)
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    finished_at: NaiveDatetime | None = None
    collectors: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    name: str | None = Field(default=None, max_length=255)
    data: bytes | None = Field(default=None, sa_column=Column(LargeBinary(length=2**32 - 1), nullable=True))
    analysis: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    failed_collectors: int = 0
    failed: str | None = Field(default=None, max_length=255)
