"""Who acts in the access workflow and what they may see (object-level checks); entitlement states."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from access.accounts import BUILTIN, publishers_of, set_publishers
from access.datasets import DatasetInfo
from access.errors import Forbidden
from access.models import (
    AccessRequest,
    Entitlement,
    Project,
    ProjectMember,
    RequestDataset,
    User,
)
from access.settings import ROLES, AccessSettings
from access.tokens import Principal
from catalogue.errors import NotFound


@dataclass(frozen=True)
class Actor:
    """The user behind a request, as the workflow knows them."""

    user: User
    publishers: frozenset[str]

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def label(self) -> str:
        return f"user:{self.user.username}"


@dataclass
class Context:
    """One unit of work: a session, the time it happens at, settings and the catalogue lookup."""

    session: Session
    now: datetime
    settings: AccessSettings
    lookup: Callable[[str], DatasetInfo]
    # The columns of a dataset's hosted data (None when the node hosts none): pseudonymisation is checked on them.
    hosted_columns: Callable[[str], list[str] | None] = lambda dataset_id: None


def resolve_actor(session: Session, principal: Principal, settings: AccessSettings, now: datetime) -> Actor:
    """The user record of a principal; external users are provisioned (and their roles refreshed) here."""
    if not principal.is_user:
        raise Forbidden("this needs a user; machine clients cannot take part in the workflow")
    issuer = BUILTIN if settings.issuer_mode == "builtin" else principal.issuer
    user = session.execute(
        sa.select(User).where(User.issuer == issuer, User.subject == principal.subject)
    ).scalar_one_or_none()
    if settings.issuer_mode == "external":
        role = next((r for r in reversed(ROLES) if r in principal.roles), "scientist")  # the highest mapped role
        if user is None:
            username = principal.username or principal.subject
            if session.execute(sa.select(User.id).where(User.username == username)).first():
                username = f"{username}@{principal.subject[:12]}"  # never take over a local account's name
            user = User(
                subject=principal.subject,
                issuer=issuer,
                username=username[:150],
                password_hash=None,
                role=role,
                disabled=False,
                created_at=now,
            )
            session.add(user)
            session.flush()
        user.role = role
        if publishers_of(session, user) != principal.publishers:
            set_publishers(session, user, principal.publishers)
    if user is None or user.disabled:
        raise Forbidden("this account is unknown or disabled")
    return Actor(user, publishers_of(session, user))


def is_member(ctx: Context, project_id: str, user_id: int) -> bool:
    found = ctx.session.execute(
        sa.select(ProjectMember.id).where(ProjectMember.project_id == project_id, ProjectMember.user_id == user_id)
    ).first()
    return found is not None


def _keys(item: RequestDataset) -> set[str]:
    return {k.casefold() for k in [item.publisher_iri, *item.publisher_names] if k}


def stewards_for(actor: Actor, item: RequestDataset) -> bool:
    """True when `actor` is a steward of the publisher of this dataset (by publisher name or IRI)."""
    return actor.role == "steward" and bool(_keys(item) & {p.casefold() for p in actor.publishers})


def publisher_keys(items: Iterable[RequestDataset]) -> list[str]:
    """Publisher IRIs and names of datasets, for the audit log's per-publisher view."""
    return sorted({k for item in items for k in [item.publisher_iri, *item.publisher_names] if k})


def items_of(ctx: Context, request_id: str) -> list[RequestDataset]:
    query = sa.select(RequestDataset).where(RequestDataset.request_id == request_id).order_by(RequestDataset.id)
    return list(ctx.session.execute(query).scalars())


def get_project(ctx: Context, actor: Actor, project_id: str) -> Project:
    """A project its members (and admins) may see; `NotFound` for anyone else."""
    project = ctx.session.get(Project, project_id)
    if project is None or not (actor.role == "admin" or is_member(ctx, project_id, actor.id)):
        raise NotFound(f"no project with id {project_id!r}")
    return project


def get_request(ctx: Context, actor: Actor, request_id: str, *, for_update: bool = False) -> AccessRequest:
    """A request the actor may see: project members, admins, and once submitted, its datasets' stewards."""
    query = sa.select(AccessRequest).where(AccessRequest.id == request_id)
    if for_update:
        query = query.with_for_update()
    request = ctx.session.execute(query).scalar_one_or_none()
    missing = NotFound(f"no access request with id {request_id!r}")
    if request is None:
        raise missing
    if actor.role == "admin" or is_member(ctx, request.project_id, actor.id):
        return request
    if request.state != "draft" and any(stewards_for(actor, i) for i in items_of(ctx, request.id)):
        return request
    raise missing


def entitlements_of(ctx: Context, request_id: str) -> list[Entitlement]:
    query = sa.select(Entitlement).where(Entitlement.request_id == request_id).order_by(Entitlement.dataset_id)
    return list(ctx.session.execute(query).scalars())


def entitlement_state(entitlement: Entitlement, now: datetime) -> str:
    """`active`, `expired` (by time) or `revoked`."""
    if entitlement.revoked_at is not None:
        return "revoked"
    return "active" if entitlement.starts_at <= now < entitlement.ends_at else "expired"


def effective_state(ctx: Context, request: AccessRequest) -> str:
    """The stored state, with an approved request whose entitlements all ran out shown as `expired`."""
    if request.state != "approved":
        return request.state
    states = {entitlement_state(e, ctx.now) for e in entitlements_of(ctx, request.id)}
    return "approved" if "active" in states or not states else "expired"
