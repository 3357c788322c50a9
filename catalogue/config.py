"""The node's one `Settings` object: `<home>/fedcat.toml` overridden by `FEDCAT_*` environment variables."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from access.settings import AccessSettings

SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class SourceConfig(BaseModel):
    """One harvest source as the operator configured it."""

    name: str
    kind: str
    url: str
    allow_private_network: bool = False
    visibility: Literal["public", "restricted"] = "public"
    schedule: str | None = None
    page_size: int = Field(default=1000, ge=1, le=1000)
    query: str | None = None  # extra filter (CKAN fq) or a custom SPARQL selection

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not SOURCE_NAME.match(value):
            raise ValueError("source names are lower-case letters, digits, '-' and '_' (at most 63)")
        return value

    @model_validator(mode="after")
    def _valid_schedule(self) -> SourceConfig:
        if self.schedule is not None:
            from croniter import croniter  # only when a schedule is configured

            if not croniter.is_valid(self.schedule):
                raise ValueError(
                    f"source {self.name!r}: schedule {self.schedule!r} is not a cron expression "
                    '(five fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * *")'
                )
        return self


class StoreConfig(BaseModel):
    """Which graph store backs the node."""

    backend: Literal["oxigraph", "sparql"] = "oxigraph"
    query_url: str | None = None
    update_url: str | None = None
    graph_store_url: str | None = None
    username: str | None = None
    password: str | None = None
    # A remote server's own stalls (Virtuoso's hourly checkpoint of a big write load) count against these.
    query_timeout_seconds: float = Field(default=120.0, gt=0)
    update_timeout_seconds: float = Field(default=300.0, gt=0)
    # Oxigraph only: the CPU niceness of RocksDB's background merges while this process writes (0: as the
    # process). The merges yield to harvesting and serving (catalogue/store.py, `yield_compaction`).
    compaction_niceness: int = Field(default=19, ge=0, le=19)


class HarvestLimits(BaseModel):
    """Bounds every fetch of untrusted bytes."""

    max_bytes: int = 50 * 1024 * 1024
    deadline_seconds: float = 60.0
    connect_timeout_seconds: float = 10.0
    max_redirects: int = 5
    max_pages: int = 100_000
    batch_size: int = 2000


class SparqlLimits(BaseModel):
    """Bounds on the public SPARQL endpoint, so abusive queries cannot starve the node."""

    timeout_seconds: float = Field(default=10.0, gt=0)  # per query; the worker running it is killed after
    max_rows: int = Field(default=10_000, ge=1)  # solutions (SELECT) or triples (CONSTRUCT/DESCRIBE) per answer
    max_query_bytes: int = Field(default=65_536, ge=1)  # the query text (UTF-8); larger requests get 413
    max_result_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)  # results are cut at a row boundary
    workers: int = Field(default=2, ge=1)  # query processes
    worker_memory_mb: int = Field(default=4096, ge=0)  # address space per query process; 0: unlimited
    queue: int = Field(default=4, ge=0)  # queries waiting for a worker; beyond that, 429


class ObservabilityConfig(BaseModel):
    """Logs, metrics and health checks of the running node."""

    log_format: Literal["json", "text"] = "json"  # one JSON object a line, for log shippers
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # Bearer token for /metrics; unset, /metrics answers loopback clients only (a scraper on the same host).
    metrics_token: str | None = Field(default=None, min_length=16)
    health_timeout_seconds: float = Field(default=2.0, gt=0, le=60)  # per component check of /healthz


class WorkerSettings(BaseModel):
    """How `fedcat worker` runs the scheduled harvests: `[worker]` in `fedcat.toml`."""

    poll_seconds: float = Field(default=30.0, gt=0)  # how often schedules, config and the sandbox sweep are checked
    max_concurrency: int = Field(default=2, ge=1)  # harvests of different sources at once
    run_timeout_seconds: float = Field(default=6 * 3600.0, gt=0)  # a run still going after this is killed
    retries: int = Field(default=3, ge=0)  # after a failed run, before waiting for the next scheduled time
    backoff_base_seconds: float = Field(default=60.0, gt=0)  # first retry delay; doubled for each further one
    backoff_max_seconds: float = Field(default=3600.0, gt=0)
    stop_grace_seconds: float = Field(default=30.0, ge=0)  # on SIGTERM, wait this long for runs before killing
    timezone: str = "UTC"  # the zone cron schedules are read in

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Luxembourg)") from exc
        return value


class NodeConfig(BaseModel):
    """How the node describes itself in its own DCAT-AP catalogue."""

    title: str = "fedcat node"
    description: str = "A federated catalogue of datasets for secure data access."
    publisher_name: str = "fedcat node operator"
    publisher_uri: str | None = None
    language: str = "en"


class Settings(BaseSettings):
    """Everything a node needs to know; built once and passed in, never global."""

    model_config = SettingsConfigDict(env_prefix="FEDCAT_", env_nested_delimiter="__", extra="ignore")

    home: Path = Path(".fedcat")
    base_url: str = "http://127.0.0.1:8000"
    node: NodeConfig = NodeConfig()
    store: StoreConfig = StoreConfig()
    harvest: HarvestLimits = HarvestLimits()
    sparql: SparqlLimits = SparqlLimits()
    access: AccessSettings = AccessSettings()
    worker: WorkerSettings = WorkerSettings()
    observability: ObservabilityConfig = ObservabilityConfig()
    sources: list[SourceConfig] = []

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file lives in the home, which is itself a setting: resolve it first.
        home: Any = None
        if isinstance(init_settings, InitSettingsSource):
            home = init_settings.init_kwargs.get("home")
        home = Path(home) if home is not None else Path(env_settings().get("home") or ".fedcat")
        toml = TomlConfigSettingsSource(settings_cls, toml_file=home / "fedcat.toml")
        return (init_settings, env_settings, toml)

    @property
    def base(self) -> str:
        """The node's base IRI without a trailing slash."""
        return self.base_url.rstrip("/")

    def source(self, name: str) -> SourceConfig:
        """The source called `name`, or `NotFound`."""
        from catalogue.errors import NotFound

        for source in self.sources:
            if source.name == name:
                return source
        raise NotFound(f"no source named {name!r}; `fedcat sources list` shows the configured ones")

    # Paths under the home: one place that knows the layout.
    @property
    def toml_path(self) -> Path:
        return self.home / "fedcat.toml"

    @property
    def store_path(self) -> Path:
        return self.home / "store"

    @property
    def index_path(self) -> Path:
        return self.home / "index"

    @property
    def reports_path(self) -> Path:
        return self.home / "runs"

    @property
    def state_path(self) -> Path:
        return self.home / "state"

    @property
    def data_path(self) -> Path:
        return self.home / "data"


def load_settings(home: Path | str | None = None) -> Settings:
    """Settings for the node at `home` (else `FEDCAT_HOME`, else `./.fedcat`); `ConfigError` when invalid."""
    import tomllib

    from pydantic import ValidationError

    from catalogue.errors import ConfigError

    try:
        return Settings() if home is None else Settings(home=Path(home))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"fedcat.toml is not valid TOML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid configuration: {problems}") from exc
