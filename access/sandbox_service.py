"""Glue between the access workflow and the sandbox engine (`access.sandbox`).

* `entitlement_for(...)` turns a project's *active* entitlements (approved, not revoked, not past their end
  date, decided by time at every call) into one `sandbox.Entitlement`: per dataset its hosted file and access
  mode (`quality.hosted`, attached with `fedcat data add`), the approved (possibly narrowed) columns, the
  steward's row filter and the approved columns the steward chose to pseudonymise (the view shows the project's
  keyed hash instead, `access.pseudonyms`); the project's access ends at the earliest end date among them (when
  that one ends the set changes, and the views are rebuilt from what is left).
* `SandboxService.ensure(project_id)` materialises lazily: at the first views/query call, and again whenever
  the fingerprint of the project's active entitlements changed, so approval -> first query needs no job. With
  no active entitlement left (revoked, withdrawn or expired by time) it revokes the project's sandbox.
* `sweep()` brings every project that has a sandbox on disk in step with the workflow, so an expired or revoked
  entitlement takes its views away even when nobody queries (the web app runs it periodically, see
  `access.runtime`).
* The engine's audit hook appends one `sandbox.query` event per query to the hash-chained audit log (who,
  project, SQL, datasets touched, rows, outcome), attributed to the publishers of the datasets touched.

One service per app, on `app.state.sandbox_service` (`service_of(app)`), closed with the access runtime.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from access import actors, audit, request_views
from access.models import Entitlement as EntitlementRow
from access.models import ProjectMember, RequestDataset
from access.pseudonyms import valid_project_id
from access.runtime import AccessRuntime
from access.sandbox import (
    ApprovedDataset,
    Entitlement,
    QueryResult,
    Sandbox,
    SandboxLimits,
    SandboxNotFound,
    SandboxRevoked,
    ViewInfo,
)
from access.sandbox_sql import valid_view_name
from catalogue.config import Settings
from quality.hosted import load_hosted

AUDIT_KIND = "sandbox.query"
FINGERPRINT = "entitlements.sha256"  # beside the engine's state.json: what the views were built from
log = logging.getLogger(__name__)


def view_name(hosted_name: str, taken: set[str]) -> str:
    """A lower-case SQL identifier from a hosted file's name, unique among `taken`."""
    stem = hosted_name.rsplit("/", 1)[-1].split(".", 1)[0]
    base = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_")[:56] or "data"
    if not valid_view_name(base):
        base = f"v_{base}"[:56]
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def hosted_columns(settings: Settings, dataset_id: str) -> list[str] | None:
    """The column names of the data the node hosts for `dataset_id`; None when it hosts none."""
    hosted = load_hosted(settings, dataset_id)
    return None if hosted is None else [str(c["name"]) for c in hosted.columns]


def is_member(session: Session, project_id: str, user_id: int) -> bool:
    """True when the user is a member (or the PI) of the project."""
    found = session.execute(
        sa.select(ProjectMember.id).where(ProjectMember.project_id == project_id, ProjectMember.user_id == user_id)
    ).first()
    return found is not None


def _all_rows(session: Session, project_id: str) -> list[EntitlementRow]:
    query = sa.select(EntitlementRow).where(EntitlementRow.project_id == project_id)
    return list(session.execute(query).scalars())


def fingerprint(rows: list[EntitlementRow]) -> str:
    """What the views depend on: the active entitlements' ids, columns, filters, pseudonyms and end dates."""
    parts = sorted([r.id, r.dataset_id, r.columns, r.row_filter, r.pseudonymise, r.ends_at.isoformat()] for r in rows)
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


