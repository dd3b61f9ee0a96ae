"""external chart links: a plan_charts row may hold only the original URL of a chart

Charts imported from the old system are Discord CDN links that have long expired; when their
bytes cannot be fetched the link is kept, marked as not archived (``sha256`` NULL). Every row
still names either archived bytes or a URL (check constraint).

Generated with autogenerate (the nullable change), then reviewed: the check constraint is not
detected by autogenerate and was added by hand; the downgrade refuses to run while external
links exist instead of dropping them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 00:27:34.085388
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CHECK = "ck_plan_charts_archived_or_url"


def upgrade() -> None:
    with op.batch_alter_table("plan_charts", schema=None) as batch_op:
        batch_op.alter_column("sha256", existing_type=sa.VARCHAR(length=64), nullable=True)
        batch_op.create_check_constraint(
            op.f(CHECK), sa.text("sha256 IS NOT NULL OR source_url IS NOT NULL")
        )


def downgrade() -> None:
    external = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM plan_charts WHERE sha256 IS NULL")
    )
    if external:
        raise RuntimeError(
            f"{external} chart links are external (old-system charts never archived); "
            "revision 0001 cannot hold them: export the data first (coachplans export)"
        )
    with op.batch_alter_table("plan_charts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.alter_column("sha256", existing_type=sa.VARCHAR(length=64), nullable=False)
