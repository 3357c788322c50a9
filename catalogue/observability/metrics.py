"""The node's Prometheus metrics: one registry per app, never the process-wide default.

Two kinds of series:

* measured in this process by the request middleware: requests and their latency per route template,
  search and SPARQL latency, error responses by their `type` slug (timeouts, refusals, rate limits, ...);
* read when Prometheus scrapes (`catalogue.observability.scrape`), because other processes own the facts:
  harvest runs from the reports in `<home>/runs/`, record counts from the search index, access requests and
  sandbox queries from the workflow database.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from catalogue import __version__
from catalogue.config import Settings
from catalogue.observability.scrape import NodeCollector

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # what every Prometheus understands; names need no escaping
# Route templates whose latency gets its own histogram; the pages search too (`/` is the search page).
SEARCH_ROUTES = frozenset({"/api/datasets", "/search", "/"})
SPARQL_ROUTES = frozenset({"/sparql"})
UNMATCHED = "<unmatched>"  # no route: 404s and mounts, kept in one series so paths cannot explode the labels
# Search is interactive (the discovery targets are tens of ms); SPARQL runs up to its timeout (10 s default).
SEARCH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SPARQL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The instruments of one app and the registry `/metrics` renders."""

    def __init__(self, settings: Settings, app_state: object) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "fedcat_http_requests", "HTTP requests answered, by route template, method and status.",
            ("route", "method", "status"), registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "fedcat_http_request_duration_seconds", "Time to answer an HTTP request, by route template and method.",
            ("route", "method"), buckets=HTTP_BUCKETS, registry=r,
        )  # fmt: skip
        self.search_latency = Histogram(
            "fedcat_search_duration_seconds", "Time to answer a search (API or page), by route template.",
            ("route",), buckets=SEARCH_BUCKETS, registry=r,
        )  # fmt: skip
        self.sparql_latency = Histogram(
            "fedcat_sparql_duration_seconds", "Time to answer a SPARQL protocol request, by route and method.",
            ("route", "method"), buckets=SPARQL_BUCKETS, registry=r,
        )  # fmt: skip
        self.errors = Counter(
            "fedcat_error_responses", "Error responses by their problem `type` (query-timeout, too-many-requests, "
            "service-refused, ...) and HTTP status.", ("type", "status"), registry=r,
        )  # fmt: skip
        info = Gauge("fedcat_build_info", "The running fedcat version (always 1).", ("version",), registry=r)
        info.labels(__version__).set(1)
        self.node = NodeCollector(settings, app_state)
        r.register(self.node)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)
        if route in SEARCH_ROUTES and method in ("GET", "HEAD"):
            self.search_latency.labels(route).observe(seconds)
        elif route in SPARQL_ROUTES:
            self.sparql_latency.labels(route, method).observe(seconds)

    def error(self, type_: str, status: int) -> None:
        """Count one error response of `type_`."""
        self.errors.labels(type_, str(status)).inc()

    def render(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)
