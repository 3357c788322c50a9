"""The steward's queue, decisions, revocations and the audit trail."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from access import actors, audit, decisions, inputs, request_views
from access.deps import unit
from access.errors import InvalidRequest
from access.models import AccessRequest, Project
from access.sandbox_service import after_revocation, hosted_columns
from access.tokens import Principal
from catalogue.api.routers.pages.common import (
    columns_of,
    form_error,
    is_member,
    see_other,
    stores,
)
from catalogue.config import Settings
from catalogue.errors import FedcatError, NotFound
from catalogue.web.routing import (
    PageRoute,
    form_of,
    page,
    page_language,
    require,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
AUDIT_PAGE = 50


def _steward(request: Request) -> Principal:
    return require(request, "access:review", "steward")[1]


def _approved_for(ctx: actors.Context, actor: actors.Actor) -> list[dict[str, Any]]:
    """Approved requests with active access to the steward's datasets (what they may revoke), newest first."""
    ids = ctx.session.execute(
        sa.select(AccessRequest.id)
        .where(AccessRequest.state == "approved")
        .order_by(AccessRequest.updated_at.desc())
        .limit(200)
    ).scalars()
    out = []
    for request_id in ids:
        try:
            view = request_views.request_view(ctx, actor, actors.get_request(ctx, actor, request_id))
        except NotFound:
            continue
        mine = {d["dataset_id"] for d in view["datasets"] if d["yours_to_decide"]}
        live = [e for e in view["entitlements"] if e["state"] == "active" and e["dataset_id"] in mine]
        if live:
            out.append({"id": view["id"], "project": view["project"], "entitlements": live})
    return out


@router.get("/steward")
def steward_queue(request: Request) -> Response:
    """The queue: submitted requests for the steward's publishers, with SLA age; filters in the URL."""
    principal = _steward(request)
    params = request.query_params
    text = (params.get("q") or "").strip().casefold()
    overdue_only = params.get("overdue") == "yes"
    publisher = params.get("publisher") or ""
    order = params.get("order") if params.get("order") in ("oldest", "newest") else "oldest"
    with unit(request, principal) as (ctx, actor):
        queue = request_views.queue(ctx, actor)
        titles = {}
        for entry in queue["requests"]:
            project = ctx.session.get(Project, entry["project_id"])
            titles[entry["project_id"]] = project.title if project else entry["project_id"]
        approved = _approved_for(ctx, actor)
        publishers = sorted(actor.publishers)

    def keep(entry: dict[str, Any]) -> bool:
        haystack = " ".join(
            [entry["id"], entry["project_id"], titles.get(entry["project_id"], "")]
            + [f"{d['dataset_id']} {d['title'] or ''}" for d in entry["datasets"]]
        ).casefold()
        if text and text not in haystack:
            return False
        if overdue_only and not entry["overdue"]:
            return False
        return not publisher or any(
            publisher.casefold() == (d["publisher"] or "").casefold() for d in entry["datasets"]
        )

    shown = [e for e in queue["requests"] if keep(e)]
    if order == "newest":
        shown.reverse()
    return page(
        request,
        "steward.html",
        lang=page_language(request),
        queue=queue,
        shown=shown,
        titles=titles,
        approved=approved,
        publishers=publishers,
        filters={"q": params.get("q") or "", "overdue": overdue_only, "publisher": publisher, "order": order},
    )


def _steward_page(request: Request, request_id: str, error: str | None = None, status: int = 200) -> Response:
    principal = _steward(request)
    settings: Settings = request.app.state.settings
    store = stores(request, True)
    with unit(request, principal) as (ctx, actor):
        view = request_views.request_view(ctx, actor, actors.get_request(ctx, actor, request_id))
        conflict = is_member(ctx, actor, view["project"]["id"])
    # The columns offered for narrowing and pseudonymising: requested, else validated, else the hosted file's.
    columns = {
        d["dataset_id"]: d["columns"]
        or columns_of(store, settings, d["dataset_id"])
        or hosted_columns(settings, d["dataset_id"])
        or []
        for d in view["datasets"]
    }
    return page(
        request,
        "steward_request.html",
        lang=page_language(request),
        status=status,
        req=view,
        conflict=conflict,
        columns=columns,
        error=error,
        today=date.today().isoformat(),
    )


