"""Secure processing: per-project DuckDB views over approved data, hardened query workers, output checks.

How an approval becomes queryable, and how it stops being so:

* `materialise(entitlement)` writes, under `<home>/sandbox/projects/<project>/`, the project's own DuckDB
  database with one view per approved dataset, named after the dataset (never a file path). A view reads the
  hosted Parquet (or CSV) files and exposes only the approved columns, only the rows the steward's filter keeps,
  and the keyed pseudonym instead of each direct identifier the approval lists (`access.pseudonyms`). The
  views are built by a "definer" connection that may read only those files; the project's query worker then
  opens the database read-only (`access.sandbox_worker`).
* `query()` passes the SQL through the gate (`access.sandbox_sql`: one SELECT over the project's views and
  allow-listed functions, checked on DuckDB's own syntax tree), adds the output checks when an aggregate-only
  dataset is read (`access.outputs`), runs it in the project's worker with a wall-clock timeout, converts the
  result (JSON, CSV, Parquet or Arrow) and reports the query to the audit hook, whatever its outcome.
* `revoke()` marks the project revoked first (so no answer leaves after that point), interrupts its running
  query on the same connection, kills the worker, and deletes the project database. An entitlement past its
  `expires_at` (by the injected clock) is treated the same way on its next use, even if nobody revoked it.

Project A's worker opens only A's database and may read only A's approved files, so B's views can be neither
seen, named nor listed from A: the gate answers "unknown view" for B's names exactly as for names nobody uses.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.ipc as paipc

from access.outputs import RowLevelRefused, apply_checks, plan_aggregate
from access.pseudonyms import MACRO_NAME, macro_sql, project_key, valid_project_id
from access.sandbox_errors import (
    AuditUnavailable,
    EntitlementInvalid,
    MemoryLimit,
    QueryFailed,
    QueryTimeout,
    SandboxBusy,
    SandboxNotFound,
    SandboxRevoked,
    SandboxUnavailable,
)
from access.sandbox_model import (
    FORMATS,
    ApprovedDataset,
    ColumnInfo,
    Entitlement,
    Format,
    QueryResult,
    ViewInfo,
)
from access.sandbox_results import query_result
from access.sandbox_sql import (
    ForbiddenSql,
    InvalidSql,
    SeveralStatements,
    SqlGate,
    SqlTooLarge,
    UnknownView,
    canonical,
    quote_identifier,
    quote_literal,
    valid_view_name,
)
from access.sandbox_worker import WorkerGone, WorkerHandle
from access.settings import SandboxLimits
from catalogue.errors import FedcatError, UnsupportedFormat

__all__ = [
    "ApprovedDataset",
    "AuditUnavailable",
    "ColumnInfo",
    "Entitlement",
    "EntitlementInvalid",
    "ForbiddenSql",
    "InvalidSql",
    "MemoryLimit",
    "QueryFailed",
    "QueryResult",
    "QueryTimeout",
    "RowLevelRefused",
    "Sandbox",
    "SandboxBusy",
    "SandboxLimits",
    "SandboxNotFound",
    "SandboxRevoked",
    "SandboxUnavailable",
    "SeveralStatements",
    "SqlTooLarge",
    "UnknownView",
    "ViewInfo",
    "utc_now",
]

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


# -- the engine ------------------------------------------------------------------------------------------------


@dataclass
class _Project:
    """What the sandbox knows about one project: its state on disk and its worker."""

    project_id: str
    directory: Path
    expires_at: datetime
    views: dict[str, ViewInfo]
    allowed_paths: list[str]
    database_name: str = "views.duckdb"
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    superseded: bool = False  # a newer approval of the same project replaced this one
    lock: threading.Lock = field(default_factory=threading.Lock)  # one query at a time per worker
    worker: WorkerHandle | None = None
    last_used: float = 0.0

    @property
    def database(self) -> Path:
        return self.directory / self.database_name

    def to_state(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "expires_at": self.expires_at.isoformat(),
            "database": self.database_name,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revoked_reason": self.revoked_reason,
            "allowed_paths": self.allowed_paths,
            "views": [v.to_dict() for v in self.views.values()],
        }

    @classmethod
    def from_state(cls, directory: Path, state: dict[str, Any]) -> _Project:
        views = {
            v["name"]: ViewInfo(
                name=v["name"],
                dataset_id=v["dataset_id"],
                access_mode=v["access_mode"],
                columns=tuple(ColumnInfo(c["name"], c["type"], bool(c.get("pseudonymised"))) for c in v["columns"]),
            )
            for v in state["views"]
        }
        revoked = state.get("revoked_at")
        return cls(
            project_id=state["project_id"],
            directory=directory,
            expires_at=datetime.fromisoformat(state["expires_at"]),
            views=views,
            allowed_paths=list(state["allowed_paths"]),
            database_name=state["database"],
            revoked_at=datetime.fromisoformat(revoked) if revoked else None,
            revoked_reason=state.get("revoked_reason"),
        )


class Sandbox:
    """The per-project DuckDB sandboxes of one node (thread-safe; one instance per service process)."""

    def __init__(
        self,
        home: Path,
        limits: SandboxLimits | None = None,
        clock: Callable[[], datetime] = utc_now,
        audit: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.home = Path(home)
        self.limits = limits or SandboxLimits()
        self.clock = clock
        self.audit = audit
        self.gate = SqlGate(max_sql_bytes=self.limits.max_sql_bytes)
        self._lock = threading.RLock()
        self._projects: dict[str, _Project] = {}
        self._warned = False
        self._closed = False
        self._spare: WorkerHandle | None = None
        self._warm()  # the first approval should not wait for a Python interpreter to start

    @property
    def root(self) -> Path:
        """Where the project databases live."""
        return self.home / "sandbox" / "projects"

    def close(self) -> None:
        """Stop every worker process."""
        with self._lock:
            self._closed = True
            projects = list(self._projects.values())
            spare, self._spare = self._spare, None
        if spare is not None:
            spare.close(0)
        for project in projects:
            self._stop_worker(project)
        self.gate.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- materialise -------------------------------------------------------------------------------------------

    def materialise(self, entitlement: Entitlement) -> None:
        """(Re)build the project's database and views from an active entitlement; its worker starts at once."""
        project_id = entitlement.project_id
        if not valid_project_id(project_id):
            raise EntitlementInvalid(f"invalid project id {project_id!r} (letters, digits, '-' and '_')")
        expires_at = _utc(entitlement.expires_at)
        if expires_at <= self._now():
            raise EntitlementInvalid("the entitlement has already expired")
        datasets = self._validated(entitlement.datasets)
        key = project_key(self.home, project_id)
        directory = self.root / project_id
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Every build gets a database file of its own: cleaning up after an old build or a revocation can then
        # never remove the file a newer approval uses.
        database = directory / f"views.{uuid.uuid4().hex}.duckdb"
        try:
            views, allowed = self._build(database, datasets, key)
        except BaseException:
            _remove_database(database)
            raise
        project = _Project(project_id, directory, expires_at, views, allowed, database.name)
        with project.lock:  # nobody queries the new views before their worker is set up
            with self._lock:
                old = self._projects.get(project_id)
                self._projects[project_id] = project
            if old is not None:
                # A rebuild replaces the views and the files the worker may read: the old worker has to go.
                old.superseded = True
                self._retire(old)
            _write_json(directory / "state.json", project.to_state())
            for stale in directory.glob("views.*.duckdb"):
                if stale.name != database.name:
                    _remove_database(stale)
            self._worker(project)  # starts now, so the first query does not wait for a process

    def _validated(self, datasets: Sequence[ApprovedDataset]) -> list[tuple[ApprovedDataset, list[str]]]:
        if not datasets:
            raise EntitlementInvalid("an entitlement needs at least one dataset")
        data_root = (self.home / "data").resolve()
        seen: set[str] = set()
        checked = []
        for ds in datasets:
            if not valid_view_name(ds.view_name):
                raise EntitlementInvalid(
                    f"invalid view name {ds.view_name!r}: lower-case letters, digits and '_', starting with a "
                    "letter, not starting with duckdb_, pg_, sqlite_, pragma_, information_schema or fedcat_"
                )
            if ds.view_name in seen:
                raise EntitlementInvalid(f"two datasets would both be the view {ds.view_name!r}")
            seen.add(ds.view_name)
            if ds.access_mode not in ("row-level", "aggregate-only"):
                raise EntitlementInvalid(f"unknown access mode {ds.access_mode!r}")
            checked.append((ds, self._files(ds, data_root)))
        return checked

    def _files(self, ds: ApprovedDataset, data_root: Path) -> list[str]:
        """The dataset's files as real paths inside `<home>/data`: no traversal, no symlink out, no directory."""
        if not ds.files:
            raise EntitlementInvalid(f"dataset {ds.dataset_id!r} has no files")
        resolved = []
        for given in ds.files:
            path = Path(given) if Path(given).is_absolute() else self.home / given
            try:
                real = path.resolve(strict=True)
            except (OSError, RuntimeError):  # missing, unreadable, or a symlink loop
                raise EntitlementInvalid(f"the file {str(given)!r} of {ds.dataset_id!r} does not exist") from None
            if not real.is_relative_to(data_root) or not real.is_file():
                raise EntitlementInvalid(
                    f"the file {str(given)!r} of {ds.dataset_id!r} is not a hosted data file under {data_root}"
                )
            if real.suffix.lower() not in (".parquet", ".csv"):
                raise EntitlementInvalid(f"the file {str(given)!r} is neither Parquet nor CSV")
            resolved.append(str(real))
        # A dataset hosted as Parquet and CSV has two distributions of one table: the views read the Parquet.
        parquet = [p for p in resolved if p.lower().endswith(".parquet")]
        return sorted(set(parquet or resolved))

    def _build(
        self, database: Path, datasets: list[tuple[ApprovedDataset, list[str]]], key: bytes
    ) -> tuple[dict[str, ViewInfo], list[str]]:
        """The definer: create the views in `database` with a connection that may read only their files."""
        allowed = sorted({f for _, files in datasets for f in files})
        con = duckdb.connect(
            str(database),
            config={
                "autoload_known_extensions": False,
                "autoinstall_known_extensions": False,
                "allow_community_extensions": False,
                "python_enable_replacements": False,
                "threads": self.limits.threads,
            },
        )
        try:
            con.execute("SET allowed_paths = ?", [allowed])
            con.execute("SET enable_external_access = false")
            con.execute(macro_sql(key))  # views bind against it; the worker defines it again from the key file
            con.execute("SET lock_configuration = true")
            views = {}
            for ds, files in datasets:
                sql = self._view_sql(con, ds, files)
                con.execute(f"CREATE VIEW {quote_identifier(ds.view_name)} AS {sql}")
                described = con.execute(f"DESCRIBE {quote_identifier(ds.view_name)}").fetchall()
                columns = tuple(ColumnInfo(str(r[0]), str(r[1]), str(r[0]) in ds.pseudonymise) for r in described)
                views[ds.view_name] = ViewInfo(ds.view_name, ds.dataset_id, columns, ds.access_mode)
            con.execute("CHECKPOINT")
        except duckdb.Error as exc:
            raise EntitlementInvalid(f"the views could not be built: {exc}") from exc
        finally:
            con.close()
        return views, allowed

    def _view_sql(self, con: duckdb.DuckDBPyConnection, ds: ApprovedDataset, files: list[str]) -> str:
        paths = "[" + ", ".join(quote_literal(f) for f in files) + "]"
        source = (
            f"read_parquet({paths})" if files[0].lower().endswith(".parquet") else f"read_csv({paths}, header = true)"
        )
        available = [str(row[0]) for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        exposed = list(ds.columns) or available
        missing = [c for c in [*exposed, *ds.pseudonymise] if c not in available]
        if missing:
            raise EntitlementInvalid(f"{ds.dataset_id!r} has no column(s) {', '.join(map(repr, missing))}")
        if len(set(exposed)) != len(exposed):
            raise EntitlementInvalid(f"{ds.dataset_id!r} lists a column twice")
        stray = [c for c in ds.pseudonymise if c not in exposed]
        if stray:
            raise EntitlementInvalid(f"pseudonymised column(s) {', '.join(map(repr, stray))} are not approved columns")
        items = [
            f"{MACRO_NAME}({quote_identifier(c)}) AS {quote_identifier(c)}"
            if c in ds.pseudonymise
            else quote_identifier(c)
            for c in exposed
        ]
        sql = f"SELECT {', '.join(items)} FROM {source}"
        if ds.row_filter:
            try:
                condition, tree = self.gate.filter_sql(ds.row_filter, available)
            except FedcatError as exc:
                raise EntitlementInvalid(f"the row filter of {ds.dataset_id!r} is refused: {exc.message}") from exc
            sql += f" WHERE {condition}"
            # The filter must mean in the view exactly what was validated on its own.
            if canonical(self.gate.parse(sql).get("where_clause")) != canonical(tree):
                raise EntitlementInvalid(f"the row filter of {ds.dataset_id!r} changes meaning inside the view")
        return sql

    # -- revoke ------------------------------------------------------------------------------------------------

    def revoke(self, project_id: str, *, reason: str = "revoked") -> None:
        """Remove access now: no answer leaves after this call starts; the running query is interrupted."""
        project = self._load(project_id)
        if project is None:
            return
        with self._lock:
            if project.revoked_at is None:
                project.revoked_at = self._now()
                project.revoked_reason = reason
            _write_json(project.directory / "state.json", project.to_state())
        self._retire(project)
        _remove_database(project.database)

    def sweep(self) -> list[str]:
        """Revoke every project whose entitlement has expired; the ids revoked (for a periodic job)."""
        expired = []
        if self.root.is_dir():
            for directory in sorted(self.root.iterdir()):
                project = self._load(directory.name)
                if project and project.revoked_at is None and project.expires_at <= self._now():
                    self.revoke(project.project_id, reason="expired")
                    expired.append(project.project_id)
        return expired

    def _retire(self, project: _Project) -> None:
        """Interrupt the running query, wait a little for it to come back, stop the worker."""
        worker = project.worker
        if worker is not None:
            worker.interrupt()
        got = project.lock.acquire(timeout=self.limits.grace_seconds)
        try:
            if worker is not None:
                worker.kill()  # the querying thread, if any, sees the pipe close and reports the revocation
            if got:
                self._drop_worker(project)
        finally:
            if got:
                project.lock.release()

    # -- read --------------------------------------------------------------------------------------------------

    def views(self, project_id: str) -> list[ViewInfo]:
        """The project's views with their columns and access modes."""
        project = self._active(project_id)
        return list(project.views.values())

    def query(self, project_id: str, sql: str, *, actor: str, fmt: Format = "json") -> QueryResult:
        """Run one SELECT over the project's views; audited once, whatever the outcome."""
        started = time.monotonic()
        record: dict[str, Any] = {
            "event": "sandbox.query",
            "at": self._now().isoformat(),
            "actor": actor,
            "project_id": project_id,
            "sql": sql,
            "format": fmt,
            "datasets": [],
            "rows": 0,
            "truncated": False,
            "suppressed_cells": 0,
            "outcome": "ok",
        }
        try:
            result = self._query(project_id, sql, fmt, record)
        except FedcatError as exc:
            record.update(outcome=exc.type, detail=exc.message, seconds=round(time.monotonic() - started, 4))
            self._audit(record, exc)
            raise
        except Exception as exc:
            record.update(outcome="internal-error", detail=repr(exc), seconds=round(time.monotonic() - started, 4))
            self._audit(record, exc)
            raise
        record.update(
            rows=result.row_count,
            truncated=result.truncated,
            suppressed_cells=len(result.suppressed),
            seconds=round(time.monotonic() - started, 4),
        )
        self._audit(record, None)
        return result

    def _query(self, project_id: str, sql: str, fmt: str, record: dict[str, Any]) -> QueryResult:
        if fmt not in FORMATS:
            raise UnsupportedFormat(f"unknown result format {fmt!r}; use one of {', '.join(FORMATS)}")
        project = self._active(project_id)
        checked = self.gate.check(sql, project.views)
        datasets = tuple(project.views[v].dataset_id for v in checked.views)
        record["datasets"] = list(datasets)
        plan = None
        if any(project.views[v].access_mode == "aggregate-only" for v in checked.views):
            plan = plan_aggregate(self.gate, checked.node, self.limits.rules)
            # Defence in depth: the rewritten query goes through the same walk as the user's.
            self.gate.check_tree(self.gate.parse(plan.sql), project.views)
        header, body = self._run(project, plan.sql if plan else sql)
        table = paipc.open_stream(body).read_all()
        columns = [{"name": name, "type": kind} for name, kind in header["columns"]]
        suppressed: list[dict[str, Any]] = []
        if plan is not None:
            table, suppressed = apply_checks(table, plan, self.limits.rules)
            columns = columns[: plan.visible]
        return query_result(table, columns, bool(header["truncated"]), suppressed, datasets, fmt)

    def _run(self, project: _Project, sql: str) -> tuple[dict[str, Any], bytes]:
        limits = self.limits
        remaining = (project.expires_at - self._now()).total_seconds()
        timeout = max(0.001, min(limits.timeout_seconds, remaining))
        if not project.lock.acquire(timeout=limits.timeout_seconds):
            raise SandboxBusy("the project's previous query is still running; retry shortly")
        try:
            self._require_active(project)  # it may have been revoked while this query waited
            worker = self._ready_worker(project)
            try:
                header, body = worker.call(
                    sql,
                    max_rows=limits.max_rows,
                    max_bytes=limits.max_result_bytes,
                    timeout=timeout,
                    grace=limits.grace_seconds,
                )
            except WorkerGone as exc:
                self._drop_worker(project)
                self._require_active(project)
                if exc.hung:
                    raise QueryTimeout(
                        f"the query did not stop within {timeout + limits.grace_seconds:g} s and its worker was "
                        "stopped; narrow the query down and try again"
                    ) from exc
                raise SandboxUnavailable(f"the project's query worker stopped: {exc}") from exc
            finally:
                project.last_used = time.monotonic()
            if header.get("exiting") or not worker.alive():  # it gave up on a query deaf to the interrupt
                self._drop_worker(project)  # the next query gets a fresh worker
            self._require_active(project)  # an answer that arrives after a revocation is not released
            if not header.get("ok"):
                raise self._failure(header, timeout, capped_by_expiry=remaining < limits.timeout_seconds)
            return header, body
        except SandboxRevoked:
            self._drop_worker(project)
            _remove_database(project.database)
            raise
        finally:
            project.lock.release()

    def _ready_worker(self, project: _Project) -> WorkerHandle:
        """The project's worker once it has started (the caller holds `project.lock`)."""
        worker = self._worker(project)
        try:
            ready = worker.wait_ready(self.limits.startup_seconds)
        except WorkerGone as exc:
            self._drop_worker(project)
            raise SandboxUnavailable(str(exc)) from exc
        if not ready.get("confined") and not self._warned:
            self._warned = True
            log.warning("seccomp is unavailable: sandbox workers rely on the SQL gate and DuckDB's settings alone")
        return worker

    def _failure(self, header: dict[str, Any], timeout: float, *, capped_by_expiry: bool) -> FedcatError:
        kind, message = header.get("kind"), str(header.get("message", ""))
        if kind == "interrupted":
            return SandboxRevoked("the project's access was revoked while the query ran")
        if kind == "timeout":
            if capped_by_expiry:
                return SandboxRevoked("the project's access expired while the query ran", reason="expired")
            return QueryTimeout(
                f"the query ran longer than {timeout:g} s and was interrupted; narrow it down (filters, LIMIT, "
                "fewer joins) and try again"
            )
        if kind == "memory":
            return MemoryLimit(
                f"the query needs more than the sandbox's {self.limits.memory_limit} of memory and was stopped; "
                "aggregate before joining, filter earlier or select fewer columns"
            )
        if kind == "failed":
            return QueryFailed(message)
        return SandboxUnavailable(f"the query could not be run: {message}")

    # -- workers -----------------------------------------------------------------------------------------------

    def _worker(self, project: _Project) -> WorkerHandle:
        """The project's live worker (the caller holds `project.lock`), started if needed."""
        if project.worker is not None and project.worker.alive():
            return project.worker
        self._drop_worker(project)
        self._make_room(project)
        with self._lock:
            spare, self._spare = self._spare, None
        spec = self._spec(project)
        worker = None
        if spare is not None:
            try:
                spare.assign(spec)
                worker = spare
            except OSError:  # the spare died while it waited: start one as if there were none
                spare.close(0)
        if worker is None:
            try:
                worker = WorkerHandle(spec)
                worker.start()
            except OSError as exc:
                raise SandboxUnavailable(f"the project's query worker could not start: {exc}") from exc
        project.worker = worker
        project.last_used = time.monotonic()
        self._warm()
        return worker

    def _warm(self) -> None:
        """Keep one started, unassigned worker process ready for the next project."""
        if not self.limits.warm_spare:
            return
        with self._lock:
            if self._spare is None and not self._closed:
                spare = WorkerHandle()
                with contextlib.suppress(OSError):
                    spare.start()
                    self._spare = spare

    def worker_pid(self, project_id: str) -> int | None:
        """The process id of the project's live worker, if it has one (for monitoring and benchmarks)."""
        project = self._load(project_id)
        worker = project.worker if project is not None else None
        return worker.pid if worker is not None and worker.alive() else None

    def worker_spec(self, project_id: str) -> dict[str, Any]:
        """What a project's worker is started with (the abuse tests start one to attack it behind the gate)."""
        return self._spec(self._active(project_id))

    def _spec(self, project: _Project) -> dict[str, Any]:
        return {
            "database": str(project.database),
            "allowed_paths": project.allowed_paths,
            "memory_limit": self.limits.memory_limit,
            "threads": self.limits.threads,
            "key": project_key(self.home, project.project_id).hex(),
            "grace_seconds": self.limits.grace_seconds,
        }

    def _make_room(self, starting: _Project) -> None:
        """Stop least recently used idle workers so at most `max_workers` run."""
        with self._lock:
            live = sorted(
                (p for p in self._projects.values() if p is not starting and p.worker is not None),
                key=lambda p: p.last_used,
            )
            for project in live:
                if len(live) < self.limits.max_workers:
                    return
                if project.lock.acquire(blocking=False):  # never stop a worker that is answering
                    try:
                        self._drop_worker(project)
                        live = [p for p in live if p is not project]
                    finally:
                        project.lock.release()

    def _drop_worker(self, project: _Project) -> None:
        worker, project.worker = project.worker, None
        if worker is not None:
            worker.close(self.limits.grace_seconds)

    def _stop_worker(self, project: _Project) -> None:
        with project.lock:
            self._drop_worker(project)

    # -- state -------------------------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return _utc(self.clock())

    def _load(self, project_id: str) -> _Project | None:
        if not valid_project_id(project_id):
            return None
        with self._lock:
            project = self._projects.get(project_id)
            if project is None:
                state = self.root / project_id / "state.json"
                if not state.is_file():
                    return None
                project = _Project.from_state(state.parent, json.loads(state.read_text()))
                self._projects[project_id] = project
            return project

    def _active(self, project_id: str) -> _Project:
        project = self._load(project_id)
        if project is None:
            raise SandboxNotFound(f"no approved data is set up for project {project_id!r}")
        try:
            self._require_active(project)
        except SandboxRevoked:
            if project.worker is not None or project.database.exists():
                self._retire(project)  # an expiry nobody revoked: clean up now
                _remove_database(project.database)
            raise
        return project

    def _require_active(self, project: _Project) -> None:
        """`SandboxRevoked` once revoked or past `expires_at`; expiry needs nobody to call `revoke`."""
        if project.superseded:
            raise SandboxUnavailable("the project's views were rebuilt while the query waited; run it again")
        if project.revoked_at is None and project.expires_at <= self._now():
            with self._lock:
                if project.revoked_at is None:
                    project.revoked_at, project.revoked_reason = project.expires_at, "expired"
                    _write_json(project.directory / "state.json", project.to_state())
        if project.revoked_at is not None:
            reason = project.revoked_reason or "revoked"
            raise SandboxRevoked(
                f"the project's access was {reason} at {project.revoked_at.isoformat()}", reason=reason
            )

    def _audit(self, record: dict[str, Any], error: BaseException | None) -> None:
        if self.audit is None:
            return
        try:
            self.audit(record)
        except Exception as exc:
            raise AuditUnavailable("the query could not be recorded in the audit log, so its result is withheld") from (
                error or exc
            )


# -- files -----------------------------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _write_json(path: Path, document: dict[str, Any]) -> None:
    scratch = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    scratch.write_text(json.dumps(document, indent=1))
    os.replace(scratch, path)


def _remove_database(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()
