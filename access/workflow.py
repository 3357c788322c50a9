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

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlalchemy.orm import Session

from access import audit
from access.accounts import BUILTIN, publishers_of, set_publishers
from access.conditions import Conditions, check, duo, normalise_codes
from access.credentials import new_id
from access.datasets import DatasetInfo
from access.errors import ConflictOfInterest, Forbidden, InvalidRequest, InvalidTransition
from access.models import (
    AccessRequest,
    Decision,
    Entitlement,
    Project,
    ProjectMember,
    RequestDataset,
    RequestEvent,
    User,
)
from access.settings import ROLES, AccessSettings
from access.tokens import Principal
from catalogue.errors import NotFound

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Column = Annotated[str, StringConstraints(min_length=1, max_length=200)]
DatasetId = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_-]{1,64}$")]
EDITABLE = {"draft", "returned"}


class Body(BaseModel):
    """Request bodies refuse unknown fields: a client cannot set `state`, `end_date`, `decided_by`, ..."""

    model_config = ConfigDict(extra="forbid")


class ProjectIn(Body):
    title: Name
    purpose: Text
    members: list[Annotated[str, StringConstraints(min_length=1, max_length=150)]] = Field(default=[], max_length=200)
    principal_investigator: str | None = None
    organisation: Name | None = None


class RequestIn(Body):
    project_id: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    datasets: list[DatasetId] = Field(min_length=1, max_length=50)
    columns: dict[DatasetId, list[Column]] = Field(default={}, max_length=50)
    purpose: Text
    duo_codes: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(default=[], max_length=30)
    legal_basis: Name
    duration_days: int | None = Field(default=None, ge=1, le=3650)
    accept_terms: list[DatasetId] | bool = False

    @field_validator("datasets")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class RequestUpdate(Body):
    """Changes to a draft or returned request (the project cannot change)."""

    datasets: list[DatasetId] | None = Field(default=None, min_length=1, max_length=50)
    columns: dict[DatasetId, list[Column]] | None = Field(default=None, max_length=50)
    purpose: Text | None = None
    duo_codes: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] | None = Field(
        default=None, max_length=30
    )
    legal_basis: Name | None = None
    duration_days: int | None = Field(default=None, ge=1, le=3650)
    accept_terms: list[DatasetId] | bool | None = None


class DecisionIn(Body):
    decision: Literal["approve", "reject", "return"]
    reason: Text
    datasets: list[DatasetId] | None = Field(default=None, min_length=1, max_length=50)
    columns: list[Column] | dict[DatasetId, list[Column]] | None = None
    row_filter: Annotated[str, StringConstraints(min_length=1, max_length=2000)] | None = None
    end_date: date | None = None
    # Approved columns the project sees only as its keyed pseudonyms (`access.pseudonyms`), e.g. patient ids;
    # a list applies to every dataset decided, a mapping names them per dataset.
    pseudonymise: list[Column] | dict[DatasetId, list[Column]] | None = None

    @field_validator("row_filter")
    @classmethod
    def _plain_filter(cls, value: str | None) -> str | None:
        # The sandbox compiles the filter into a view; statement separators and comments have no place in it.
        if value is not None and any(bad in value for bad in (";", "--", "/*", "*/")):
            raise ValueError("a row filter is one boolean expression, without ';' or comments")
        return value


class ReasonIn(Body):
    reason: Text | None = None
    datasets: list[DatasetId] | None = Field(default=None, min_length=1, max_length=50)


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


# Object-level checks


def _is_member(ctx: Context, project_id: str, user_id: int) -> bool:
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


def _items(ctx: Context, request_id: str) -> list[RequestDataset]:
    query = sa.select(RequestDataset).where(RequestDataset.request_id == request_id).order_by(RequestDataset.id)
    return list(ctx.session.execute(query).scalars())


def get_project(ctx: Context, actor: Actor, project_id: str) -> Project:
    """A project its members (and admins) may see; `NotFound` for anyone else."""
    project = ctx.session.get(Project, project_id)
    if project is None or not (actor.role == "admin" or _is_member(ctx, project_id, actor.id)):
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
    if actor.role == "admin" or _is_member(ctx, request.project_id, actor.id):
        return request
    if request.state != "draft" and any(stewards_for(actor, i) for i in _items(ctx, request.id)):
        return request
    raise missing


# Projects


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


# Requests


def _transition(
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
        publishers=publisher_keys(_items(ctx, request.id)),
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
    existing = {i.dataset_id: i for i in _items(ctx, request.id)}
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
    if not _is_member(ctx, project.id, actor.id):
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
        publishers=publisher_keys(_items(ctx, request.id)),
        data={"project": project.id, "datasets": body.datasets, "duo_codes": request.duo_codes},
    )
    return request


