"""A scientist's projects and the project workspace with its SQL console."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from access import actors, inputs, request_views, workflow
from access.deps import unit
from access.errors import InvalidRequest
from access.tokens import Principal
from catalogue.api.routers.pages.common import (
    applicant,
    see_other,
    validation_message,
)
from catalogue.config import Settings
from catalogue.web import workspace
from catalogue.web.routing import (
    PageRoute,
    form_of,
    page,
    page_language,
    require,
)
from catalogue.web.session import safe_next

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/projects")
def projects(request: Request) -> Response:
    """My projects, with their requests."""
    principal = applicant(request)
    with unit(request, principal) as (ctx, actor):
        found = [request_views.project_view(ctx, p) for p in request_views.list_projects(ctx, actor)]
        requests_by_project: dict[str, list[dict[str, Any]]] = {}
        for r in request_views.list_requests(ctx, actor):
            requests_by_project.setdefault(r.project_id, []).append(request_views.summary(ctx, r))
    lang = page_language(request)
    return page(request, "projects.html", lang=lang, projects=found, requests=requests_by_project)


def _project_form(request: Request, values: dict[str, str], error: str | None, status: int = 200) -> Response:
    return page(request, "project_new.html", lang=page_language(request), values=values, error=error, status=status)


@router.get("/projects/new")
def project_new(request: Request) -> Response:
    """The new project form."""
    applicant(request)
    return _project_form(request, {"next": safe_next(request.query_params.get("next") or "/projects")}, None)


@router.post("/projects/new")
def project_create(request: Request) -> Response:
    """Create the project, then go on to where the user came from (a request form) or to its workspace."""
    principal = applicant(request)
    form = form_of(request)
    values = {k: str(form.get(k) or "") for k in ("title", "purpose", "organisation", "members", "next")}
    try:
        body = inputs.ProjectIn(
            title=values["title"],
            purpose=values["purpose"],
            organisation=values["organisation"] or None,
            members=[m for m in values["members"].replace(",", " ").split() if m],
        )
        with unit(request, principal) as (ctx, actor):
            project = workflow.create_project(ctx, actor, body)
            project_id = project.id
    except ValidationError as exc:
        return _project_form(request, values, validation_message(exc), 422)
    except InvalidRequest as exc:
        return _project_form(request, values, exc.message, 422)
    target = safe_next(values["next"]) if values["next"] not in ("", "/projects") else f"/projects/{project_id}"
    if target.startswith("/requests/new"):
        target += ("&" if "?" in target else "?") + urlencode({"project": project_id})
    return see_other(target)


def _workspace_data(request: Request, principal: Principal, project_id: str) -> dict[str, Any]:
    with unit(request, principal) as (ctx, actor):
        project = request_views.project_view(ctx, actors.get_project(ctx, actor, project_id))
        mine = [
            request_views.summary(ctx, r) for r in request_views.list_requests(ctx, actor) if r.project_id == project_id
        ]
        active = [
            {
                "dataset_id": e.dataset_id,
                "columns": e.columns,
                "row_filter": e.row_filter,
                "ends_at": e.ends_at.isoformat(),
                "request_id": e.request_id,
            }
            for e in request_views.active_entitlements(ctx.session, project_id, ctx.now)
        ]
    return {"project": project, "requests": mine, "active": active}


def _examples(views: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for view in views:
        name = str(view.get("name", ""))
        columns = [str(c.get("name")) for c in view.get("columns", []) if isinstance(c, dict)]
        if view.get("access_mode") == "aggregate-only" and columns:
            key = next((c for c in columns if c in ("canton", "sex", "commune", "hospital")), columns[0])
            sql = f"SELECT {key}, count(*) AS n\nFROM {name}\nGROUP BY {key}\nORDER BY {key}"
        else:
            sql = f"SELECT *\nFROM {name}\nLIMIT 20"
        out.append({"view": name, "sql": sql})
    return out


async def _workspace(
    request: Request,
    project_id: str,
    *,
    sql: str = "",
    outcome: workspace.QueryOutcome | None = None,
    status: int = 200,
) -> Response:
    web, principal = require(request, "access:request", "scientist", "steward", "admin")
    data = await run_in_threadpool(_workspace_data, request, principal, project_id)
    settings: Settings = request.app.state.settings
    unavailable = not workspace.available(request.app)
    views: list[dict[str, Any]] = []
    if not unavailable and data["active"]:
        views = await workspace.views(request.app, settings.base, web.access_token, project_id)
    examples = _examples(views)
    if not sql:
        sql = request.query_params.get("sql") or (examples[0]["sql"] if examples else "")
    return page(
        request,
        "workspace.html",
        lang=page_language(request),
        status=status,
        scripts=True,
        unavailable=unavailable,
        views=views,
        examples=examples,
        sql=sql,
        outcome=outcome,
        suppressed=outcome.suppressed_cells() if outcome else set(),
        **data,
    )


@router.get("/projects/{project_id}")
async def project_workspace(request: Request, project_id: str) -> Response:
    """A project: its requests, its active approvals and a SQL console over its views."""
    return await _workspace(request, project_id)


@router.post("/projects/{project_id}/query")
async def project_query(request: Request, project_id: str) -> Response:
    """Run the console's SQL: a results table on the page, or the result as a CSV download."""
    web, principal = require(request, "access:request", "scientist", "steward", "admin")
    await run_in_threadpool(_workspace_data, request, principal, project_id)  # 404 for other people's projects
    form = form_of(request)
    sql = str(form.get("sql") or "").strip()
    fmt = "csv" if form.get("format") == "csv" else "json"
    if not sql:
        return await _workspace(request, project_id, status=422)
    settings: Settings = request.app.state.settings
    outcome = await workspace.query(request.app, settings.base, web.access_token, project_id, sql, fmt)
    if outcome.ok and fmt == "csv":
        headers = {"Content-Disposition": f'attachment; filename="{project_id}-query.csv"'}
        for name in ("fedcat-suppressed-cells", "fedcat-results-truncated"):
            if name in outcome.headers:
                headers[name] = outcome.headers[name]
        return Response(outcome.content, media_type="text/csv; charset=utf-8", headers=headers)
    status = 200 if outcome.ok else outcome.status
    return await _workspace(request, project_id, sql=sql, outcome=outcome, status=status)
