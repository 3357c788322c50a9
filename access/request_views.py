"""How projects, requests and the stewards' queue are shown: JSON-ready views, computed at read time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from access.actors import (
    Actor,
    Context,
    effective_state,
    entitlement_state,
    entitlements_of,
    is_member,
    items_of,
    stewards_for,
)
from access.conditions import Conditions, check, duo
from access.errors import Forbidden
from access.models import (
    AccessRequest,
    Decision,
    Entitlement,
    Project,
    ProjectMember,
    RequestEvent,
    User,
)


def project_view(ctx: Context, project: Project) -> dict[str, Any]:
    """The JSON view of a project."""
    rows = ctx.session.execute(
        sa.select(User.username, ProjectMember.role)
        .join(ProjectMember, ProjectMember.user_id == User.id)
        .where(ProjectMember.project_id == project.id)
        .order_by(User.username)
    ).all()
    pi = next((name for name, role in rows if role == "pi"), None)
    return {
        "id": project.id,
        "title": project.title,
        "purpose": project.purpose,
        "organisation": project.organisation,
        "principal_investigator": pi,
        "members": [name for name, _ in rows],
        "created_at": project.created_at.isoformat(),
    }


def list_projects(ctx: Context, actor: Actor) -> list[Project]:
    """The projects the actor belongs to (all of them for admins)."""
    query = sa.select(Project).order_by(Project.created_at)
    if actor.role != "admin":
        query = query.join(ProjectMember, ProjectMember.project_id == Project.id).where(
            ProjectMember.user_id == actor.id
        )
    return list(ctx.session.execute(query).scalars())


def _usernames(ctx: Context, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = ctx.session.execute(sa.select(User.id, User.username).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def duo_view(codes: Iterable[str]) -> list[dict[str, str | None]]:
    """DUO ids with their shorthand and label."""
    vocab = duo()
    return [{"id": c, "shorthand": vocab.terms[c].shorthand, "label": vocab.terms[c].label} for c in codes]


def request_view(ctx: Context, actor: Actor, request: AccessRequest) -> dict[str, Any]:
    """The JSON view of a request: datasets with their conditions check, decisions, entitlements, history."""
    items = items_of(ctx, request.id)
    decisions = list(
        ctx.session.execute(
            sa.select(Decision).where(Decision.request_id == request.id).order_by(Decision.decided_at, Decision.id)
        ).scalars()
    )
    events = list(
        ctx.session.execute(
            sa.select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.id)
        ).scalars()
    )
    entitlements = entitlements_of(ctx, request.id)
    names = _usernames(
        ctx,
        [request.applicant_id]
        + [d.steward_id for d in decisions]
        + [e.actor_id for e in events]
        + [e.revoked_by_id for e in entitlements],
    )
    project = ctx.session.get(Project, request.project_id)
    return {
        "id": request.id,
        "state": effective_state(ctx, request),
        "project": {"id": request.project_id, "title": project.title if project else None},
        "applicant": names.get(request.applicant_id),
        "purpose": request.purpose,
        "duo_codes": duo_view(request.duo_codes),
        "legal_basis": request.legal_basis,
        "duration_days": request.duration_days,
        "created_at": iso(request.created_at),
        "updated_at": iso(request.updated_at),
        "submitted_at": iso(request.submitted_at),
        "first_decision_at": iso(request.first_decision_at),
        "datasets": [
            {
                "dataset_id": i.dataset_id,
                "iri": i.dataset_iri,
                "title": i.title,
                "publisher": {"iri": i.publisher_iri, "name": i.publisher_name},
                "columns": i.columns,
                "terms_accepted": i.terms_accepted,
                "status": i.status,
                "yours_to_decide": stewards_for(actor, i),
                "conditions": i.conditions,
                "conditions_check": check(Conditions.from_dict(i.conditions), request.duo_codes),
            }
            for i in items
        ],
        "decisions": [
            {
                "dataset_id": d.dataset_id,
                "decision": d.decision,
                "reason": d.reason,
                "steward": names.get(d.steward_id),
                "decided_at": iso(d.decided_at),
                "columns": d.columns,
                "row_filter": d.row_filter,
                "pseudonymise": d.pseudonymise or [],
                "end": iso(d.end_date),
            }
            for d in decisions
        ],
        "entitlements": [
            {
                "id": e.id,
                "dataset_id": e.dataset_id,
                "columns": e.columns,
                "row_filter": e.row_filter,
                "pseudonymise": e.pseudonymise or [],
                "starts_at": iso(e.starts_at),
                "ends_at": iso(e.ends_at),
                "state": entitlement_state(e, ctx.now),
                "revoked_at": iso(e.revoked_at),
                "revoked_by": names.get(e.revoked_by_id) if e.revoked_by_id else None,
                "revoke_reason": e.revoke_reason,
            }
            for e in entitlements
        ],
        "history": [
            {
                "from": e.from_state,
                "to": e.to_state,
                "actor": names.get(e.actor_id),
                "at": iso(e.at),
                "reason": e.reason,
            }
            for e in events
        ],
    }


def list_requests(ctx: Context, actor: Actor) -> list[AccessRequest]:
    """The requests of the actor's projects, newest first (every request for admins)."""
    query = sa.select(AccessRequest).order_by(AccessRequest.created_at.desc(), AccessRequest.id)
    if actor.role != "admin":
        mine = sa.select(ProjectMember.project_id).where(ProjectMember.user_id == actor.id)
        query = query.where(AccessRequest.project_id.in_(mine))
    return list(ctx.session.execute(query).scalars())