@router.get("/steward/requests/{request_id}")
def steward_request(request: Request, request_id: str) -> Response:
    """A request as its steward sees it: purpose against conditions, decision and revocation forms."""
    return _steward_page(request, request_id)


@router.post("/steward/requests/{request_id}/decision")
def steward_decide(request: Request, request_id: str) -> Response:
    """Approve (narrowed by columns, rows or end date; identifiers pseudonymised), reject or return one dataset."""
    principal = _steward(request)
    form = form_of(request)
    dataset = str(form.get("dataset") or "")
    decision = str(form.get("decision") or "")
    chosen = [str(c) for c in form.getlist("columns")]
    offered = [str(c) for c in form.getlist("offered")]
    narrowed = decision == "approve" and bool(offered) and set(chosen) != set(offered)
    hidden = [str(c) for c in form.getlist("pseudonymise")] if decision == "approve" else []
    end_date = str(form.get("end_date") or "")
    row_filter = str(form.get("row_filter") or "").strip()
    try:
        body = inputs.DecisionIn(
            decision=decision,  # type: ignore[arg-type]
            reason=str(form.get("reason") or ""),
            datasets=[dataset] if dataset else None,
            columns={dataset: chosen} if narrowed and dataset else None,
            row_filter=row_filter if decision == "approve" and row_filter else None,
            end_date=date.fromisoformat(end_date) if decision == "approve" and end_date else None,
            pseudonymise={dataset: hidden} if hidden and dataset else None,
        )
        if narrowed and not chosen:
            raise InvalidRequest("an approval keeps at least one column; reject the request instead")
        with unit(request, principal) as (ctx, actor):
            decisions.decide(ctx, actor, request_id, body)
    except (ValueError, FedcatError) as exc:
        return _steward_page(request, request_id, *form_error(exc))
    return see_other(f"/steward/requests/{request_id}")


@router.post("/steward/requests/{request_id}/revoke")
def steward_revoke(request: Request, request_id: str) -> Response:
    """End a request's active access to the steward's datasets, with a reason."""
    principal = _steward(request)
    form = form_of(request)
    dataset = str(form.get("dataset") or "")
    try:
        body = inputs.ReasonIn(reason=str(form.get("reason") or "") or None, datasets=[dataset] if dataset else None)
        with unit(request, principal) as (ctx, actor):
            project_id = decisions.revoke(ctx, actor, request_id, body).project_id
        after_revocation(request.app, project_id)  # the project's views go now, not at the next sweep
    except (ValidationError, FedcatError) as exc:
        return _steward_page(request, request_id, *form_error(exc))
    return see_other(f"/steward/requests/{request_id}")


@router.get("/steward/audit")
def steward_audit(request: Request) -> Response:
    """The audit trail of the steward's datasets (everything, for admins), oldest first, paged."""
    web, principal = require(request, "audit:read", "steward", "admin")
    params = request.query_params
    after = int(params["after"]) if (params.get("after") or "").isdigit() else 0
    kind = (params.get("kind") or "").strip()[:64] or None
    with unit(request, principal) as (ctx, actor):
        scope = None if actor.role == "admin" else actor.publishers
        found = audit.events(ctx.session, publishers=scope, after=after, limit=AUDIT_PAGE, kind=kind)
        events = [audit.as_dict(e) for e in found]
    next_url = None
    if len(events) == AUDIT_PAGE:
        next_url = "/steward/audit?" + urlencode({"after": events[-1]["seq"], **({"kind": kind} if kind else {})})
    return page(
        request,
        "audit.html",
        lang=page_language(request),
        events=events,
        kind=kind or "",
        next_url=next_url,
        admin=web.has_role("admin"),
    )
