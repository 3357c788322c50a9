"""`fedcat worker`: the long-running process that harvests each source on its schedule."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import typer
from rich.logging import RichHandler

from catalogue.cli import HomeOption, app, err, fail, settings_for
from catalogue.errors import FedcatError

# The attributes every LogRecord has; the rest came in through `extra=` and are the structured fields.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the record's structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and k not in entry})
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(fmt: Literal["text", "json"], verbose: bool) -> None:
    """Worker log lines on stderr: Rich for a terminal, JSON lines for a log shipper (journald, Loki …)."""
    handler: logging.Handler
    if fmt == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonLines())
    else:
        handler = RichHandler(console=err, show_path=False, markup=False, rich_tracebacks=False)
    logger = logging.getLogger("fedcat.worker")
    logger.handlers = [handler]
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run the harvests due now (no retries), then exit.")] = False,
    until_idle: Annotated[
        bool,
        typer.Option("--until-idle", help="Exit when nothing runs, waits for a retry or is due (retries included)."),
    ] = False,
    log_format: Annotated[str, typer.Option("--log-format", help="text (Rich) or json (one object a line).")] = "text",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug log lines too.")] = False,
    home: HomeOption = None,
) -> None:
    """Harvest each source on its `schedule` (cron) from fedcat.toml until SIGTERM / Ctrl-C; runs next to
    `fedcat serve`. Each harvest runs in its own process, killed after `[worker] run_timeout_seconds`; failed
    runs are retried with exponential backoff. Also revokes expired sandbox access once per poll."""
    from catalogue.errors import ConfigError
    from catalogue.worker import Worker

    try:
        if log_format not in ("text", "json"):
            raise ConfigError(f"--log-format is text or json, not {log_format!r}")
        settings = settings_for(home)
        configure_logging("json" if log_format == "json" else "text", verbose)
        if not any(s.schedule for s in settings.sources) and (once or until_idle):
            err.print('no source has a schedule: add `schedule = "0 3 * * *"` to a [[sources]] entry')
        runner = Worker(settings)
    except FedcatError as exc:
        fail(exc)
    runner.install_signal_handlers()
    raise typer.Exit(runner.run(once=once, until_idle=until_idle))