def _check_duration(ctx: Context, days: int) -> None:
    if days > ctx.settings.max_entitlement_days:
        raise InvalidRequest(f"the longest duration this node grants is {ctx.settings.max_entitlement_days} days")


def _member_or_404(ctx: Context, actor: Actor, request: AccessRequest) -> None:
    # A steward who can see a submitted request is not on the applicant's side: they may not edit or withdraw.
    if not _is_member(ctx, request.project_id, actor.id):
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
    items = _items(ctx, request.id)
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
        publishers=publisher_keys(_items(ctx, request.id)),
        data={"fields": sorted(body.model_dump(exclude_unset=True))},
    )
    return request


def submit(ctx: Context, actor: Actor, request_id: str) -> AccessRequest:
    """Send a draft or returned request to the stewards; every dataset's terms must be accepted."""
    request = get_request(ctx, actor, request_id, for_update=True)
    _member_or_404(ctx, actor, request)
    if request.state not in EDITABLE:
        raise InvalidTransition(f"a {request.state} request cannot be submitted")
    items = _items(ctx, request.id)
    unaccepted = [i.dataset_id for i in items if not i.terms_accepted]
    if unaccepted:
        raise InvalidRequest(f"accept the terms of every dataset first: {', '.join(unaccepted)}")
    for item in items:
        item.status = "pending"  # a resubmitted request is decided afresh
    request.submitted_at = ctx.now
    request.first_decision_at = None
    _transition(ctx, actor, request, "submitted")
    return request


def _end_of(day: date) -> datetime:
    # An end date is inclusive: access lasts until the end of that day (UTC).
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def decide(ctx: Context, actor: Actor, request_id: str, body: DecisionIn) -> AccessRequest:
    """A steward's decision on their publishers' pending datasets of a submitted request."""
    if actor.role != "steward":
        raise Forbidden("only stewards decide access requests")
    request = get_request(ctx, actor, request_id, for_update=True)
    if _is_member(ctx, request.project_id, actor.id):
        raise ConflictOfInterest("you are a member of this request's project and cannot decide on it")
    if request.state != "submitted":
        raise InvalidTransition(f"a {request.state} request cannot be decided")
    items = _items(ctx, request.id)
    by_id = {i.dataset_id: i for i in items}
    if body.datasets is not None:
        unknown = [d for d in body.datasets if d not in by_id]
        if unknown:
            raise InvalidRequest(f"not datasets of this request: {', '.join(unknown)}")
        others = [d for d in body.datasets if not stewards_for(actor, by_id[d])]
        if others:
            raise Forbidden(f"you do not decide for the publishers of: {', '.join(others)}")
        targets = [by_id[d] for d in body.datasets]
    else:
        targets = [i for i in items if stewards_for(actor, i) and i.status == "pending"]
    if not targets or any(t.status != "pending" for t in targets):
        raise InvalidTransition("nothing of this request is pending a decision by your publishers")
    decided = {t.dataset_id for t in targets}
    if isinstance(body.columns, dict) and (stray := set(body.columns) - decided):
        raise InvalidRequest(f"columns given for datasets not being decided: {', '.join(sorted(stray))}")
    if isinstance(body.pseudonymise, dict) and (stray := set(body.pseudonymise) - decided):
        raise InvalidRequest(f"pseudonymised columns given for datasets not being decided: {', '.join(sorted(stray))}")
    if body.decision != "approve" and (body.columns or body.row_filter or body.end_date or body.pseudonymise):
        raise InvalidRequest(
            "columns, row_filter, end_date and pseudonymise shape an approval; they make no sense here"
        )
    latest_end = _end_of((ctx.now + timedelta(days=request.duration_days)).date())
    if body.end_date is not None and not (ctx.now.date() <= body.end_date and _end_of(body.end_date) <= latest_end):
        raise InvalidRequest("end_date must lie between today and the end of the requested duration")
    status = {"approve": "approved", "reject": "rejected", "return": "returned"}[body.decision]
    for item in targets:
        granted: list[str] | None = item.columns
        if body.decision == "approve" and body.columns is not None:
            granted = (
                body.columns.get(item.dataset_id, item.columns) if isinstance(body.columns, dict) else body.columns
            )
            granted = list(dict.fromkeys(granted)) if granted else None
            if item.columns is not None and granted is not None and not set(granted) <= set(item.columns):
                extra = sorted(set(granted) - set(item.columns))
                raise InvalidRequest(f"an approval can only narrow the request; not requested: {', '.join(extra)}")
        hidden = _pseudonymised(ctx, item.dataset_id, granted, body) if body.decision == "approve" else None
        end = _end_of(body.end_date) if body.end_date else latest_end
        ctx.session.add(
            Decision(
                request_id=request.id,
                request_dataset_id=item.id,
                dataset_id=item.dataset_id,
                steward_id=actor.id,
                decision=body.decision,
                reason=body.reason,
                columns=granted if body.decision == "approve" else None,
                row_filter=body.row_filter if body.decision == "approve" else None,
                pseudonymise=hidden,
                end_date=end if body.decision == "approve" else None,
                decided_at=ctx.now,
            )
        )
        item.status = status
        audit.record(
            ctx.session,
            kind="request.decision",
            actor=actor.label,
            at=ctx.now,
            subject=request.id,
            publishers=publisher_keys([item]),
            data={
                "dataset": item.dataset_id,
                "decision": body.decision,
                "reason": body.reason,
                "columns": granted if body.decision == "approve" else None,
                "row_filter": body.row_filter if body.decision == "approve" else None,
                "pseudonymise": hidden,
                "end": end.isoformat() if body.decision == "approve" else None,
            },
        )
    if request.first_decision_at is None:
        request.first_decision_at = ctx.now
    ctx.session.flush()
    _settle(ctx, actor, request, body.reason)
    return request


