"""The workflow database, as SQLAlchemy 2 typed models.

Identity (users, their publishers, OAuth clients, authorization codes, refresh tokens, revoked access tokens),
the workflow (projects and members, access requests, their datasets, decisions, state transitions,
entitlements) and the hash-chained audit log. The schema is created by the Alembic migrations in
`access/migrations`, never by `create_all`, and a test checks that the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored as naive UTC, returned as aware UTC, so SQLite and PostgreSQL compare alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base with a stable constraint naming convention (migrations refer to the names)."""

    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: sa.JSON(),
        list[Any]: sa.JSON(),
    }


# Identity


class User(Base):
    """A person: a local account (password hashed with Argon2id) or one provisioned from an external issuer."""

    __tablename__ = "users"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject", name="uq_users_issuer_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(255))  # the token `sub`
    issuer: Mapped[str] = mapped_column(sa.String(255))  # "builtin" or the external issuer URL
    username: Mapped[str] = mapped_column(sa.String(150), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16))  # scientist | steward | admin
    name: Mapped[str | None] = mapped_column(sa.String(300))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    organisation: Mapped[str | None] = mapped_column(sa.String(300))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class UserPublisher(Base):
    """A publisher (its name or IRI, as in the catalogue) a steward decides for."""

    __tablename__ = "user_publishers"
    __table_args__ = (sa.UniqueConstraint("user_id", "publisher", name="uq_user_publishers_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    publisher: Mapped[str] = mapped_column(sa.String(1024))


class Client(Base):
    """An OAuth client: a confidential partner portal, or a public client (web UI, CLI) that must use PKCE."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    secret_hash: Mapped[str | None] = mapped_column(sa.String(128))  # SHA-256 of a 256-bit random secret
    redirect_uris: Mapped[list[Any]]
    scopes: Mapped[str] = mapped_column(sa.String(1024))
    grant_types: Mapped[str] = mapped_column(sa.String(255))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class AuthCode(Base):
    """A one-time authorization code (stored hashed), bound to client, redirect URI and PKCE challenge."""

    __tablename__ = "auth_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    client_id: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(sa.String(2048))
    scope: Mapped[str] = mapped_column(sa.String(1024))
    nonce: Mapped[str | None] = mapped_column(sa.String(255))
    code_challenge: Mapped[str] = mapped_column(sa.String(128))
    code_challenge_method: Mapped[str] = mapped_column(sa.String(10))
    auth_time: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RefreshToken(Base):
    """A refresh token (stored hashed). Each use rotates it; reuse of a rotated one revokes its whole family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    family: Mapped[str] = mapped_column(sa.String(64), index=True)
    client_id: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(sa.String(1024))
    code_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)  # the code it came from
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class RevokedToken(Base):
    """An access token revoked before its expiry (RFC 7009), kept until it would have expired anyway."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime]


# The workflow


class Project(Base):
    """A research project: the unit that requests access and holds entitlements."""

    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    purpose: Mapped[str] = mapped_column(sa.Text)
    organisation: Mapped[str | None] = mapped_column(sa.String(300))
    principal_investigator_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]


class ProjectMember(Base):
    """A user in a project (the principal investigator is one too)."""

    __tablename__ = "project_members"
    __table_args__ = (sa.UniqueConstraint("project_id", "user_id", name="uq_project_members_project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))  # pi | member


class AccessRequest(Base):
    """A project's request for one or more datasets, for a purpose, under a legal basis, for a duration."""

    __tablename__ = "access_requests"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(sa.String(16), index=True)
    purpose: Mapped[str] = mapped_column(sa.Text)
    duo_codes: Mapped[list[Any]]
    legal_basis: Mapped[str] = mapped_column(sa.String(300))
    duration_days: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]  # the latest submission: age and SLA count from here
    first_decision_at: Mapped[datetime | None]  # the first decision since that submission


class RequestDataset(Base):
    """One dataset of a request, with the publisher that decides it and the conditions seen at request time."""

    __tablename__ = "request_datasets"
    __table_args__ = (sa.UniqueConstraint("request_id", "dataset_id", name="uq_request_datasets_request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(sa.ForeignKey("access_requests.id", ondelete="CASCADE"), index=True)
    dataset_id: Mapped[str] = mapped_column(sa.String(64))
    dataset_iri: Mapped[str] = mapped_column(sa.String(2048))
    title: Mapped[str | None] = mapped_column(sa.String(1000))
    publisher_iri: Mapped[str | None] = mapped_column(sa.String(1024))
    publisher_name: Mapped[str | None] = mapped_column(sa.String(1024))
    publisher_names: Mapped[list[Any]]
    columns: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    terms_accepted: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(16))  # pending | approved | rejected | returned
    conditions: Mapped[dict[str, Any]]


class Decision(Base):
    """A steward's decision on one dataset of a request: approve (possibly narrowed), reject or return."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(sa.ForeignKey("access_requests.id", ondelete="CASCADE"), index=True)
    # The dataset is named by id too: dropping it from a returned request keeps the decision in the history.
    request_dataset_id: Mapped[int | None] = mapped_column(sa.ForeignKey("request_datasets.id", ondelete="SET NULL"))
    dataset_id: Mapped[str] = mapped_column(sa.String(64))
    steward_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(sa.String(8))
    reason: Mapped[str] = mapped_column(sa.Text)
    columns: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    row_filter: Mapped[str | None] = mapped_column(sa.Text)
    pseudonymise: Mapped[list[Any] | None] = mapped_column(sa.JSON)  # approved columns shown as keyed hashes
    end_date: Mapped[datetime | None]
    decided_at: Mapped[datetime]


class RequestEvent(Base):
    """One state transition of a request: who, when, from what to what, and why."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(sa.ForeignKey("access_requests.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(sa.String(16))
    to_state: Mapped[str] = mapped_column(sa.String(16))
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(sa.Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


class Entitlement(Base):
    """What an approval grants a project: columns and rows of one dataset until an end date.

    Whether it is active is decided by time at every read (`ends_at` > now and not revoked), so expiry needs
    no job that might not run.
    """

    __tablename__ = "entitlements"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    request_id: Mapped[str] = mapped_column(sa.ForeignKey("access_requests.id", ondelete="CASCADE"), index=True)
    request_dataset_id: Mapped[int] = mapped_column(sa.ForeignKey("request_datasets.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    dataset_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    columns: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    row_filter: Mapped[str | None] = mapped_column(sa.Text)
    pseudonymise: Mapped[list[Any] | None] = mapped_column(sa.JSON)  # the sandbox shows these as keyed hashes
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(sa.Text)


# Audit


class AuditEvent(Base):
    """One event of the append-only audit log; `hash` chains it to the event before it."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(sa.String(255))
    kind: Mapped[str] = mapped_column(sa.String(64), index=True)
    subject: Mapped[str | None] = mapped_column(sa.String(255))
    publishers: Mapped[list[Any]]
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class AuditHead(Base):
    """The chain's head, one row: appenders lock it, so concurrent writers append one after the other."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(sa.String(64))
