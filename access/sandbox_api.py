"""Sandbox routes: `GET /api/projects/{id}/views` and `POST /api/projects/{id}/query`.

Members of the project only; anyone else gets 404 exactly like a missing project. The engine's errors
(`sandbox-revoked`, `query-timeout`, `forbidden-sql`, ...) come back in the node's one problem+JSON shape.
The views are (re)built from the project's active entitlements on demand (`access.sandbox_service`).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from access.deps import Applicant, unit
from access.sandbox_service import is_member, service_of
from catalogue.errors import NotFound


class QueryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sql: str = Field(min_length=1, max_length=1_000_000)
    format: Literal["json", "csv", "parquet", "arrow"] = "json"


def _member_label(request: Request, principal: Any, project_id: str) -> str:
    with unit(request, principal) as (ctx, actor):
        if not is_member(ctx.session, project_id, actor.id):
            raise NotFound(f"no project with id {project_id!r}")
        return actor.label


def project_views(request: Request, project_id: str, principal: Applicant) -> dict[str, Any]:
    """The views of the project's approved datasets, with their columns and access modes."""
    _member_label(request, principal, project_id)
    found = service_of(request.app).views(project_id)
    return {"project_id": project_id, "views": [v.to_dict() for v in found]}


def project_query(request: Request, project_id: str, body: QueryIn, principal: Applicant) -> Response:
    """One SELECT over the project's views; output-checked, capped and audited."""
    label = _member_label(request, principal, project_id)
    result = service_of(request.app).query(project_id, body.sql, actor=label, fmt=body.format)
    if body.format == "json":
        return JSONResponse(result.to_json(), headers={"Cache-Control": "no-store"})
    return Response(result.data or b"", media_type=result.media_type, headers={"Cache-Control": "no-store"})


def sandbox_routes(route_class: type[APIRoute] = APIRoute) -> APIRouter:
    """The sandbox routes; `access.api` passes its body-capping route class."""
    router = APIRouter(tags=["sandbox"], route_class=route_class)
    router.add_api_route(
        "/api/projects/{project_id}/views", project_views, methods=["GET"], summary="The project's sandbox views"
    )
    router.add_api_route(
        "/api/projects/{project_id}/query",
        project_query,
        methods=["POST"],
        summary="Run a SQL query in the project's sandbox",
        response_class=Response,
    )
    return router