def _pseudonymised(ctx: Context, dataset_id: str, granted: list[str] | None, body: DecisionIn) -> list[str] | None:
    """The approved columns of `dataset_id` to pseudonymise, checked; None for none.

    Where the node hosts the data, the approved columns are checked against its columns too, so that a typo is
    refused now rather than when the project's views are built.
    """
    available = ctx.hosted_columns(dataset_id)
    wanted = body.pseudonymise.get(dataset_id) if isinstance(body.pseudonymise, dict) else body.pseudonymise
    wanted = list(dict.fromkeys(wanted or []))
    if available is not None:
        unknown = [c for c in dict.fromkeys([*(granted or []), *wanted]) if c not in available]
        if unknown:
            raise InvalidRequest(
                f"dataset {dataset_id} has no column(s) {', '.join(map(repr, unknown))}; "
                f"its columns are {', '.join(map(repr, available))}"
            )
    if not wanted:
        return None
    stray = [c for c in wanted if granted is not None and c not in granted]
    if stray:
        raise InvalidRequest(
            f"only approved columns can be pseudonymised; not approved for {dataset_id}: {', '.join(map(repr, stray))}"
        )
    if available is None:
        raise InvalidRequest(f"dataset {dataset_id} has no data hosted here, so there is nothing to pseudonymise")
    return wanted


def _latest_decision(ctx: Context, item: RequestDataset) -> Decision:
    query = (
        sa.select(Decision)
        .where(Decision.request_dataset_id == item.id)
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
        .limit(1)
    )
    return ctx.session.execute(query).scalar_one()


def _settle(ctx: Context, actor: Actor, request: AccessRequest, reason: str) -> None:
    items = _items(ctx, request.id)
    if any(i.status == "returned" for i in items):
        _transition(ctx, actor, request, "returned", reason)
        return
    if any(i.status == "pending" for i in items):
        return
    approved = [i for i in items if i.status == "approved"]
    if not approved:
        _transition(ctx, actor, request, "rejected", reason)
        return
    _transition(ctx, actor, request, "approved", reason)
    for item in approved:
        decision = _latest_decision(ctx, item)
        assert decision.end_date is not None
        entitlement = Entitlement(
            id=new_id("ent"),
            request_id=request.id,
            request_dataset_id=item.id,
            project_id=request.project_id,
            dataset_id=item.dataset_id,
            columns=decision.columns,
            row_filter=decision.row_filter,
            pseudonymise=decision.pseudonymise,
            starts_at=ctx.now,
            ends_at=decision.end_date,
            revoked_at=None,
        )
        ctx.session.add(entitlement)
        audit.record(
            ctx.session,
            kind="entitlement.created",
            actor=actor.label,
            at=ctx.now,
            subject=entitlement.id,
            publishers=publisher_keys([item]),
            data={
                "request": request.id,
                "project": request.project_id,
                "dataset": item.dataset_id,
                "columns": decision.columns,
                "row_filter": decision.row_filter,
                "pseudonymise": decision.pseudonymise,
                "ends_at": decision.end_date.isoformat(),
            },
        )
    ctx.session.flush()


def _entitlements(ctx: Context, request_id: str) -> list[Entitlement]:
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
    states = {entitlement_state(e, ctx.now) for e in _entitlements(ctx, request.id)}
    return "approved" if "active" in states or not states else "expired"


