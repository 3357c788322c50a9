"""Stewards' publishers get their own table; revoked access tokens are kept until they expire.

The data migration splits the old newline-separated `users.publishers` column into one row per publisher,
then drops the column (a table copy on SQLite, through batch mode).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    publishers = op.create_table(
        "user_publishers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("publisher", sa.String(1024), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_user_publishers_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_user_publishers"),
        sa.UniqueConstraint("user_id", "publisher", name="uq_user_publishers_user_id"),
    )
    op.create_index("ix_user_publishers_user_id", "user_publishers", ["user_id"])
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("publishers", sa.Text()))
    connection = op.get_bind()
    rows = []
    for user_id, text in connection.execute(sa.select(users.c.id, users.c.publishers)):
        seen: set[str] = set()
        for line in (text or "").splitlines():
            value = line.strip()
            if value and value not in seen:
                seen.add(value)
                rows.append({"user_id": user_id, "publisher": value})
    if rows:
        op.bulk_insert(publishers, rows)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("publishers")
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("jti", name="pk_revoked_tokens"),
    )
    op.create_index("ix_revoked_tokens_expires_at", "revoked_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_revoked_tokens_expires_at", table_name="revoked_tokens")
    op.drop_table("revoked_tokens")
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("publishers", sa.Text(), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("publishers", sa.Text()))
    publishers = sa.table("user_publishers", sa.column("user_id", sa.Integer()), sa.column("publisher", sa.String()))
    connection = op.get_bind()
    grouped: dict[int, list[str]] = {}
    for user_id, publisher in connection.execute(sa.select(publishers.c.user_id, publishers.c.publisher)):
        grouped.setdefault(user_id, []).append(publisher)
    for user_id, values in grouped.items():
        connection.execute(users.update().where(users.c.id == user_id).values(publishers="\n".join(values)))
    op.drop_index("ix_user_publishers_user_id", table_name="user_publishers")
    op.drop_table("user_publishers")
