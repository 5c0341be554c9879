"""Add the clears of lockouts that every worker applies

Revision ID: 0004
Revises: 0003
Create Date: 2027-01-15 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lockout_clears",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("access_key", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("cleared_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lockout_clears")),
    )
    op.create_index(
        op.f("ix_lockout_clears_cleared_at"), "lockout_clears", ["cleared_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_lockout_clears_cleared_at"), table_name="lockout_clears")
    op.drop_table("lockout_clears")
