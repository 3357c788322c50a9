"""Stewards' decisions: approve, reject or return dataset by dataset, settle the request, revoke access."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from access import audit
from access.actors import (
    Actor,
    Context,
    effective_state,
    entitlement_state,
    entitlements_of,
    get_request,
    is_member,
    items_of,
    publisher_keys,
    stewards_for,
)
from access.credentials import new_id
from access.errors import ConflictOfInterest, Forbidden, InvalidRequest, InvalidTransition
from access.inputs import DecisionIn, ReasonIn
from access.models import (
    AccessRequest,
    Decision,
    Entitlement,
    RequestDataset,
)
from access.workflow import end_entitlement, transition


def _end_of(day: date) -> datetime:
    # An end date is inclusive: access lasts until the end of that day (UTC).
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def decide(ctx: Context, actor: Actor, request_id: str, body: DecisionIn) -> AccessRequest:
    """A steward's decision on their publishers' pending datasets of a submitted request."""
    if actor.role != "steward":
        raise Forbidden("only stewards decide access requests")
    request = get_request(ctx, actor, request_id, for_update=True)
    if is_member(ctx, request.project_id, actor.id):
        raise ConflictOfInterest("you are a member of this request's project and cannot decide on it")
    if request.state != "submitted":
        raise InvalidTransition(f"a {request.state} request cannot be decided")
    items = items_of(ctx, request.id)
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
    items = items_of(ctx, request.id)
    if any(i.status == "returned" for i in items):
        transition(ctx, actor, request, "returned", reason)
        return
    if any(i.status == "pending" for i in items):
        return
    approved = [i for i in items if i.status == "approved"]
    if not approved:
        transition(ctx, actor, request, "rejected", reason)
        return
    transition(ctx, actor, request, "approved", reason)
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


def revoke(ctx: Context, actor: Actor, request_id: str, body: ReasonIn) -> AccessRequest:
    """A steward (of the datasets' publishers) or an admin ends entitlements before their end date."""
    if actor.role not in {"steward", "admin"}:
        raise Forbidden("only stewards and admins revoke access")
    if not body.reason:
        raise InvalidRequest("a revocation needs a reason")
    request = get_request(ctx, actor, request_id, for_update=True)
    if actor.role == "steward" and is_member(ctx, request.project_id, actor.id):
        raise ConflictOfInterest("you are a member of this request's project and cannot revoke its access")
    if effective_state(ctx, request) != "approved":
        raise InvalidTransition(f"a {effective_state(ctx, request)} request has no access to revoke")
    items = {i.id: i for i in items_of(ctx, request.id)}
    live = [e for e in entitlements_of(ctx, request.id) if entitlement_state(e, ctx.now) == "active"]
    mine = [e for e in live if actor.role == "admin" or stewards_for(actor, items[e.request_dataset_id])]
    if body.datasets is not None:
        wanted = set(body.datasets)
        if wanted - {e.dataset_id for e in mine}:
            raise Forbidden("you cannot revoke access to some of these datasets, or they have no active access")
        mine = [e for e in mine if e.dataset_id in wanted]
    if not mine:
        raise Forbidden("none of this request's active access is yours to revoke")
    for entitlement in mine:
        end_entitlement(ctx, actor, entitlement, body.reason)
    if all(e.revoked_at is not None for e in entitlements_of(ctx, request.id)):
        transition(ctx, actor, request, "revoked", body.reason)
    else:
        request.updated_at = ctx.now
    return request
