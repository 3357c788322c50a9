"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from access.api import router as access_router
from access.runtime import install_access
from catalogue import __version__
from catalogue.api.errors import install_error_handlers
from catalogue.api.routers import catalog, datasets, docs, pages, quality, search, service, sparql
from catalogue.config import Settings
from catalogue.observability import install as install_observability
from catalogue.public_datasets import PublicDatasets
from catalogue.snapshots import serving_store
from catalogue.sparql import SparqlEndpoint
from catalogue.store import GraphStore
from catalogue.web import STATIC


def create_app(settings: Settings, store: GraphStore | None = None) -> FastAPI:
    """The fedcat service for one node; opens the node's store unless one is given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The web process only reads: it serves the newest snapshot, so harvests never wait for it.
        app.state.store = serving_store(settings) if store is None else store  # public records only
        app.state.full_store = serving_store(settings, public=False) if store is None else store
        app.state.public_datasets = PublicDatasets()  # the catalogue pages' dataset list, per store version
        app.state.public_datasets.warm(app.state.store)  # read in the background: 8-10 s at 1M records
        app.state.sparql = SparqlEndpoint(settings, app.state.store, app.state.full_store)
        app.state.sparql.start()  # the query worker processes
        try:
            yield
        finally:
            app.state.sparql.close()

    app = FastAPI(
        title="fedcat",
        version=__version__,
        lifespan=lifespan,
        description="Federated data-discovery catalogue for secure data access.",
        docs_url=None,  # FastAPI's /docs and /redoc load from a CDN: docs.install serves Swagger UI locally
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    pages.install(app)  # the pages and security headers; before the routers: its /datasets/{id} page wins
    docs.install(app)  # before the /static mount below, which would shadow /static/swagger
    app.include_router(service.router)
    app.include_router(catalog.router)
    app.include_router(search.router)
    app.include_router(datasets.router)
    app.include_router(sparql.router)
    app.include_router(quality.router)
    app.include_router(access_router)
    install_access(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_observability(app)  # last: its middleware is the outermost, so it times and logs everything
    return app
