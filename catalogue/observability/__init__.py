"""Operating a running node: JSON request logs with request ids, Prometheus metrics and component health.

`install(app)` (called by `create_app`) gives the app its own metrics registry and the request middleware;
`catalogue.api.routers.service` serves `/metrics` and `/healthz` from what is installed here.
"""

from __future__ import annotations

from fastapi import FastAPI

from catalogue.observability.health import NodeHealth
from catalogue.observability.metrics import Metrics
from catalogue.observability.request_observer import RequestObserver


def install(app: FastAPI) -> None:
    """Give `app` its metrics registry, health checks and the request middleware (outermost, added last)."""
    settings = app.state.settings
    app.state.metrics = Metrics(settings, app.state)
    app.state.health = NodeHealth(settings, app.state)
    app.add_middleware(RequestObserver, metrics=app.state.metrics)
