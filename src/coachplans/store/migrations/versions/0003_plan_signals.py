"""plan signals: tickers, bias and price levels read from each plan's text (SPEC §3.5)

One row per (plan, ticker), replaced whenever the plan's text changes, with the ticker indexed
for ``?ticker=`` filters. The table starts empty: fill it for existing plans with
``coachplans signals backfill`` (signals are derived data; the parser lives in the
application, not in the migration).

Generated with autogenerate, then reviewed (nothing to adjust beyond the comments).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 01:01:53.398316
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_signals",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ticker", sa.String(length=16), nullable=False),
        sa.Column("bias", sa.String(length=8), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_plan_signals_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "position", name=op.f("pk_plan_signals")),
    )
    with op.batch_alter_table("plan_signals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_signals_ticker"), ["ticker"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_signals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_signals_ticker"))

    op.drop_table("plan_signals")
