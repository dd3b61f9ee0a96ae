"""bot cursors: per Discord channel, the newest message id the bot has processed

The bot catches up on each channel after a restart from the message after its cursor. The
cursor only moves forward (an upsert guarded by ``excluded.last_message_id > current``). The
table starts empty: a channel without a cursor has nothing to catch up on.

Written to match autogenerate's output for ``BotCursorRow``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 02:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_cursors",
        sa.Column("channel_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("last_message_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_bot_cursors")),
    )


def downgrade() -> None:
    op.drop_table("bot_cursors")
