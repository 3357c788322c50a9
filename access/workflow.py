"""The access-request workflow: projects, requests, per-dataset decisions, entitlements, all audited.

States of a request::

    draft -> submitted -> returned -> submitted ... -> approved | rejected
    approved -> (entitlements) -> expired (by time) | revoked
    draft | submitted | returned | approved -> withdrawn (by the applicant side)

Each dataset of a request is decided by the stewards of its publisher; a request spanning publishers is
decided dataset by dataset and settles when every dataset is decided: approved when at least one dataset was
approved, rejected otherwise. A return by any steward sends the whole request back, and a resubmission puts
every dataset up for decision again (the request may have changed under the earlier decisions). A steward
never decides a request of a project they belong to.

Authorization is object-level throughout: a request or project the caller may not see raises exactly the
`NotFound` a missing one raises. Expiry is computed from the clock at every read, never by a background job.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from access import audit
from access.actors import (
    Actor,
    Context,
    effective_state,
    entitlement_state,
    entitlements_of,
    get_project,
    get_request,
    is_member,
    items_of,
    publisher_keys,
)
from access.conditions import normalise_codes
from access.credentials import new_id
from access.errors import Forbidden, InvalidRequest, InvalidTransition
from access.inputs import ProjectIn, RequestIn, RequestUpdate
from access.models import (
    AccessRequest,
    Entitlement,
    Project,
    ProjectMember,
    RequestDataset,
    RequestEvent,
    User,
)

EDITABLE = {"draft", "returned"}


def create_project(ctx: Context, actor: Actor, body: ProjectIn) -> Project:
    """A new project; its creator is a member, and the principal investigator unless another is named."""
    names = list(dict.fromkeys(body.members))
    users = {u.username: u for u in ctx.session.execute(sa.select(User).where(User.username.in_(names))).scalars()}
    unknown = [n for n in names if n not in users]
    if unknown:
        raise InvalidRequest(f"unknown members: {', '.join(unknown)}")
    members = {actor.id: actor.user, **{u.id: u for u in users.values()}}
    pi = actor.user
    if body.principal_investigator:
        pi = next((u for u in members.values() if u.username == body.principal_investigator), None)  # type: ignore[assignment]
        if pi is None:
            raise InvalidRequest("the principal investigator must be one of the members")
    project = Project(
        id=new_id("prj"),
        title=body.title,
        purpose=body.purpose,
        organisation=body.organisation,
        principal_investigator_id=pi.id,
        created_by_id=actor.id,
        created_at=ctx.now,
    )
    ctx.session.add(project)
    ctx.session.flush()
    for user in members.values():
        role = "pi" if user.id == pi.id else "member"
        ctx.session.add(ProjectMember(project_id=project.id, user_id=user.id, role=role))
    audit.record(
        ctx.session,
        kind="project.created",
        actor=actor.label,
        at=ctx.now,
        subject=project.id,
        data={"title": project.title, "members": sorted(u.username for u in members.values())},
    )
    return project


def transition(
    ctx: Context, actor: Actor, request: AccessRequest, to: str, reason: str | None = None, **detail: Any
) -> None:
    before = request.state
    request.state = to
    request.updated_at = ctx.now
    ctx.session.add(
        RequestEvent(
            request_id=request.id,
            from_state=before,
            to_state=to,
            actor_id=actor.id,
            at=ctx.now,
            reason=reason,
            detail=detail or None,
        )
    )
    audit.record(
        ctx.session,
        kind="request.transition",
        actor=actor.label,
        at=ctx.now,
        subject=request.id,
        publishers=publisher_keys(items_of(ctx, request.id)),
        data={"from": before, "to": to, "reason": reason, **detail},
    )


def _accepted(accept: list[str] | bool, dataset_id: str) -> bool:
    return accept is True or (isinstance(accept, list) and dataset_id in accept)


def _set_datasets(
    ctx: Context, request: AccessRequest, datasets: list[str], columns: dict[str, list[str]], accept: list[str] | bool
) -> None:
    stray = set(columns) - set(datasets)
    if stray:
        raise InvalidRequest(f"columns given for datasets not in the request: {', '.join(sorted(stray))}")
    if isinstance(accept, list) and (extra := set(accept) - set(datasets)):
        raise InvalidRequest(f"terms accepted for datasets not in the request: {', '.join(sorted(extra))}")
    infos = [ctx.lookup(d) for d in datasets]  # NotFound for unknown ids
    public = [i.dataset_id for i in infos if not i.restricted]
    if public:
        raise InvalidRequest(f"these datasets are public and need no access request: {', '.join(public)}")
    # Datasets that stay are updated in place, so their decision history stays attached to them.
    existing = {i.dataset_id: i for i in items_of(ctx, request.id)}
    for gone in set(existing) - set(datasets):
        ctx.session.delete(existing[gone])
    for info in infos:
        wanted = columns.get(info.dataset_id)
        item = existing.get(info.dataset_id) or RequestDataset(request_id=request.id, dataset_id=info.dataset_id)
        item.dataset_iri = info.iri
        item.title = info.title
        item.publisher_iri = info.publisher_iri
        item.publisher_name = info.publisher_name
        item.publisher_names = list(info.publisher_names)
        item.columns = list(dict.fromkeys(wanted)) if wanted else None
        item.terms_accepted = _accepted(accept, info.dataset_id)
        item.status = "pending"
        item.conditions = info.conditions.as_dict()
        ctx.session.add(item)
    ctx.session.flush()


def create_request(ctx: Context, actor: Actor, body: RequestIn) -> AccessRequest:
    """A draft request of one of the actor's projects."""
    project = get_project(ctx, actor, body.project_id)
    if not is_member(ctx, project.id, actor.id):
        raise Forbidden("only members of a project request access for it")
    request = AccessRequest(
        id=new_id("req"),
        project_id=project.id,
        applicant_id=actor.id,
        state="draft",
        purpose=body.purpose,
        duo_codes=normalise_codes(body.duo_codes),
        legal_basis=body.legal_basis,
        duration_days=body.duration_days or ctx.settings.default_entitlement_days,
        created_at=ctx.now,
        updated_at=ctx.now,
        submitted_at=None,
        first_decision_at=None,
    )
    _check_duration(ctx, request.duration_days)
    ctx.session.add(request)
    ctx.session.flush()
    _set_datasets(ctx, request, body.datasets, body.columns, body.accept_terms)
    ctx.session.add(
        RequestEvent(request_id=request.id, from_state=None, to_state="draft", actor_id=actor.id, at=ctx.now)
    )
    audit.record(
        ctx.session,
        kind="request.created",
        actor=actor.label,
        at=ctx.now,
        subject=request.id,
        publishers=publisher_keys(items_of(ctx, request.id)),
        data={"project": project.id, "datasets": body.datasets, "duo_codes": request.duo_codes},
    )
    return request


