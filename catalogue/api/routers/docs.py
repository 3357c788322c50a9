"""The interactive API documentation on `/docs`: Swagger UI from the installed swagger-ui-bundle, served locally.

FastAPI's own `/docs` and `/redoc` load their scripts from a CDN and start Swagger UI with an inline script. A
node may have no internet, and its pages run under a CSP without inline script, so this page is ours: Swagger
UI's files come from the swagger-ui-bundle package under `/static/swagger/`, and the initialiser is a file of our
own (`/static/swagger-init.js`) that reads the OpenAPI URL from the page. There is no `/redoc` (ReDoc has no
locally installed bundle).

swagger-ui-bundle 1.1 ships Swagger UI 4.15, which refuses OpenAPI 3.1 documents ("does not specify a valid
version field"), and FastAPI writes 3.1. So the page reads `/docs/openapi-3.0.json`: the same document as
`/openapi.json`, with the one 3.1 construct FastAPI emits here (`anyOf` with a `null` member, pydantic's
optional fields) written the 3.0 way (`nullable: true`). `/openapi.json` itself stays 3.1 for API clients.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import swagger_ui_bundle
from fastapi import APIRouter, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

from catalogue.web import render

SWAGGER_ASSETS = Path(str(swagger_ui_bundle.swagger_ui_path))
SWAGGER_PREFIX = "/static/swagger"
OPENAPI_30_URL = "/docs/openapi-3.0.json"
NULL = {"type": "null"}

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI for this node's OpenAPI description, everything from this origin."""
    app: FastAPI = request.app
    body = render(
        "api_docs.html",
        language="en",
        title=f"{app.title} {app.version} – API",
        openapi_url=OPENAPI_30_URL,
        assets=SWAGGER_PREFIX,
    )
    return HTMLResponse(body)


@router.get(OPENAPI_30_URL)
def openapi_30(request: Request) -> dict[str, Any]:
    """The app's OpenAPI document as OpenAPI 3.0.3, for Swagger UI 4."""
    return as_openapi_30(request.app.openapi())


def as_openapi_30(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of an OpenAPI 3.1 document with `anyOf: [X, {type: null}]` as `X` plus `nullable: true`."""
    converted: dict[str, Any] = _nullable(document)
    converted["openapi"] = "3.0.3"
    return converted


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _nullable(value) for key, value in node.items()}
    for keyword in ("anyOf", "oneOf"):
        members = converted.get(keyword)
        if not isinstance(members, list) or NULL not in members:
            continue
        rest = [member for member in members if member != NULL]
        del converted[keyword]
        converted["nullable"] = True
        if len(rest) == 1 and "$ref" not in rest[0]:
            converted = {**rest[0], **converted}  # the outer title, default and description win
        elif len(rest) == 1:
            converted["allOf"] = rest  # a $ref takes no sibling keywords in 3.0
        elif rest:
            converted[keyword] = rest
    return converted


def install(app: FastAPI) -> None:
    """Route `/docs` and mount Swagger UI's files; call before the `/static` mount, which would shadow them."""
    app.include_router(router)
    app.mount(SWAGGER_PREFIX, StaticFiles(directory=SWAGGER_ASSETS), name="swagger-ui")
