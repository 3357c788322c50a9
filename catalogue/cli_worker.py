"""`fedcat worker`: the long-running process that harvests each source on its schedule."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

import typer
from rich.logging import RichHandler

from catalogue.cli import HomeOption, app, err, fail, settings_for
from catalogue.errors import FedcatError


def configure_logging(fmt: Literal["text", "json"], level: str) -> None:
    """Log lines on stderr: Rich for a terminal, JSON lines (as `fedcat serve` writes them) for a log shipper."""
    from catalogue.observability.logs import JsonFormatter

    handler: logging.Handler
    if fmt == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())  # the fields passed with `extra=` become JSON keys
    else:
        handler = RichHandler(console=err, show_path=False, markup=False, rich_tracebacks=False)
    root = logging.getLogger()  # the sandbox sweep and libraries log too
    root.handlers = [handler]
    root.setLevel(level.upper())


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run the harvests due now (no retries), then exit.")] = False,
    until_idle: Annotated[
        bool,
        typer.Option("--until-idle", help="Exit when nothing runs, waits for a retry or is due (retries included)."),
    ] = False,
    log_format: Annotated[
        str | None,
        typer.Option(
            "--log-format",
            help="text (Rich) or json (one object a line); default: `observability.log_format` in fedcat.toml.",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug log lines too.")] = False,
    home: HomeOption = None,
) -> None:
    """Harvest each source on its `schedule` (cron) from fedcat.toml until SIGTERM / Ctrl-C; runs next to
    `fedcat serve`. Each harvest runs in its own process, killed after `worker.run_timeout_seconds`; failed
    runs are retried with exponential backoff. Also revokes expired sandbox access once per poll."""
    from catalogue.errors import ConfigError
    from catalogue.worker import Worker

    try:
        if log_format not in (None, "text", "json"):
            raise ConfigError(f"--log-format is text or json, not {log_format!r}")
        settings = settings_for(home)
        fmt = log_format or settings.observability.log_format
        configure_logging("json" if fmt == "json" else "text", "debug" if verbose else settings.observability.log_level)
        if not any(s.schedule for s in settings.sources) and (once or until_idle):
            err.print('no source has a schedule: add `schedule = "0 3 * * *"` to a [[sources]] entry')
        runner = Worker(settings)
    except FedcatError as exc:
        fail(exc)
    runner.install_signal_handlers()
    raise typer.Exit(runner.run(once=once, until_idle=until_idle))