def _check_duration(ctx: Context, days: int) -> None:
    if days > ctx.settings.max_entitlement_days:
        raise InvalidRequest(f"the longest duration this node grants is {ctx.settings.max_entitlement_days} days")


def _member_or_404(ctx: Context, actor: Actor, request: AccessRequest) -> None:
    # A steward who can see a submitted request is not on the applicant's side: they may not edit or withdraw.
    if not is_member(ctx, request.project_id, actor.id):
        raise Forbidden("only members of the request's project may do this")


def update_request(ctx: Context, actor: Actor, request_id: str, body: RequestUpdate) -> AccessRequest:
    """Change a draft or returned request."""
    request = get_request(ctx, actor, request_id, for_update=True)
    _member_or_404(ctx, actor, request)
    if request.state not in EDITABLE:
        raise InvalidTransition(f"a {request.state} request cannot be changed")
    if body.purpose is not None:
        request.purpose = body.purpose
    if body.legal_basis is not None:
        request.legal_basis = body.legal_basis
    if body.duo_codes is not None:
        request.duo_codes = normalise_codes(body.duo_codes)
    if body.duration_days is not None:
        _check_duration(ctx, body.duration_days)
        request.duration_days = body.duration_days
    items = items_of(ctx, request.id)
    if body.datasets is not None or body.columns is not None:
        datasets = body.datasets or [i.dataset_id for i in items]
        columns = body.columns if body.columns is not None else {i.dataset_id: i.columns for i in items if i.columns}
        accept = (
            body.accept_terms if body.accept_terms is not None else [i.dataset_id for i in items if i.terms_accepted]
        )
        _set_datasets(ctx, request, datasets, columns, accept)
    elif body.accept_terms is not None:
        for item in items:
            item.terms_accepted = _accepted(body.accept_terms, item.dataset_id)
    request.updated_at = ctx.now
    audit.record(
        ctx.session,
        kind="request.updated",
        actor=actor.label,
        at=ctx.now,
        subject=request.id,
        publishers=publisher_keys(items_of(ctx, request.id)),
        data={"fields": sorted(body.model_dump(exclude_unset=True))},
    )
    return request


def submit(ctx: Context, actor: Actor, request_id: str) -> AccessRequest:
    """Send a draft or returned request to the stewards; every dataset's terms must be accepted."""
    request = get_request(ctx, actor, request_id, for_update=True)
    _member_or_404(ctx, actor, request)
    if request.state not in EDITABLE:
        raise InvalidTransition(f"a {request.state} request cannot be submitted")
    items = items_of(ctx, request.id)
    unaccepted = [i.dataset_id for i in items if not i.terms_accepted]
    if unaccepted:
        raise InvalidRequest(f"accept the terms of every dataset first: {', '.join(unaccepted)}")
    for item in items:
        item.status = "pending"  # a resubmitted request is decided afresh
    request.submitted_at = ctx.now
    request.first_decision_at = None
    transition(ctx, actor, request, "submitted")
    return request


def withdraw(ctx: Context, actor: Actor, request_id: str, reason: str | None) -> AccessRequest:
    """The applicant side takes a request back; an approved one ends its entitlements."""
    request = get_request(ctx, actor, request_id, for_update=True)
    _member_or_404(ctx, actor, request)
    if (
        request.state not in {"draft", "submitted", "returned", "approved"}
        or effective_state(ctx, request) == "expired"
    ):
        raise InvalidTransition(f"a {effective_state(ctx, request)} request cannot be withdrawn")
    for entitlement in entitlements_of(ctx, request.id):
        if entitlement_state(entitlement, ctx.now) == "active":
            end_entitlement(ctx, actor, entitlement, reason or "withdrawn by the applicant")
    transition(ctx, actor, request, "withdrawn", reason)
    return request


def end_entitlement(ctx: Context, actor: Actor, entitlement: Entitlement, reason: str) -> None:
    entitlement.revoked_at = ctx.now
    entitlement.revoked_by_id = actor.id
    entitlement.revoke_reason = reason
    item = ctx.session.get(RequestDataset, entitlement.request_dataset_id)
    audit.record(
        ctx.session,
        kind="entitlement.revoked",
        actor=actor.label,
        at=ctx.now,
        subject=entitlement.id,
        publishers=publisher_keys([item]) if item else [],
        data={"request": entitlement.request_id, "dataset": entitlement.dataset_id, "reason": reason},
    )
