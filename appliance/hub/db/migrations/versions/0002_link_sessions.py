"""link sessions: each room link from hello to close (reports: time online)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 01:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "link_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("connected_at", sa.Float(), nullable=False),
        sa.Column("disconnected_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name=op.f("fk_link_sessions_room_id_rooms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_sessions")),
    )
    with op.batch_alter_table("link_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_link_sessions_disconnected_at"), ["disconnected_at"], unique=False
        )
        batch_op.create_index(
            "ix_link_sessions_room_connected", ["room_id", "connected_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("link_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_link_sessions_room_connected")
        batch_op.drop_index(batch_op.f("ix_link_sessions_disconnected_at"))
    op.drop_table("link_sessions")