class SandboxService:
    """One `Sandbox` per app, kept in step with the workflow's entitlements."""

    def __init__(self, runtime: AccessRuntime, limits: SandboxLimits | None = None) -> None:
        self.runtime = runtime
        self.limits = limits or runtime.settings.sandbox  # `[access.sandbox]` in fedcat.toml
        self._sandbox: Sandbox | None = None
        self._fingerprints: dict[str, str] = {}
        self._lock = threading.RLock()

    @property
    def sandbox(self) -> Sandbox:
        if self._sandbox is None:
            with self._lock:
                if self._sandbox is None:
                    self._sandbox = Sandbox(
                        self.runtime.node.home, self.limits, clock=lambda: self.runtime.now(), audit=self._audit
                    )
        return self._sandbox

    def close(self) -> None:
        with self._lock:
            sandbox, self._sandbox = self._sandbox, None
        if sandbox is not None:
            sandbox.close()

    # -- entitlements ------------------------------------------------------------------------------------------

    def entitlement_for(self, rows: list[EntitlementRow], project_id: str) -> Entitlement | None:
        """The sandbox entitlement of the active rows; None when none of their datasets hosts a file."""
        datasets = []
        taken: set[str] = set()
        for row in sorted(rows, key=lambda r: r.dataset_id):
            hosted = load_hosted(self.runtime.node, row.dataset_id)
            if hosted is None:
                continue  # approved metadata-only: nothing to query
            datasets.append(
                ApprovedDataset(
                    dataset_id=row.dataset_id,
                    view_name=view_name(hosted.original_name or hosted.file, taken),
                    files=(hosted.path(self.runtime.node),),
                    columns=tuple(row.columns or ()),
                    row_filter=row.row_filter,
                    pseudonymise=tuple(row.pseudonymise or ()),
                    access_mode="aggregate-only" if hosted.access_mode == "aggregate-only" else "row-level",
                )
            )
        if not datasets:
            return None
        return Entitlement(project_id, tuple(datasets), min(r.ends_at for r in rows))

    def ensure(self, project_id: str) -> None:
        """Bring the project's sandbox in step with its active entitlements (materialise or revoke)."""
        now = self.runtime.now()
        with self.runtime.db.session() as session:
            active = request_views.active_entitlements(session, project_id, now)
            everything = _all_rows(session, project_id) if not active else []
            entitlement = self.entitlement_for(active, project_id) if active else None
            print_ = fingerprint(active)
        with self._lock:
            if not active:
                self._fingerprints.pop(project_id, None)
                if not everything:
                    raise SandboxNotFound(f"project {project_id!r} has no approved access")
                reason = "revoked" if any(r.revoked_at is not None for r in everything) else "expired"
                if (self.sandbox.root / project_id / "state.json").is_file():
                    self.sandbox.revoke(project_id, reason=reason)
                    return  # the engine now answers SandboxRevoked (and audits the attempt)
                raise SandboxRevoked(f"the project's access was {reason}", reason=reason)
            if entitlement is None:
                raise SandboxNotFound(f"none of project {project_id!r}'s approved datasets hosts data on this node")
            if self._built_from(project_id) != print_:
                self.sandbox.materialise(entitlement)
                self._remember(project_id, print_)

    def _built_from(self, project_id: str) -> str | None:
        """The fingerprint the project's current views were built from (this process's, or the one on disk)."""
        if project_id in self._fingerprints:
            return self._fingerprints[project_id]
        directory = self.sandbox_root / project_id
        try:
            state = json.loads((directory / "state.json").read_text())
            stored = (directory / FINGERPRINT).read_text().strip()
        except (OSError, ValueError):
            return None
        # Views another process built stay usable after a restart, unless they were revoked since.
        return None if state.get("revoked_at") else stored

    def _remember(self, project_id: str, print_: str) -> None:
        self._fingerprints[project_id] = print_
        (self.sandbox_root / project_id / FINGERPRINT).write_text(print_)

    @property
    def sandbox_root(self) -> Path:
        """Where the engine keeps the project databases (known without starting the engine)."""
        return Path(self.runtime.node.home) / "sandbox" / "projects"

    def sweep(self) -> list[str]:
        """Bring every materialised project in step with the workflow; the ids whose views changed or went.

        Expired or revoked entitlements lose their views here even when nobody queries: a project with none left
        is revoked (its database deleted, a running query interrupted), one whose set changed is rebuilt. Cheap
        when nothing changed: one indexed query per live project, no worker started.
        """
        root = self.sandbox_root
        if not root.is_dir():
            return []
        changed = []
        for directory in sorted(root.iterdir()):
            try:
                if self.refresh(directory.name):
                    changed.append(directory.name)
            except Exception:  # one project's trouble must not keep the others' expired views alive
                log.exception("sandbox sweep: project %s could not be checked", directory.name)
        return changed

    def refresh(self, project_id: str) -> bool:
        """`sweep()` for one project (after a revocation, say); True when its views changed or went."""
        directory = self.sandbox_root / project_id
        if not valid_project_id(project_id):
            return False
        try:
            state = json.loads((directory / "state.json").read_text())
        except (OSError, ValueError):
            return False  # never materialised here: nothing to take away
        if state.get("revoked_at"):
            return False
        with self.runtime.db.session() as session:
            active = request_views.active_entitlements(session, project_id, self.runtime.now())
        with self._lock:
            if active and self._built_from(project_id) == fingerprint(active):
                return False
        try:
            self.ensure(project_id)
            return True
        except (SandboxRevoked, SandboxNotFound):
            pass  # nothing left to show (no rows, no hosted data): make sure the views are gone
        except Exception:
            # A set that cannot be rebuilt must not keep serving the old views: take them down, and let the next
            # query report why the rebuild fails.
            log.exception("sandbox sweep: project %s could not be rebuilt; its views are removed", project_id)
        with self._lock:
            self._fingerprints.pop(project_id, None)
            self.sandbox.revoke(project_id, reason="revoked" if active else "expired")
        return True

    def views(self, project_id: str) -> list[ViewInfo]:
        self.ensure(project_id)
        return self.sandbox.views(project_id)

    def query(self, project_id: str, sql: str, *, actor: str, fmt: Any = "json") -> QueryResult:
        self.ensure(project_id)
        return self.sandbox.query(project_id, sql, actor=actor, fmt=fmt)

    # -- audit -------------------------------------------------------------------------------------------------

    def _audit(self, record: dict[str, Any]) -> None:
        """The engine's hook: one hash-chained event per query, whatever its outcome."""
        project_id = str(record.get("project_id"))
        touched = set(record.get("datasets") or [])
        with self.runtime.db.session() as session:
            publishers: list[str] = []
            if touched:
                items = session.execute(
                    sa.select(RequestDataset)
                    .join(EntitlementRow, EntitlementRow.request_dataset_id == RequestDataset.id)
                    .where(EntitlementRow.project_id == project_id, EntitlementRow.dataset_id.in_(touched))
                ).scalars()
                publishers = actors.publisher_keys(items)
            audit.record(
                session,
                kind=AUDIT_KIND,
                actor=str(record.get("actor")),
                at=_at(record.get("at")) or self.runtime.now(),
                subject=project_id,
                publishers=publishers,
                data={k: v for k, v in record.items() if k not in {"event", "at"}},
            )


def _at(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def after_revocation(app: Any, project_id: str) -> None:
    """Once a revocation is committed, take the project's views away now (the periodic sweep retries failures)."""
    try:
        service_of(app).refresh(project_id)
    except Exception:  # the revocation itself stands; answering 500 would tell the steward otherwise
        log.exception("the views of project %s could not be removed yet; the sweep will retry", project_id)


def service_of(app: Any) -> SandboxService:
    """The app's sandbox service, made on first use and closed when the access runtime closes."""
    service = getattr(app.state, "sandbox_service", None)
    if service is None:
        with _APP_LOCK:
            service = getattr(app.state, "sandbox_service", None)
            if service is None:
                runtime: AccessRuntime = app.state.access
                service = SandboxService(runtime)
                original = runtime.close

                def close() -> None:
                    service.close()
                    original()

                setattr(runtime, "close", close)  # noqa: B010  (the runtime closes with the app's lifespan)
                app.state.sandbox_service = service
    return service


_APP_LOCK = threading.Lock()
