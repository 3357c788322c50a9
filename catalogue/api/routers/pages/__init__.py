"""The pages people use: search, dataset pages, signing in, projects, access requests, the steward's queue,
the operator's sources and the SPARQL page.

Every route is thin: it calls what the JSON API calls (`catalogue.search.search`, `load_dataset` and
`build_view`, the `access.workflow` functions inside `access.deps.unit`, the quality report readers) and
renders a template from `catalogue/web/templates`. Forms are plain HTML POSTs carrying a CSRF token; the
session, CSRF and error pages are `catalogue.web.routing`'s, the sign-in flow `catalogue.web.session`'s.
One module per group of pages; `install(app)` adds their routers and the security headers middleware.
"""

from __future__ import annotations

from fastapi import FastAPI

from catalogue.api.routers.pages import catalogue, projects, requests, session, steward
from catalogue.api.routers.pages.catalogue import sparql_page
from catalogue.web.security import SecurityHeaders
from catalogue.web.sparql_page import wants_page


def install(app: FastAPI) -> None:
    """Serve the pages (ahead of the API's `/datasets/{id}`, which the richer page replaces for people)."""
    for module in (catalogue, session, projects, requests, steward):
        app.include_router(module.router)
    app.include_router(catalogue.dataset_router)
    app.add_middleware(SecurityHeaders)


__all__ = ["install", "sparql_page", "wants_page"]
