"""`fedcat serve`."""

from __future__ import annotations

from typing import Annotated

import typer

from catalogue.cli import HomeOption, app, fail, settings_for
from catalogue.errors import FedcatError


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    home: HomeOption = None,
) -> None:
    """Serve the node over HTTP (API docs at /docs)."""
    import uvicorn

    from catalogue.api import create_app

    try:
        settings = settings_for(home)
    except FedcatError as exc:
        fail(exc)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
