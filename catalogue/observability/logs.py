"""Structured logs: one JSON object a line through the stdlib `logging`, carrying the request id.

The request id lives in a context variable set by the request middleware, so every line logged while a
request is handled (by fedcat, uvicorn or a library) carries it, also from the threads FastAPI runs sync
routes in (they copy the context).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

REQUEST_LOGGER = "fedcat.request"
REQUEST_ID_HEADER = "X-Request-ID"
# Accepted from callers as is: short, and nothing that could forge a log line or a header.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
request_id: ContextVar[str | None] = ContextVar("fedcat_request_id", default=None)

# The attributes every LogRecord has; anything else was passed with `extra=` and goes into the JSON object.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def accept_request_id(value: str | None) -> str:
    """The caller's `X-Request-ID` when it is short and safe, else a fresh random one."""
    if value and SAFE_REQUEST_ID.match(value):
        return value
    return secrets.token_hex(16)


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "message", "request_id", ...extra}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """A human-readable line, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = getattr(record, "request_id", None) or request_id.get()
        return f"{line} [{rid}]" if rid else line


def configure_logging(fmt: Literal["json", "text"] = "json", level: str = "info") -> logging.Handler:
    """Send every logger's records to stdout in `fmt` at `level` and above; returns the handler installed."""
    handler = logging.StreamHandler(sys.stdout)  # one stream, as container runtimes and log shippers expect
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's loggers keep no handlers of their own (it is run with log_config=None): they reach ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    return handler
