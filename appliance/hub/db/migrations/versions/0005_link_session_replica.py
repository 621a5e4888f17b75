"""link sessions name the hub replica that holds the link

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("link_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replica", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("link_sessions", schema=None) as batch_op:
        batch_op.drop_column("replica")