def summary(ctx: Context, request: AccessRequest) -> dict[str, Any]:
    """A short view for lists."""
    return {
        "id": request.id,
        "state": effective_state(ctx, request),
        "project_id": request.project_id,
        "datasets": [i.dataset_id for i in items_of(ctx, request.id)],
        "created_at": iso(request.created_at),
        "submitted_at": iso(request.submitted_at),
    }


def queue(ctx: Context, actor: Actor) -> dict[str, Any]:
    """A steward's queue: submitted requests with datasets of their publishers pending, oldest first."""
    if actor.role != "steward":
        raise Forbidden("the queue is for stewards")
    sla = timedelta(days=ctx.settings.sla_days)
    query = (
        sa.select(AccessRequest)
        .where(AccessRequest.state == "submitted")
        .order_by(AccessRequest.submitted_at, AccessRequest.id)
    )
    entries = []
    for request in ctx.session.execute(query).scalars():
        items = items_of(ctx, request.id)
        pending = [i for i in items if i.status == "pending" and stewards_for(actor, i)]
        if not pending:
            continue
        assert request.submitted_at is not None
        age = ctx.now - request.submitted_at
        due = request.submitted_at + sla
        conflict = is_member(ctx, request.project_id, actor.id)
        entries.append(
            {
                "id": request.id,
                "project_id": request.project_id,
                "submitted_at": iso(request.submitted_at),
                "age_hours": round(age.total_seconds() / 3600, 2),
                "age_days": round(age.total_seconds() / 86400, 2),
                "sla_due_at": iso(due),
                "first_decision_at": iso(request.first_decision_at),
                "overdue": request.first_decision_at is None and ctx.now > due,
                "can_decide": not conflict,
                "conflict_of_interest": conflict,
                "datasets": [
                    {
                        "dataset_id": i.dataset_id,
                        "title": i.title,
                        "publisher": i.publisher_name or i.publisher_iri,
                        "conditions_check": check(Conditions.from_dict(i.conditions), request.duo_codes),
                    }
                    for i in pending
                ],
            }
        )
    return {
        "sla_days": ctx.settings.sla_days,
        "count": len(entries),
        "overdue": sum(1 for e in entries if e["overdue"]),
        "requests": entries,
    }


def active_entitlements(session: Session, project_id: str, now: datetime) -> list[Entitlement]:
    """The entitlements of a project in force at `now` (for the sandbox): by time, never by a job."""
    query = sa.select(Entitlement).where(
        Entitlement.project_id == project_id,
        Entitlement.revoked_at.is_(None),
        Entitlement.starts_at <= now,
        Entitlement.ends_at > now,
    )
    return list(session.execute(query).scalars())
