"""Add signature lockouts shared by every worker

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

revisions = sa.table("revisions", sa.column("name", sa.String), sa.column("value", sa.BigInteger))


def upgrade() -> None:
    op.create_table(
        "lockouts",
        sa.Column("access_key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("access_key", name=op.f("pk_lockouts")),
    )
    op.bulk_insert(revisions, [{"name": "lockout", "value": 0}])


def downgrade() -> None:
    op.execute(revisions.delete().where(revisions.c.name == "lockout"))
    op.drop_table("lockouts")
