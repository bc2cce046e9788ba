"""Node reports carry their verdict (`ok`), so the deploy page counts, orders and pages the fleet
without parsing every report; an index for that. Existing rows are judged once here.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nodereport") as batch:
        batch.add_column(sa.Column("ok", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_index("ix_nodereport_profile_ok_node", "nodereport", ["profile_id", "ok", "node"])
    from app.facts.node_report import node_ok  # the verdict the store writes with each report

    conn = op.get_bind()
    table = sa.table(
        "nodereport", sa.column("id", sa.Integer()), sa.column("data", sa.Text()), sa.column("ok", sa.Boolean())
    )
    for row_id, data in conn.execute(sa.select(table.c.id, table.c.data)).all():
        try:
            ok = node_ok(json.loads(data))
        except ValueError:
            ok = False
        if not ok:
            conn.execute(table.update().where(table.c.id == row_id).values(ok=False))


def downgrade() -> None:
    op.drop_index("ix_nodereport_profile_ok_node", "nodereport")
    with op.batch_alter_table("nodereport") as batch:
        batch.drop_column("ok")
