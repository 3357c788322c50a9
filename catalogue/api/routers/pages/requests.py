"""Access requests: the form, the list, a request's page and its steps."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from access import actors, inputs, request_views, workflow
from access.datasets import lookup
from access.deps import unit
from access.errors import InvalidRequest
from access.tokens import Principal
from catalogue.api.routers.pages.common import (
    applicant,
    columns_of,
    conditions_of,
    duo_options,
    form_error,
    is_member,
    label,
    see_other,
    stores,
    validation_message,
)
from catalogue.config import Settings
from catalogue.errors import FedcatError, NotFound
from catalogue.web.routing import (
    PageRoute,
    form_of,
    page,
    page_language,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/requests")
def requests_list(request: Request) -> Response:
    """My requests with their state."""
    principal = applicant(request)
    with unit(request, principal) as (ctx, actor):
        titles = {p.id: p.title for p in request_views.list_projects(ctx, actor)}
        found = [request_views.summary(ctx, r) for r in request_views.list_requests(ctx, actor)]
    return page(request, "requests.html", lang=page_language(request), requests=found, titles=titles)


def _request_form(
    request: Request,
    principal: Principal,
    dataset_ids: list[str],
    values: dict[str, Any],
    error: str | None,
    status: int = 200,
) -> Response:
    settings: Settings = request.app.state.settings
    store = stores(request, True)
    datasets = []
    for dataset_id in dict.fromkeys(dataset_ids):
        try:
            info = lookup(store, dataset_id)
        except NotFound:
            continue
        datasets.append(
            {
                "id": dataset_id,
                "title": label(info),
                "publisher": info.publisher_name or info.publisher_iri or "",
                "restricted": info.restricted,
                "conditions": conditions_of(info),
                "columns": columns_of(store, settings, dataset_id),
            }
        )
    with unit(request, principal) as (ctx, actor):
        projects = [request_views.project_view(ctx, p) for p in request_views.list_projects(ctx, actor)]
    access = settings.access
    back = [("dataset", d) for d in dataset_ids]
    return page(
        request,
        "request_new.html",
        lang=page_language(request),
        status=status,
        datasets=datasets,
        projects=projects,
        values=values,
        error=error,
        duo_options=duo_options(),
        default_days=access.default_entitlement_days,
        max_days=access.max_entitlement_days,
        new_project_url="/projects/new?" + urlencode({"next": "/requests/new?" + urlencode(back)}),
    )


@router.get("/requests/new")
def request_new(request: Request) -> Response:
    """The access request form for the datasets in `?dataset=`."""
    principal = applicant(request)
    dataset_ids = request.query_params.getlist("dataset")
    values = {"project": request.query_params.get("project", ""), "columns": {}, "modifiers": [], "accept": []}
    return _request_form(request, principal, dataset_ids, values, None)


@router.post("/requests/new")
def request_create(request: Request) -> Response:
    """Create the request as a draft, and submit it unless the user saved a draft."""
    principal = applicant(request)
    form = form_of(request)
    dataset_ids = [str(d) for d in form.getlist("dataset")]
    columns = {d: [str(c) for c in form.getlist(f"columns:{d}")] for d in dataset_ids}
    values: dict[str, Any] = {
        "project": str(form.get("project") or ""),
        "purpose": str(form.get("purpose") or ""),
        "permission": str(form.get("permission") or ""),
        "modifiers": [str(m) for m in form.getlist("modifier")],
        "legal_basis": str(form.get("legal_basis") or ""),
        "duration_days": str(form.get("duration_days") or ""),
        "accept": [str(a) for a in form.getlist("accept")],
        "columns": columns,
    }
    try:
        body = inputs.RequestIn(
            project_id=values["project"],
            datasets=dataset_ids,
            columns={d: c for d, c in columns.items() if c},
            purpose=values["purpose"],
            duo_codes=[c for c in [values["permission"], *values["modifiers"]] if c],
            legal_basis=values["legal_basis"],
            duration_days=int(values["duration_days"]) if values["duration_days"].isdigit() else None,
            accept_terms=values["accept"],
        )
        with unit(request, principal) as (ctx, actor):
            created = workflow.create_request(ctx, actor, body)
            if form.get("action") != "draft":
                workflow.submit(ctx, actor, created.id)
            request_id = created.id
    except ValidationError as exc:
        return _request_form(request, principal, dataset_ids, values, validation_message(exc), 422)
    except (InvalidRequest, NotFound) as exc:
        return _request_form(request, principal, dataset_ids, values, exc.message, 422)
    return see_other(f"/requests/{request_id}")


def _request_view(request: Request, principal: Principal, request_id: str) -> tuple[dict[str, Any], bool]:
    with unit(request, principal) as (ctx, actor):
        view = request_views.request_view(ctx, actor, actors.get_request(ctx, actor, request_id))
        return view, is_member(ctx, actor, view["project"]["id"])


def _request_page(request: Request, request_id: str, error: str | None = None, status: int = 200) -> Response:
    principal = applicant(request)
    view, member = _request_view(request, principal, request_id)
    return page(
        request,
        "request.html",
        lang=page_language(request),
        status=status,
        req=view,
        member=member,
        error=error,
        duo_options=duo_options(),
    )


@router.get("/requests/{request_id}")
def request_detail(request: Request, request_id: str) -> Response:
    """A request: state, datasets and their conditions check, decisions, access and history."""
    return _request_page(request, request_id)


def _request_step(request: Request, request_id: str, step: str) -> Response:
    principal = applicant(request)
    form = form_of(request)
    try:
        with unit(request, principal) as (ctx, actor):
            if step == "submit":
                workflow.submit(ctx, actor, request_id)
            elif step == "withdraw":
                workflow.withdraw(ctx, actor, request_id, str(form.get("reason") or "") or None)
            else:
                codes = [str(form.get("permission") or ""), *[str(m) for m in form.getlist("modifier")]]
                days = str(form.get("duration_days") or "")
                update = inputs.RequestUpdate(
                    purpose=str(form.get("purpose") or "") or None,
                    duo_codes=[c for c in codes if c],
                    legal_basis=str(form.get("legal_basis") or "") or None,
                    duration_days=int(days) if days.isdigit() else None,
                )
                workflow.update_request(ctx, actor, request_id, update)
    except (ValidationError, FedcatError) as exc:
        return _request_page(request, request_id, *form_error(exc))
    return see_other(f"/requests/{request_id}")


@router.post("/requests/{request_id}/submit")
def request_submit(request: Request, request_id: str) -> Response:
    """Send a draft or returned request to the stewards."""
    return _request_step(request, request_id, "submit")


@router.post("/requests/{request_id}/withdraw")
def request_withdraw(request: Request, request_id: str) -> Response:
    """Take a request back (ending its access, if any)."""
    return _request_step(request, request_id, "withdraw")


@router.post("/requests/{request_id}/edit")
def request_edit(request: Request, request_id: str) -> Response:
    """Change a draft or returned request's purpose, DUO codes, legal basis or duration."""
    return _request_step(request, request_id, "edit")
