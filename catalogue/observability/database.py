"""The workflow database as the health check and the metrics see it: read-only, fresh connections, bounded.

The access runtime's own engine migrates the schema when first opened (importing Alembic alone takes a
second or two), which a health probe must not wait for; so the probes use an engine of their own, without a
pool (a connection per probe: nothing to go stale behind a dead route) and with a connect timeout. A SQLite
file that does not exist yet is reported as such, not created.
"""

from __future__ import annotations

import math
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from access.db import normalise_url
from catalogue.config import Settings


class ObservedDatabase:
    """A probe's view of `access.database_url`."""

    def __init__(self, settings: Settings, timeout: float) -> None:
        self.url = normalise_url(settings.access.database(settings.home))
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        self.file: Path | None = None
        if self.dialect == "sqlite":
            self.file = Path(parsed.database) if parsed.database and parsed.database != ":memory:" else None
            args: dict[str, object] = {"timeout": timeout}
        else:
            args = {"connect_timeout": max(1, math.ceil(timeout))}
        self.engine: Engine = sa.create_engine(self.url, poolclass=NullPool, connect_args=args)

    def exists(self) -> bool:
        """False for a SQLite file not created yet (the first access request creates it); else True."""
        return self.file is None or self.file.exists()

    def revision(self, connection: sa.Connection) -> str | None:
        """The schema's Alembic revision, None before the first migration."""
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
