"""`/sparql`: the SPARQL 1.1 Protocol over HTTP, read-only, with CORS for partner portals.

The handler reads the request itself (no FastAPI parameter models) because the protocol's rules (repeated
parameters, form vs direct POST, charsets) do not fit them, and because it keeps the per-query overhead low.
Errors are rendered here, in fedcat's one JSON shape, so that they also carry the CORS headers.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from access.deps import optional_principal
from access.errors import BearerError
from catalogue.api.deps import entitled
from catalogue.api.routers import pages
from catalogue.sparql import SparqlEndpoint
from catalogue.sparql_protocol import (
    FORM,
    SPARQL_QUERY,
    QueryTooLarge,
    ResultNotAcceptable,
    SparqlError,
    negotiate,
    read_operation,
)
from catalogue.sparql_results import MEDIA_TYPES

router = APIRouter(tags=["sparql"])

TRUNCATED_HEADER = "Fedcat-Results-Truncated"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": f"{TRUNCATED_HEADER}, Retry-After, Content-Type",
}
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type, Authorization",
    "Access-Control-Max-Age": "86400",
}
_DOCS = {
    "parameters": [
        {"name": "query", "in": "query", "schema": {"type": "string"}, "description": "A SPARQL 1.1 query."},
        {"name": "default-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
        {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
    ],
    "responses": {
        "200": {
            "description": "Results (JSON, XML, CSV, TSV) or a graph (Turtle, JSON-LD, RDF/XML, N-Triples) by "
            f"content negotiation; `{TRUNCATED_HEADER}: true` when the row cap cut the answer. Without a "
            "query: the SPARQL Service Description.",
        }
    },
}
_POST_DOCS = {
    **_DOCS,
    "requestBody": {
        "content": {
            SPARQL_QUERY: {"schema": {"type": "string"}},
            FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string"}}}},
        }
    },
}


def _problem(exc: SparqlError | BearerError) -> JSONResponse:
    extra = exc.headers if isinstance(exc, SparqlError) else {}
    return JSONResponse(
        exc.to_dict(), status_code=exc.status, media_type="application/problem+json", headers={**CORS, **extra}
    )


async def _body(request: Request, cap: int) -> bytes:
    """The request body, refused with 413 as soon as it passes `cap` bytes."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        raise QueryTooLarge(f"the request body is over {cap} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise QueryTooLarge(f"the request body is over {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _handle(request: Request) -> Response:
    endpoint: SparqlEndpoint = request.app.state.sparql
    limits = endpoint.limits
    try:
        # A form body percent-encodes the query (up to 3 bytes a character) beside the dataset parameters.
        body = await _body(request, 3 * limits.max_query_bytes + 8192) if request.method == "POST" else b""
        operation = read_operation(
            request.method,
            request.headers.get("content-type"),
            request.query_params.multi_items(),
            body,
            limits.max_query_bytes,
        )
        accept = request.headers.get("accept")
        if operation.query is None:
            fmt = "ttl" if accept and "text/html" in accept else negotiate(accept, "graph")
            if fmt is None:
                raise ResultNotAcceptable("the service description comes as Turtle, JSON-LD, RDF/XML or N-Triples")
            headers = {**CORS, "Vary": "Accept"}
            return Response(endpoint.service_description(fmt), media_type=MEDIA_TYPES[fmt], headers=headers)
        restricted = entitled(await optional_principal(request))  # None without a token
        answer, content = await endpoint.query(operation, accept, restricted=restricted)
    except SparqlError as exc:
        return _problem(exc)
    except BearerError as exc:
        response = _problem(exc)
        response.headers.update({"WWW-Authenticate": exc.www_authenticate, "Cache-Control": "no-store"})
        return response
    headers = {**CORS, "Vary": "Accept, Authorization"}
    if restricted:  # an answer for one entitled caller: no shared cache may keep it
        headers["Cache-Control"] = "private, no-store"
    if answer.truncated:
        headers[TRUNCATED_HEADER] = "true"
    return Response(content, media_type=answer.media_type, headers=headers)


@router.get("/sparql", summary="SPARQL 1.1 query by GET, or the Service Description", openapi_extra=_DOCS)
async def sparql_get(request: Request) -> Response:
    """Run `query` (read-only, time- and row-limited); without a query, describe the service."""
    if pages.wants_page(request):  # a browser: the query page, with the results as a table
        return await pages.sparql_page(request)
    return await _handle(request)


@router.post("/sparql", summary="SPARQL 1.1 query by POST (form or application/sparql-query)", openapi_extra=_POST_DOCS)
async def sparql_post(request: Request) -> Response:
    """Run a query sent as a URL-encoded form or directly; updates are refused (403)."""
    return await _handle(request)


@router.options("/sparql", summary="CORS preflight", include_in_schema=False)
async def sparql_preflight() -> Response:
    """Let partner portals' browsers send GET and POST with a Content-Type."""
    return Response(status_code=204, headers=PREFLIGHT)


@router.api_route("/sparql", methods=["HEAD", "PUT", "DELETE", "PATCH"], include_in_schema=False)
async def sparql_other(request: Request) -> Response:
    """Anything but GET, POST and OPTIONS: 405."""
    return await _handle(request)
