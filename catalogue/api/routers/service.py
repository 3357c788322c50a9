"""Service endpoints: health and version."""

from __future__ import annotations

from fastapi import APIRouter

from catalogue import __version__
from catalogue.api.deps import StoreDep

router = APIRouter(tags=["service"])


@router.get("/healthz", summary="Liveness and the store's state")
def healthz(store: StoreDep) -> dict[str, object]:
    """`ok` with the number of quads when the store answers."""
    return {"status": "ok", "store": {"status": "ok", "quads": store.quad_count()}}


@router.get("/api/version", summary="fedcat's version")
def version() -> dict[str, str]:
    """The running version."""
    return {"name": "fedcat", "version": __version__}
