"""The request middleware: a request id per request, one JSON log line, and the request metrics.

* The id is the caller's `X-Request-ID` when short and safe (see `logs.SAFE_REQUEST_ID`), else a new random
  one; it is returned in the `X-Request-ID` response header, set for every log line of the request, and
  added as `request_id` to error bodies in fedcat's JSON shape (`application/problem+json`).
* Error bodies are read here, whatever produced them (the app's handlers, the SPARQL router's own, the
  bearer-token errors), to count them by their `type`: timeouts, refusals and rate limits all have one.
* Latency is recorded per route template (`/datasets/{dataset_id}`, never the raw path); `/healthz` and
  `/metrics` are logged at DEBUG, so polling them does not flood the log.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalogue.observability.logs import REQUEST_ID_HEADER, REQUEST_LOGGER, accept_request_id, request_id
from catalogue.observability.metrics import UNMATCHED, Metrics

log = logging.getLogger(REQUEST_LOGGER)
PROBLEM = "application/problem+json"
MAX_PROBLEM_BYTES = 64 * 1024  # error bodies are small; a bigger one passes through as it is
QUIET_PATHS = frozenset({"/healthz", "/metrics"})


def route_of(scope: Scope) -> str:
    """The route template the router matched (set on the scope by FastAPI), else one shared label."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class RequestObserver:
    """ASGI middleware: request id, request log line, latency and error metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = accept_request_id(Headers(scope=scope).get(REQUEST_ID_HEADER))
        token = request_id.set(rid)
        started = time.perf_counter()
        outcome: dict[str, Any] = {"status": 500, "type": None}
        held: list[Message] = []  # a problem response's start and body chunks, until its body is complete
        held_bytes = 0

        async def observe_send(message: Message) -> None:
            nonlocal held_bytes
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = rid
                if headers.get("content-type", "").startswith(PROBLEM):
                    held.append(message)
                    return
            elif message["type"] == "http.response.body" and held:
                held.append(message)
                held_bytes += len(message.get("body", b""))
                if message.get("more_body", False) and held_bytes <= MAX_PROBLEM_BYTES:
                    return
                for out in self._problem(held, rid, outcome):
                    await send(out)
                held.clear()
                return
            await send(message)

        try:
            await self.app(scope, receive, observe_send)
        except Exception:
            outcome.update(status=500, type="internal-error")
            self._finish(scope, rid, outcome, started, logging.ERROR, exc_info=True)
            raise
        else:
            level = logging.DEBUG if scope.get("path") in QUIET_PATHS else logging.INFO
            self._finish(scope, rid, outcome, started, logging.WARNING if outcome["status"] >= 500 else level)
        finally:
            request_id.reset(token)

    def _problem(self, held: list[Message], rid: str, outcome: dict[str, Any]) -> list[Message]:
        """The held problem response, counted by type and carrying the request id when it is complete."""
        start, chunks = held[0], held[1:]
        if chunks[-1].get("more_body", False):  # too big to hold: pass it on untouched
            return [start, *chunks]
        body = b"".join(c.get("body", b"") for c in chunks)
        try:
            problem = json.loads(body)
        except ValueError:
            problem = None
        if not isinstance(problem, dict):
            return [start, *chunks]
        outcome["type"] = str(problem.get("type") or "unknown")
        if "request_id" not in problem:
            problem["request_id"] = rid
            body = json.dumps(problem, ensure_ascii=False, separators=(",", ":")).encode()
            MutableHeaders(scope=start)["content-length"] = str(len(body))
        return [start, {"type": "http.response.body", "body": body, "more_body": False}]

    def _finish(
        self, scope: Scope, rid: str, outcome: dict[str, Any], started: float, level: int, exc_info: bool = False
    ) -> None:
        seconds = time.perf_counter() - started
        status, method = int(outcome["status"]), str(scope.get("method", ""))
        self.metrics.observe(route_of(scope), method, status, seconds)
        if outcome["type"]:
            self.metrics.error(outcome["type"], status)
        client = scope.get("client")
        fields = {
            "request_id": rid,
            "method": method,
            "path": scope.get("path", ""),
            "route": route_of(scope),
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "client": client[0] if client else None,
        }
        if outcome["type"]:
            fields["error_type"] = outcome["type"]
        log.log(level, "%s %s %s", method, fields["path"], status, extra=fields, exc_info=exc_info)
