"""Service endpoints: health, metrics and version."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from catalogue import __version__
from catalogue.api.deps import SettingsDep
from catalogue.observability.guard import may_observe, require_observer
from catalogue.observability.metrics import CONTENT_TYPE

router = APIRouter(tags=["service"])


@router.get(
    "/healthz",
    summary="The store, the search index and the database, each checked",
    responses={503: {"description": "At least one component failed its check; its part says which and why."}},
)
def healthz(request: Request, settings: SettingsDep) -> JSONResponse:
    """`{"status", "store", "index", "database"}`, each part `{"status": "ok"|"error", ...}`; 200 when all are
    ok, else 503. Failure details go to loopback clients and holders of the metrics token; the rest see which
    part failed."""
    ok, body = request.app.state.health.report(details=may_observe(request, settings))
    return JSONResponse(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE: {}}, "description": "The Prometheus text format."},
        401: {"description": "A metrics token is configured and was not sent."},
        403: {"description": "No metrics token is configured and the client is not on loopback."},
    },
)
def metrics(request: Request, settings: SettingsDep) -> Response:
    """Harvests, records, latencies, errors, access requests and sandbox queries of this node."""
    require_observer(request, settings)
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


@router.get("/api/version", summary="fedcat's version")
def version() -> dict[str, str]:
    """The running version."""
    return {"name": "fedcat", "version": __version__}
