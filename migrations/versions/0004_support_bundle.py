"""Support bundles made by the web, in the state store (SPEC §6.1, §7 "Several replicas"): any replica shows
a bundle's progress and serves the archive, whichever one made it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "support_bundle",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("profile_id", sa.Integer(), sa.ForeignKey("profile.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("collectors", sa.Text(), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("data", sa.LargeBinary(length=2**32 - 1), nullable=True),  # LONGBLOB on MySQL
        sa.Column("analysis", sa.Text(), nullable=True),
        sa.Column("failed_collectors", sa.Integer(), nullable=False),
        sa.Column("failed", sa.String(255), nullable=True),
    )
    op.create_index("ix_support_bundle_profile_id", "support_bundle", ["profile_id"])


def downgrade() -> None:
    op.drop_index("ix_support_bundle_profile_id", "support_bundle")
    op.drop_table("support_bundle")
