"""Approvals name the columns the sandbox pseudonymises: `decisions.pseudonymise`, `entitlements.pseudonymise`.

Both are nullable JSON lists; existing decisions and entitlements keep NULL, which means "none", exactly what
the sandbox did for them before this revision.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("decisions", "entitlements"):
        op.add_column(table, sa.Column("pseudonymise", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in ("decisions", "entitlements"):
        # SQLite drops a column through a table copy (batch mode); PostgreSQL drops it in place.
        with op.batch_alter_table(table) as batch:
            batch.drop_column("pseudonymise")