def withdraw(ctx: Context, actor: Actor, request_id: str, reason: str | None) -> AccessRequest:
    """The applicant side takes a request back; an approved one ends its entitlements."""
    request = get_request(ctx, actor, request_id, for_update=True)
    _member_or_404(ctx, actor, request)
    if (
        request.state not in {"draft", "submitted", "returned", "approved"}
        or effective_state(ctx, request) == "expired"
    ):
        raise InvalidTransition(f"a {effective_state(ctx, request)} request cannot be withdrawn")
    for entitlement in _entitlements(ctx, request.id):
        if entitlement_state(entitlement, ctx.now) == "active":
            _end_entitlement(ctx, actor, entitlement, reason or "withdrawn by the applicant")
    _transition(ctx, actor, request, "withdrawn", reason)
    return request


def _end_entitlement(ctx: Context, actor: Actor, entitlement: Entitlement, reason: str) -> None:
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


def revoke(ctx: Context, actor: Actor, request_id: str, body: ReasonIn) -> AccessRequest:
    """A steward (of the datasets' publishers) or an admin ends entitlements before their end date."""
    if actor.role not in {"steward", "admin"}:
        raise Forbidden("only stewards and admins revoke access")
    if not body.reason:
        raise InvalidRequest("a revocation needs a reason")
    request = get_request(ctx, actor, request_id, for_update=True)
    if actor.role == "steward" and _is_member(ctx, request.project_id, actor.id):
        raise ConflictOfInterest("you are a member of this request's project and cannot revoke its access")
    if effective_state(ctx, request) != "approved":
        raise InvalidTransition(f"a {effective_state(ctx, request)} request has no access to revoke")
    items = {i.id: i for i in _items(ctx, request.id)}
    live = [e for e in _entitlements(ctx, request.id) if entitlement_state(e, ctx.now) == "active"]
    mine = [e for e in live if actor.role == "admin" or stewards_for(actor, items[e.request_dataset_id])]
    if body.datasets is not None:
        wanted = set(body.datasets)
        if wanted - {e.dataset_id for e in mine}:
            raise Forbidden("you cannot revoke access to some of these datasets, or they have no active access")
        mine = [e for e in mine if e.dataset_id in wanted]
    if not mine:
        raise Forbidden("none of this request's active access is yours to revoke")
    for entitlement in mine:
        _end_entitlement(ctx, actor, entitlement, body.reason)
    if all(e.revoked_at is not None for e in _entitlements(ctx, request.id)):
        _transition(ctx, actor, request, "revoked", body.reason)
    else:
        request.updated_at = ctx.now
    return request


# Views


def _usernames(ctx: Context, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = ctx.session.execute(sa.select(User.id, User.username).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def duo_view(codes: Iterable[str]) -> list[dict[str, str | None]]:
    """DUO ids with their shorthand and label."""
    vocab = duo()
    return [{"id": c, "shorthand": vocab.terms[c].shorthand, "label": vocab.terms[c].label} for c in codes]


def request_view(ctx: Context, actor: Actor, request: AccessRequest) -> dict[str, Any]:
    """The JSON view of a request: datasets with their conditions check, decisions, entitlements, history."""
    items = _items(ctx, request.id)
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
    entitlements = _entitlements(ctx, request.id)
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
        "created_at": _iso(request.created_at),
        "updated_at": _iso(request.updated_at),
        "submitted_at": _iso(request.submitted_at),
        "first_decision_at": _iso(request.first_decision_at),
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
                "decided_at": _iso(d.decided_at),
                "columns": d.columns,
                "row_filter": d.row_filter,
                "pseudonymise": d.pseudonymise or [],
                "end": _iso(d.end_date),
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
                "starts_at": _iso(e.starts_at),
                "ends_at": _iso(e.ends_at),
                "state": entitlement_state(e, ctx.now),
                "revoked_at": _iso(e.revoked_at),
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
                "at": _iso(e.at),
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
        "datasets": [i.dataset_id for i in _items(ctx, request.id)],
        "created_at": _iso(request.created_at),
        "submitted_at": _iso(request.submitted_at),
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
        items = _items(ctx, request.id)
        pending = [i for i in items if i.status == "pending" and stewards_for(actor, i)]
        if not pending:
            continue
        assert request.submitted_at is not None
        age = ctx.now - request.submitted_at
        due = request.submitted_at + sla
        conflict = _is_member(ctx, request.project_id, actor.id)
        entries.append(
            {
                "id": request.id,
                "project_id": request.project_id,
                "submitted_at": _iso(request.submitted_at),
                "age_hours": round(age.total_seconds() / 3600, 2),
                "age_days": round(age.total_seconds() / 86400, 2),
                "sla_due_at": _iso(due),
                "first_decision_at": _iso(request.first_decision_at),
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
