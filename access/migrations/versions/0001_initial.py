"""The first schema: identity, workflow and audit.

In this first cut a steward's publishers were one newline-separated text column on `users`, and revoked
access tokens were not kept; 0002 changes both.

Revision ID: 0001
Revises:
Create Date: 2026-11-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

NOW = sa.DateTime()


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("publishers", sa.Text(), nullable=True),
        sa.Column("name", sa.String(300), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("organisation", sa.String(300), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("issuer", "subject", name="uq_users_issuer_subject"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("secret_hash", sa.String(128), nullable=True),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("scopes", sa.String(1024), nullable=False),
        sa.Column("grant_types", sa.String(255), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clients"),
        sa.UniqueConstraint("client_id", name="uq_clients_client_id"),
        sa.UniqueConstraint("name", name="uq_clients_name"),
    )
    op.create_table(
        "auth_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("redirect_uri", sa.String(2048), nullable=False),
        sa.Column("scope", sa.String(1024), nullable=False),
        sa.Column("nonce", sa.String(255), nullable=True),
        sa.Column("code_challenge", sa.String(128), nullable=False),
        sa.Column("code_challenge_method", sa.String(10), nullable=False),
        sa.Column("auth_time", NOW, nullable=False),
        sa.Column("expires_at", NOW, nullable=False),
        sa.Column("used_at", NOW, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_auth_codes_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_auth_codes"),
        sa.UniqueConstraint("code_hash", name="uq_auth_codes_code_hash"),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("family", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(1024), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("issued_at", NOW, nullable=False),
        sa.Column("expires_at", NOW, nullable=False),
        sa.Column("used_at", NOW, nullable=True),
        sa.Column("revoked_at", NOW, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_refresh_tokens_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_refresh_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_refresh_tokens_token_hash"),
    )
    op.create_index("ix_refresh_tokens_family", "refresh_tokens", ["family"])
    op.create_index("ix_refresh_tokens_code_hash", "refresh_tokens", ["code_hash"])
    op.create_table(
        "projects",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("organisation", sa.String(300), nullable=True),
        sa.Column("principal_investigator_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["principal_investigator_id"], ["users.id"], name="fk_projects_principal_investigator_id_users"
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name="fk_projects_created_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
    )
    op.create_table(
        "project_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_project_members_project_id_projects", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_project_members_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_project_members"),
        sa.UniqueConstraint("project_id", "user_id", name="uq_project_members_project_id"),
    )
    op.create_index("ix_project_members_project_id", "project_members", ["project_id"])
    op.create_index("ix_project_members_user_id", "project_members", ["user_id"])
    op.create_table(
        "access_requests",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("project_id", sa.String(40), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("duo_codes", sa.JSON(), nullable=False),
        sa.Column("legal_basis", sa.String(300), nullable=False),
        sa.Column("duration_days", sa.Integer(), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.Column("updated_at", NOW, nullable=False),
        sa.Column("submitted_at", NOW, nullable=True),
        sa.Column("first_decision_at", NOW, nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_access_requests_project_id_projects"),
        sa.ForeignKeyConstraint(["applicant_id"], ["users.id"], name="fk_access_requests_applicant_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_access_requests"),
    )
    op.create_index("ix_access_requests_project_id", "access_requests", ["project_id"])
    op.create_index("ix_access_requests_state", "access_requests", ["state"])
    op.create_table(
        "request_datasets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("dataset_id", sa.String(64), nullable=False),
        sa.Column("dataset_iri", sa.String(2048), nullable=False),
        sa.Column("title", sa.String(1000), nullable=True),
        sa.Column("publisher_iri", sa.String(1024), nullable=True),
        sa.Column("publisher_name", sa.String(1024), nullable=True),
        sa.Column("publisher_names", sa.JSON(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=True),
        sa.Column("terms_accepted", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["access_requests.id"],
            name="fk_request_datasets_request_id_access_requests",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_request_datasets"),
        sa.UniqueConstraint("request_id", "dataset_id", name="uq_request_datasets_request_id"),
    )
    op.create_index("ix_request_datasets_request_id", "request_datasets", ["request_id"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("request_dataset_id", sa.Integer(), nullable=True),
        sa.Column("dataset_id", sa.String(64), nullable=False),
        sa.Column("steward_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=True),
        sa.Column("row_filter", sa.Text(), nullable=True),
        sa.Column("end_date", NOW, nullable=True),
        sa.Column("decided_at", NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["access_requests.id"], name="fk_decisions_request_id_access_requests", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["request_dataset_id"],
            ["request_datasets.id"],
            name="fk_decisions_request_dataset_id_request_datasets",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["steward_id"], ["users.id"], name="fk_decisions_steward_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
    )
    op.create_index("ix_decisions_request_id", "decisions", ["request_id"])
    op.create_table(
        "request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", NOW, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["access_requests.id"],
            name="fk_request_events_request_id_access_requests",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name="fk_request_events_actor_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_request_events"),
    )
    op.create_index("ix_request_events_request_id", "request_events", ["request_id"])
    op.create_table(
        "entitlements",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("request_dataset_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(40), nullable=False),
        sa.Column("dataset_id", sa.String(64), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=True),
        sa.Column("row_filter", sa.Text(), nullable=True),
        sa.Column("starts_at", NOW, nullable=False),
        sa.Column("ends_at", NOW, nullable=False),
        sa.Column("revoked_at", NOW, nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["access_requests.id"],
            name="fk_entitlements_request_id_access_requests",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_dataset_id"],
            ["request_datasets.id"],
            name="fk_entitlements_request_dataset_id_request_datasets",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_entitlements_project_id_projects"),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"], name="fk_entitlements_revoked_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_entitlements"),
    )
    op.create_index("ix_entitlements_request_id", "entitlements", ["request_id"])
    op.create_index("ix_entitlements_project_id", "entitlements", ["project_id"])
    op.create_index("ix_entitlements_dataset_id", "entitlements", ["dataset_id"])
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", NOW, nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(255), nullable=True),
        sa.Column("publishers", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_kind", "audit_events", ["kind"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64}])


def downgrade() -> None:
    for table in (
        "audit_head",
        "audit_events",
        "entitlements",
        "request_events",
        "decisions",
        "request_datasets",
        "access_requests",
        "project_members",
        "projects",
        "refresh_tokens",
        "auth_codes",
        "clients",
        "users",
    ):
        op.drop_table(table)
