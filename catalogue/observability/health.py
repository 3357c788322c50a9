"""`/healthz`: the graph store, the search index and the workflow database, each checked on its own.

Every check runs on its own thread (`BoundedCall`) and all three together get `health_timeout_seconds`, so a
hung dependency makes the answer an error, never a hang. Counting the store's quads can take long on a big
or remote store: it is cached (per snapshot for the embedded store, counted in a child process; a minute for
a remote one) and reported as null while it is still being counted.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from catalogue.config import Settings
from catalogue.index import SearchIndex, current_generation, index_status, open_index
from catalogue.observability.bounded import BoundedCall, CallTimedOut
from catalogue.observability.database import ObservedDatabase
from catalogue.snapshots import SnapshotStore
from catalogue.store import GraphStore

log = logging.getLogger("fedcat.health")
COMPONENTS = ("store", "index", "database")
PROBE = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
REMOTE_COUNT_SECONDS = 60.0  # how long a remote store's quad count is reused
COUNT_IN_CHILD = "import sys, pyoxigraph; print(len(pyoxigraph.Store.read_only(sys.argv[1])))"
HIDDEN = "details are shown to loopback clients and to callers with the metrics token"


def describe(exc: BaseException) -> str:
    """A one-line account of a failed check (the driver's own message when there is one)."""
    cause = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
    text = " ".join(str(cause).split()) or type(cause).__name__
    return f"{type(cause).__name__}: {text}"[:300]


class NodeHealth:
    """The three checks of one app; `report()` runs them."""

    def __init__(self, settings: Settings, app_state: Any) -> None:
        self.settings = settings
        self.state = app_state
        self.timeout = settings.observability.health_timeout_seconds
        self._index: SearchIndex | None = None
        self._quads: tuple[object, int] | None = None  # (cache key, count)
        self.checks = {
            "store": BoundedCall("store-check", self._store),
            "index": BoundedCall("index-check", self._search_index),
            "database": BoundedCall("database-check", self._database),
        }
        self._count = BoundedCall("quad-count", self._count_quads)
        self.database = ObservedDatabase(settings, self.timeout)
        # What each part names whether or not its check got far enough to say more.
        self.identity: dict[str, dict[str, Any]] = {
            "store": {"backend": settings.store.backend},
            "index": {},
            "database": {"dialect": self.database.dialect},
        }

    def report(self, *, details: bool) -> tuple[bool, dict[str, Any]]:
        """(all ok, the body): `{"status", "store", "index", "database"}`, each part `{"status", ...}`."""
        started = time.monotonic()
        running = {name: check.start() for name, check in self.checks.items()}
        body: dict[str, Any] = {"status": "ok"}
        for name, future in running.items():
            remaining = self.timeout - (time.monotonic() - started)
            try:
                part = self.checks[name].wait(future, remaining)
            except CallTimedOut:
                part = {"status": "error", **self.identity[name], "detail": f"no answer within {self.timeout:g} s"}
            except Exception as exc:
                part = {"status": "error", **self.identity[name], "detail": describe(exc)}
            if part["status"] != "ok":
                body["status"] = "error"
                log.warning("health check failed: %s: %s", name, part.get("detail"), extra={"component": name})
                if not details:
                    part = {**part, "detail": f"{name} check failed; {HIDDEN}"}
            body[name] = part
        return body["status"] == "ok", body

    # -- the checks ------------------------------------------------------------------------------------------

    def _store(self) -> dict[str, Any]:
        store: GraphStore = self.state.store
        store.select(PROBE)  # answers at all
        part: dict[str, Any] = {"status": "ok", "backend": self.settings.store.backend}
        if isinstance(store, SnapshotStore):
            part["snapshot"] = store.snapshot.name
        try:
            part["quads"] = self._count(self.timeout * 0.8)  # the probe took little of the budget
        except CallTimedOut:
            part["quads"] = None
            part["quads_detail"] = "still counting; a later check reports it"
        return part

    def _count_quads(self) -> int:
        store: GraphStore = self.state.store
        if isinstance(store, SnapshotStore):
            store.refresh()
            key: object = store.snapshot  # a snapshot never changes: its count holds until the next one
        else:
            key = int(time.monotonic() // REMOTE_COUNT_SECONDS)
        cached = self._quads
        if cached is not None and cached[0] == key:
            return cached[1]
        if isinstance(key, Path):
            # Oxigraph counts by walking every quad while holding the GIL (1.2 M quads: 1.3 s in which the
            # server answers nothing), so a child process counts the (immutable) snapshot instead.
            done = subprocess.run(
                [sys.executable, "-c", COUNT_IN_CHILD, str(key)], capture_output=True, text=True, check=True
            )
            count = int(done.stdout.strip())
        else:
            count = store.quad_count()
        self._quads = (key, count)
        return count

    def _search_index(self) -> dict[str, Any]:
        status = index_status(self.settings)
        if status == "missing":
            return {"status": "error", "detail": "no search index yet: run a harvest or `fedcat index rebuild`"}
        if status == "outdated":
            return {"status": "error", "detail": "the index was built by another version: `fedcat index rebuild`"}
        index = getattr(self.state, "search_index", None) or self._index
        if index is None:
            index = self._index = open_index(self.settings, cache_size=0)
        generation = current_generation(self.settings)
        part: dict[str, Any] = {
            "status": "ok",
            "documents": index.searcher().num_docs,
            "generation": generation.name if generation else None,
        }
        if status == "pending":
            part["detail"] = "a harvest is updating the index (or one stopped mid-update: the next one rebuilds it)"
        return part

    def _database(self) -> dict[str, Any]:
        db = self.database
        part: dict[str, Any] = {"status": "ok", "dialect": db.dialect}
        if not db.exists():
            return {**part, "detail": "not created yet: the node creates it on first use"}
        with db.engine.connect() as connection:
            revision = db.revision(connection)
        part["schema"] = revision
        if revision is None and not self.settings.access.auto_migrate:
            return {**part, "status": "error", "detail": "the schema was never created: run `fedcat db upgrade`"}
        return part
