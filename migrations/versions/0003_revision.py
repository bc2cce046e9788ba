"""Revisions (SPEC §7): every change of a profile stores its document (secrets encrypted as the
profile's are), time, source and the changed keys. Existing profiles get one revision: their current
state, at their current version.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("profile_id", sa.Integer(), sa.ForeignKey("profile.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("changed", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.UniqueConstraint("profile_id", "version", name="uq_revision_profile_version"),
    )
    op.create_index("ix_revision_profile_id", "revision", ["profile_id"])
    from app.change.keys import changed_keys

    conn = op.get_bind()
    profile = sa.table(
        "profile",
        sa.column("id", sa.Integer()),
        sa.column("document", sa.Text()),
        sa.column("version", sa.Integer()),
        sa.column("updated_at", sa.DateTime()),
    )
    table = sa.table(
        "revision",
        sa.column("profile_id", sa.Integer()),
        sa.column("version", sa.Integer()),
        sa.column("created_at", sa.DateTime()),
        sa.column("source", sa.String()),
        sa.column("changed", sa.Text()),
        sa.column("document", sa.Text()),
    )
    for pid, document, version, updated in conn.execute(
        sa.select(profile.c.id, profile.c.document, profile.c.version, profile.c.updated_at)
    ).all():
        changed = changed_keys({}, json.loads(document))  # secrets are {"$fernet": …}: named, never read
        conn.execute(
            table.insert().values(
                profile_id=pid,
                version=version,
                created_at=updated,
                source="web",
                changed=json.dumps(changed),
                document=document,
            )
        )


def downgrade() -> None:
    op.drop_index("ix_revision_profile_id", "revision")
    op.drop_table("revision")
