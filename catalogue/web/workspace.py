"""The project workspace's access to the sandbox: the project's views and its SQL queries.

The pages do not open the sandbox themselves: the JSON API (`GET /api/projects/{id}/views`,
`POST /api/projects/{id}/query` with `{"sql", "format"}`) owns the entitlement checks, the output checks and
the audit of every query, and the page must get exactly those. It is called in-process, through the app's
own ASGI interface (no socket, no network), with the signed-in user's access token, so the API sees the
same caller and applies the same rules as for any client. A node whose API does not offer the query routes
yet says so instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from catalogue.errors import FedcatError

QUERY_PATH = "/api/projects/{}/query"
VIEWS_PATH = "/api/projects/{}/views"
_PROBE = "probe-project"


class WorkspaceUnavailable(FedcatError):
    """This node's API has no sandbox query routes."""

    status, type, title = 503, "workspace-unavailable", "Workspace unavailable"


@dataclass
class QueryOutcome:
    """What a query gave: a table (`format: json`), a file (CSV), or the API's refusal."""

    status: int
    columns: list[dict[str, str]] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    row_count: int = 0
    truncated: bool = False
    suppressed: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200

    def suppressed_cells(self) -> set[tuple[int, str]]:
        """(row, column) of every cell the output checks held back."""
        return {(int(s.get("row", -1)), str(s.get("column", ""))) for s in self.suppressed}

    def rules(self) -> dict[str, int]:
        """How many cells each output-check rule suppressed."""
        counts: dict[str, int] = {}
        for entry in self.suppressed:
            rule = str(entry.get("rule", "?"))
            counts[rule] = counts.get(rule, 0) + 1
        return counts


def available(app: FastAPI, method: str = "POST", path: str = QUERY_PATH) -> bool:
    """True when the app routes `method path` (for some project id) to a handler."""
    probe = path.format(_PROBE)
    routes = list(app.router.routes)
    while routes:
        route = routes.pop()
        # FastAPI wraps an included router in one route object; look inside it.
        inner = getattr(route, "original_router", None)
        if inner is not None:
            routes.extend(inner.routes)
            continue
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(probe) and method in (getattr(route, "methods", None) or ()):
            return True
    return False


async def _call(app: FastAPI, base: str, token: str, method: str, path: str, body: Any = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base, timeout=120.0) as client:
        return await client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})


async def views(app: FastAPI, base: str, token: str, project_id: str) -> list[dict[str, Any]]:
    """The project's views (name, dataset, access mode, columns); empty while it has no active approval."""
    if not available(app, "GET", VIEWS_PATH):
        raise WorkspaceUnavailable("this node does not offer project workspaces yet")
    response = await _call(app, base, token, "GET", VIEWS_PATH.format(project_id))
    if response.status_code != 200:
        return []  # no approval materialised (404), access ended (410 / 403): the page explains
    data = response.json()
    found = data.get("views", []) if isinstance(data, dict) else data
    return [v for v in found if isinstance(v, dict)]


async def query(app: FastAPI, base: str, token: str, project_id: str, sql: str, fmt: str = "json") -> QueryOutcome:
    """Run `sql` in the project's sandbox as the signed-in user; refusals come back as `error`."""
    if not available(app):
        raise WorkspaceUnavailable("this node does not offer project workspaces yet")
    response = await _call(app, base, token, "POST", QUERY_PATH.format(project_id), {"sql": sql, "format": fmt})
    outcome = QueryOutcome(status=response.status_code, headers=dict(response.headers))
    if response.status_code != 200:
        try:
            outcome.error = response.json()
        except ValueError:
            outcome.error = {"title": "Query failed", "detail": response.text[:500]}
        return outcome
    if fmt != "json":
        outcome.content = response.content
        return outcome
    data = response.json()
    outcome.columns = list(data.get("columns", []))
    outcome.rows = list(data.get("rows", []))
    outcome.row_count = int(data.get("row_count", len(outcome.rows)))
    outcome.truncated = bool(data.get("truncated", False))
    outcome.suppressed = list(data.get("suppressed", []))
    return outcome
