"""The workflow database: one engine and session factory per node, from `access.database_url`.

SQLite is the embedded default (`<home>/fedcat.db`, WAL, foreign keys on, and every transaction begins
IMMEDIATE so that two writers queue for the lock instead of failing half-way); PostgreSQL is used through
psycopg 3. Schema changes only ever happen through the Alembic migrations, run by `upgrade()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from catalogue.errors import ConfigError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalise_url(url: str) -> str:
    """`postgresql://` and `postgres://` URLs mean psycopg 3 here (SQLAlchemy would pick psycopg2)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str) -> Engine:
    """An engine for `url` with the settings fedcat relies on."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _sqlite_setup(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    raise ConfigError(f"access.database_url: unsupported database {parsed.get_backend_name()!r} (sqlite, postgresql)")


def _sqlite_setup(engine: Engine) -> None:
    # pysqlite's own transaction handling begins lazily and as DEFERRED, so two processes that both read
    # before writing deadlock on the upgrade to a write lock; take transaction control and begin IMMEDIATE.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # `Database.read()`: a lone read, which WAL serves without waiting for any writer
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """The engine and sessions of one node's workflow database."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed when the block ends, rolled back when it raises."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads that must never queue behind a writer (no transaction, no write lock)."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            yield connection

    def upgrade(self, revision: str = "head") -> None:
        """Run the migrations up to `revision`."""
        from alembic import command

        self._migrate(lambda config: command.upgrade(config, revision))

    def downgrade(self, revision: str) -> None:
        """Run the migrations down to `revision` (for tests of the migrations themselves)."""
        from alembic import command

        self._migrate(lambda config: command.downgrade(config, revision))

    def _migrate(self, run: Callable[[Any], None]) -> None:
        with self.engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            sqlite = self.dialect == "sqlite"
            if sqlite and raw is not None:
                # SQLite alters tables by copying them; with foreign keys enforced, dropping the old copy of a
                # referenced table fails. Switch enforcement off (only possible outside a transaction), then
                # check every reference before committing.
                raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    run(alembic_config(self.url, connection))
                    if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                        raise ConfigError("the migration left dangling references; nothing was changed")
            finally:
                if sqlite and raw is not None:
                    raw.execute("PRAGMA foreign_keys=ON")

    def current(self) -> str | None:
        """The revision the schema is at, or None for an empty database."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def alembic_config(url: str, connection: Any = None) -> Any:
    """The alembic.ini equivalent, built in code so the package needs no ini file next to it."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config
