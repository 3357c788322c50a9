"""Real HTTP servers on 127.0.0.1 for harvest tests: static routes, hostile behaviours and a CKAN Action API."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Response = tuple[int, dict[str, str], bytes]
Handler = Callable[["Request"], Response]


@dataclass
class Request:
    """What a route handler sees."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    handler: BaseHTTPRequestHandler
    method: str = "GET"
    body: bytes = b""


@dataclass
class LoopbackServer:
    """A threaded HTTP server whose routes tests can change while it runs."""

    routes: dict[str, Handler | Response] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.httpd is not None
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(
        self,
        path: str,
        body: bytes | str | Handler,
        content_type: str = "text/turtle",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        if callable(body):
            self.routes[path] = body
        else:
            data = body.encode() if isinstance(body, str) else body
            self.routes[path] = (status, {"Content-Type": content_type, **(headers or {})}, data)

    def start(self) -> LoopbackServer:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._route(b"")

            def do_POST(self) -> None:
                self._route(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def _route(self, body: bytes) -> None:
                parts = urlsplit(self.path)
                server.hits.append(self.path)
                route = server.routes.get(parts.path)
                if route is None:
                    self._send(404, {"Content-Type": "text/plain"}, b"not found")
                    return
                request = Request(parts.path, parse_qs(parts.query), dict(self.headers), self, self.command, body)
                status, headers, body = route(request) if callable(route) else route
                if status == -1:  # the handler wrote the response itself (slow trickle)
                    return
                self._send(status, headers, body)

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                if "Server" in headers:  # a route that says what server it is, and nothing else does
                    self.send_response_only(status)
                    self.send_header("Date", self.date_time_string())
                else:
                    self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()


def trickle(body: bytes, delay: float, chunk: int = 16) -> Handler:
    """A handler that sends `body` a few bytes at a time, `delay` seconds apart."""

    def handle(request: Request) -> Response:
        h = request.handler
        h.send_response(200)
        h.send_header("Content-Type", "text/turtle")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        try:
            for i in range(0, len(body), chunk):
                h.wfile.write(body[i : i + chunk])
                h.wfile.flush()
                time.sleep(delay)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return -1, {}, b""

    return handle


_RANGE = re.compile(r"metadata_modified:\[(\S+) TO \*\]")


class CkanApi:
    """The part of CKAN's Action API a harvester uses, over a list of package dicts (like a real portal)."""

    def __init__(self, packages: list[dict[str, Any]], static: bool = False) -> None:
        self.packages = packages
        self.calls: list[dict[str, list[str]]] = []
        self.fail_at_start: int | None = None
        # Packages that never change (the benchmark's): each filtered, sorted listing is kept, as Solr's index
        # answers a page without sorting the catalogue again (100,000 packages took ~0.1 s a page to sort).
        self._listings: dict[tuple[str, bool], list[dict[str, Any]]] | None = {} if static else None

    def _ok(self, result: Any) -> Response:
        body = json.dumps({"help": "", "success": True, "result": result}).encode()
        return 200, {"Content-Type": "application/json"}, body

    def package_search(self, request: Request) -> Response:
        q = {k: v[0] for k, v in request.query.items()}
        self.calls.append(request.query)
        rows, start = min(int(q.get("rows", 10)), 1000), int(q.get("start", 0))
        if self.fail_at_start is not None and start >= self.fail_at_start:
            return (
                500,
                {"Content-Type": "application/json"},
                b'{"success": false, "error": {"message": "boom"}}',
            )
        match = _RANGE.search(q.get("fq", ""))
        since = match.group(1).rstrip("Z") if match else ""
        ordered = q.get("sort", "").startswith("metadata_modified asc")
        packages = self._listings.get((since, ordered)) if self._listings is not None else None
        if packages is None:
            packages = self.packages
            if since:
                packages = [p for p in packages if p.get("metadata_modified", "") >= since]
            if ordered:
                packages = sorted(packages, key=lambda p: (p.get("metadata_modified", ""), p.get("id", "")))
            if self._listings is not None:
                self._listings[since, ordered] = packages
        page = packages[start : start + rows]
        if q.get("fl") == "id":
            page = [{"id": p["id"]} for p in page]
        return self._ok({"count": len(packages), "results": page, "sort": q.get("sort")})

    def package_show(self, request: Request) -> Response:
        wanted = request.query.get("id", [""])[0]
        for p in self.packages:
            if wanted in (p.get("id"), p.get("name")):
                return self._ok(p)
        return (
            404,
            {"Content-Type": "application/json"},
            b'{"success": false, "error": {"__type": "Not Found Error"}}',
        )

    def mount(self, server: LoopbackServer, prefix: str = "") -> None:
        server.route(f"{prefix}/api/3/action/package_search", self.package_search)
        server.route(f"{prefix}/api/action/package_search", self.package_search)
        server.route(f"{prefix}/api/3/action/package_show", self.package_show)
        server.route(f"{prefix}/api/action/package_show", self.package_show)


class SparqlEndpoint:
    """A minimal SPARQL 1.1 Protocol endpoint (GET) over an in-memory Oxigraph store, like a partner's."""

    def __init__(self, turtle: bytes) -> None:
        import pyoxigraph as ox

        self.store = ox.Store()
        self.store.load(turtle, format=ox.RdfFormat.TURTLE)
        self.queries: list[str] = []

    def handle(self, request: Request) -> Response:
        import pyoxigraph as ox

        query = request.query.get("query", [""])[0]
        self.queries.append(query)
        try:
            result = self.store.query(query)
        except SyntaxError as exc:
            return 400, {"Content-Type": "text/plain"}, str(exc).encode()
        if isinstance(result, ox.QuerySolutions):
            body = result.serialize(format=ox.QueryResultsFormat.JSON)
            return 200, {"Content-Type": "application/sparql-results+json"}, body
        body = ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
        return 200, {"Content-Type": "application/n-triples"}, body

    def mount(self, server: LoopbackServer, path: str = "/sparql") -> None:
        server.route(path, self.handle)
