"""`fedcat serve`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from catalogue.cli import HomeOption, app, fail, settings_for
from catalogue.errors import FedcatError


class LogFormat(StrEnum):
    """How `fedcat serve` writes its log lines."""

    json = "json"
    text = "text"


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    log_format: Annotated[
        LogFormat | None,
        typer.Option(
            help="json: one JSON object a line (ts, level, request_id, ...); text: for people. "
            "Default: observability.log_format (json)."
        ),
    ] = None,
    home: HomeOption = None,
) -> None:
    """Serve the node over HTTP (API docs at /docs, metrics at /metrics, health at /healthz)."""
    import uvicorn

    from catalogue.api import create_app
    from catalogue.observability.logs import configure_logging

    try:
        settings = settings_for(home)
    except FedcatError as exc:
        fail(exc)
    obs = settings.observability
    configure_logging(log_format.value if log_format else obs.log_format, obs.log_level)
    # uvicorn's own access log is replaced by the request middleware's line (with the request id).
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False, log_level=obs.log_level)
