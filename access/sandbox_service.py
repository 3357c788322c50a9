"""Glue between the access workflow and the sandbox engine (`access.sandbox`).

* `entitlement_for(...)` turns a project's *active* entitlements (approved, not revoked, not past their end
  date, decided by time at every call) into one `sandbox.Entitlement`: per dataset its hosted file and access
  mode (`quality.hosted`, attached with `fedcat data add`), the approved (possibly narrowed) columns, the
  steward's row filter; the project's access ends at the earliest end date among them (when that one ends the
  set changes, and the views are rebuilt from what is left). Neither the decision nor the hosted-file manifest
  records which columns are direct identifiers, so nothing is pseudonymised here (`pseudonymise=()`).
* `SandboxService.ensure(project_id)` materialises lazily: at the first views/query call, and again whenever
  the fingerprint of the project's active entitlements changed, so approval -> first query needs no job. With
  no active entitlement left (revoked, withdrawn or expired by time) it revokes the project's sandbox.
* The engine's audit hook appends one `sandbox.query` event per query to the hash-chained audit log (who,
  project, SQL, datasets touched, rows, outcome), attributed to the publishers of the datasets touched.

One service per app, on `app.state.sandbox_service` (`service_of(app)`), closed with the access runtime.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from access import audit, workflow
from access.models import Entitlement as EntitlementRow
from access.models import ProjectMember, RequestDataset
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
from quality.hosted import load_hosted

AUDIT_KIND = "sandbox.query"


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
    """What the views depend on: the active entitlements' ids, columns, filters and end dates."""
    parts = sorted([r.id, r.dataset_id, r.columns, r.row_filter, r.ends_at.isoformat()] for r in rows)
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


class SandboxService:
    """One `Sandbox` per app, kept in step with the workflow's entitlements."""

    def __init__(self, runtime: AccessRuntime, limits: SandboxLimits | None = None) -> None:
        self.runtime = runtime
        self.limits = limits or SandboxLimits()
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
                    pseudonymise=(),  # no decision or manifest field says which columns are identifiers
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
            active = workflow.active_entitlements(session, project_id, now)
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
            if self._fingerprints.get(project_id) != print_:
                self.sandbox.materialise(entitlement)
                self._fingerprints[project_id] = print_

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
                publishers = workflow.publisher_keys(items)
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
