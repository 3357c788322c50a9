"""`fedcat backup` / `fedcat restore`: a consistent copy of a node, taken while it serves, and putting it back.

A backup is a directory:

* `graph/`: a RocksDB checkpoint of the Oxigraph store (hard links where the file system allows: its files are
  immutable). It is taken holding the node's writer lock (harvests starting meanwhile queue behind it) and the
  store itself, so no writer is half-way through it; when a writer keeps them for longer than `wait` seconds,
  the newest published snapshot is copied instead (itself a checkpoint taken after a complete batch).
* `index/`: the current tantivy generation as its `meta.json` names it (segment files are immutable, `meta.json`
  is replaced atomically), copied under the same lock, so it matches the graph. When it may not match (a writer
  crashed mid-update, or the graph came from a snapshot) the manifest says so and `restore` rebuilds it.
* `database/`: the workflow database: SQLite through its online backup API (one consistent read transaction),
  PostgreSQL through `pg_dump` (one repeatable-read snapshot). The audit chain's head is recorded, and
  `restore` checks that the restored chain verifies and still holds that head.
* `files/`: everything else in the home (fedcat.toml, keys, hosted data, expectation suites, quality results,
  harvest state and reports), with any other SQLite file in it copied through the backup API as well.
* `manifest.json`, written last: versions, the components and the SHA-256 and size of every file.

Published snapshots are not copied (the restored node publishes a fresh one) and neither are the sandbox
projects (they are rebuilt from the approved entitlements on first use; their pseudonym keys are in `keys/`).
A remote graph store (`store.backend = "sparql"`) is refused: its server holds the graph and has its own backup
tools, and a restore into a fresh home would otherwise write into the very server the original node uses.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from catalogue import __version__
from catalogue.config import Settings, load_settings
from catalogue.errors import ConfigError, FedcatError, StoreBusy

FORMAT, FORMAT_VERSION = "fedcat-backup", 1
MANIFEST = "manifest.json"
COMPONENTS = ("graph", "index", "database", "files")
# Home entries that are backed up as components of their own, or not at all (see the module docstring).
SPECIAL = {"store", "index", "snapshots", "mirror", "sandbox", "locks"}  # copied their own way, or derived
SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_SIDECARS = ("-wal", "-shm", "-journal")
CHUNK = 1 << 20

Step = Callable[[str, int, int], None]  # (phase, done, total)


class BackupInvalid(FedcatError):
    """A backup directory that is missing, incomplete, altered or of an unknown format."""

    status, type, title = 422, "backup-invalid", "Not a usable backup"


class TargetNotEmpty(FedcatError):
    """The directory to write into already holds something this command will not overwrite."""

    status, type, title = 409, "target-not-empty", "Target is not empty"


class BackupFailed(FedcatError):
    """A component could not be copied (a database tool failed, the index kept changing, ...)."""

    status, type, title = 500, "backup-failed", "Backup failed"


@dataclass
class RestoreReport:
    """What `restore_backup` put back and checked."""

    home: Path
    manifest: dict[str, Any]
    quads: int
    index_records: int | None
    index_rebuilt: bool
    audit: dict[str, Any] | None  # the restored chain's verification; None without a workflow database
    files: int
    notes: list[str] = field(default_factory=list)


def _noop(phase: str, done: int, total: int) -> None:
    pass


# -- helpers -------------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link an immutable file (index segments), copying when the link crosses file systems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (its WAL included) as one self-contained file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it, for the checksums
        finally:
            dst.close()
    finally:
        src.close()


def _entries(root: Path) -> Iterator[Path]:
    """Regular files under `root` (symlinks to files followed, directories not), sorted."""
    for directory, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(directory) / name
            if path.is_file():
                yield path


def _home_files(home: Path) -> list[Path]:
    """The files of the `files/` component: the home minus the special entries, locks and SQLite sidecars."""
    found = []
    for path in _entries(home):
        rel = path.relative_to(home)
        if rel.parts[0] in SPECIAL or rel.name == "LOCK" or rel.suffix == ".tmp":
            continue
        if rel.parts == ("fedcat.db",) or any(rel.name.endswith(s) for s in SQLITE_SIDECARS):
            continue
        found.append(path)
    return found


def _libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq (pg_dump, pg_restore) reads it."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    """The newest `pg_dump` / `pg_restore` (Debian keeps them under /usr/lib/postgresql/<major>/bin)."""
    import glob

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    tool = found[-1] if found else shutil.which(name)
    if not tool:
        raise BackupFailed(f"{name} was not found: install the PostgreSQL client (Debian: postgresql-client)")
    return tool


def _database_url(settings: Settings) -> str:
    from access.db import normalise_url

    return normalise_url(settings.access.database(settings.home))


def _default_sqlite(settings: Settings) -> bool:
    return settings.access.database_url is None


def _sqlite_path(url: str) -> Path:
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:":
        raise ConfigError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _audit(url: str, anchor: tuple[int, str] | None = None) -> dict[str, Any]:
    """The audit chain of the database at `url`: verified, with its head."""
    from access import audit
    from access.db import Database

    db = Database(url)
    try:
        with db.session() as session:
            result = audit.verify(session, anchor=anchor)
    except Exception as exc:  # no audit tables yet, an older schema: say so in the manifest, back up anyway
        problem = f"not checkable: {str(exc).splitlines()[0]}"
        return {"ok": False, "events": 0, "head_seq": 0, "head_hash": None, "problem": problem}
    finally:
        db.engine.dispose()
    return {
        "ok": result.ok,
        "events": result.events,
        "head_seq": result.head_seq,
        "head_hash": result.head_hash,
        "problem": result.problem,
    }


# -- backup --------------------------------------------------------------------------------------------------


@contextmanager
def _writer_lock(settings: Settings, deadline: float) -> Iterator[bool]:
    """Hold the node's writer lock (the one harvests queue on) until `deadline`; yields whether it was taken.

    Holding it makes harvests that start during the backup wait for it instead of failing on the store.
    """
    from catalogue.harvest_lock import flock_until, writer_lock_path

    path = writer_lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        if not flock_until(handle, deadline):
            yield False
            return
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()} backup\n")  # who holds it, as `catalogue.harvest_lock.holder` reads it
            handle.flush()
            yield True
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _hold_store(settings: Settings, deadline: float) -> Any:
    """The writer's store, once no harvest or quality run holds it (None after `deadline`)."""
    from catalogue.store import OxigraphStore

    while True:
        try:
            return OxigraphStore(settings.store_path)
        except StoreBusy:
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.25)


def _graph_from_snapshot(settings: Settings, target: Path) -> int:
    """Copy the newest published full snapshot (a writer holds the store); returns its quad count."""
    import pyoxigraph as ox

    from catalogue.snapshots import current

    for _ in range(10):  # a writer may rotate the snapshot away under us: take the next one
        path = current(settings, public=False)
        if path is None:
            break
        try:
            snapshot = ox.Store.read_only(str(path))
            shutil.rmtree(target, ignore_errors=True)
            snapshot.backup(str(target))
            return len(snapshot)
        except OSError:
            time.sleep(0.2)
    raise StoreBusy(
        f"the graph store at {settings.store_path} is held by a writer (a harvest or quality run) and no "
        "published snapshot could be copied; run the backup again when it has finished"
    )


def _copy_index(settings: Settings, target: Path) -> dict[str, Any]:
    """Copy the current index generation as of one commit; retried when a commit lands during the copy."""
    root = settings.index_path
    if not (root / "CURRENT").exists():
        return {"present": False}
    for _ in range(50):
        try:
            name = (root / "CURRENT").read_text().strip()
            generation = root / name
            meta = (generation / "meta.json").read_bytes()
            info = json.loads((generation / "fedcat.json").read_text())
            pending = (root / "PENDING").exists()
            segments = {s["segment_id"].replace("-", "") for s in json.loads(meta)["segments"]}
            shutil.rmtree(target, ignore_errors=True)
            out = target / name
            out.mkdir(parents=True)
            copied = []
            for path in sorted(generation.iterdir()):
                if path.name.split(".")[0] in segments:
                    _link_or_copy(path, out / path.name)
                    copied.append(path.name)
            (out / "meta.json").write_bytes(meta)
            (out / "fedcat.json").write_text(json.dumps(info))
            # tantivy's own list of the files it manages: garbage collection after a restore needs it.
            (out / ".managed.json").write_text(json.dumps([*copied, "meta.json"]))
            (target / "CURRENT").write_text(name)
            if (root / "CURRENT").read_text().strip() == name and (generation / "meta.json").read_bytes() == meta:
                return {
                    "present": True,
                    "generation": name,
                    "schema_version": info.get("schema_version"),
                    "documents": _documents(out),
                    "pending": pending,
                }
        except (OSError, ValueError, KeyError):
            pass  # a rebuild or merge removed a file between our reads: start over on the new state
        time.sleep(0.2)
    raise BackupFailed(f"the search index at {root} kept changing during the copy; try again when it is quiet")


def _documents(generation: Path) -> int:
    """How many documents a tantivy index directory holds."""
    import tantivy

    return int(tantivy.Index.open(str(generation)).searcher().num_docs)


def _copy_database(settings: Settings, target: Path) -> dict[str, Any]:
    url = _database_url(settings)
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if not path.exists():
            return {"kind": "none"}  # the access workflow was never used: nothing to keep
        copy = target / "fedcat.sqlite"
        _sqlite_copy(path, copy)
        audit = _audit(f"sqlite:///{copy.resolve()}")
        with sqlite3.connect(copy) as con:  # verifying may have switched the copy to WAL: back to one file
            con.execute("PRAGMA journal_mode=DELETE")
        con.close()
        for suffix in SQLITE_SIDECARS:
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
        return {"kind": "sqlite", "file": "database/fedcat.sqlite", "audit": audit}
    # PostgreSQL: the head verified now is an anchor the dump (taken just after) must still contain.
    audit = _audit(url)
    target.mkdir(parents=True, exist_ok=True)
    dump = target / "fedcat.pgdump"
    command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}"]
    done = subprocess.run([*command, f"--dbname={_libpq_url(url)}"], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupFailed(f"pg_dump failed: {done.stderr.strip()[-2000:]}")
    return {"kind": "postgresql", "file": "database/fedcat.pgdump", "audit": audit}


def _check_target(target: Path, home: Path, replace: bool) -> None:
    resolved = target.resolve()
    if resolved == home.resolve() or resolved.is_relative_to(home.resolve()):
        raise ConfigError(f"the backup directory {target} is inside the node's home {home}: choose one outside it")
    if target.exists() and not target.is_dir():
        raise TargetNotEmpty(f"{target} exists and is not a directory")
    if target.is_dir() and any(target.iterdir()):
        if not (target / MANIFEST).is_file():
            raise TargetNotEmpty(f"{target} is not empty and holds no fedcat backup: choose an empty or new directory")
        if not replace:
            raise TargetNotEmpty(f"{target} holds a previous backup: pass --replace to replace it")


def create_backup(
    settings: Settings, target: Path, *, replace: bool = False, wait: float = 60.0, on_step: Step = _noop
) -> dict[str, Any]:
    """Back up the node of `settings` into `target` (see the module docstring); returns the manifest."""
    home = settings.home
    if not settings.toml_path.exists():
        raise ConfigError(f"no node at {home}: run `fedcat init --home {home}` first")
    if settings.store.backend != "oxigraph":
        raise ConfigError(
            "the graph lives in a remote SPARQL store (store.backend = "
            f"{settings.store.backend!r}): back it up with that server's own tools, or move it into the embedded "
            "store first with `fedcat store copy`; `fedcat backup` copies embedded Oxigraph nodes"
        )
    _check_target(target, home, replace)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Built beside the target and moved into place at the end: an interrupted backup never looks complete and
    # a previous backup being replaced survives a failed attempt.
    work = target.parent / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        manifest = _build(settings, work, wait, on_step)
        _swap_in(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _build(settings: Settings, work: Path, wait: float, on_step: Step) -> dict[str, Any]:
    home = settings.home
    components: dict[str, Any] = {}
    on_step("graph", 0, 1)
    deadline = time.monotonic() + wait
    with _writer_lock(settings, deadline) as locked:
        store = _hold_store(settings, deadline) if locked else None
        if store is not None:
            _copy_locked(settings, store, work, components, on_step)
    if store is None:
        quads = _graph_from_snapshot(settings, work / "graph")
        components["graph"] = {"backend": "oxigraph", "from": "snapshot", "quads": quads}
        on_step("graph", 1, 1)
        on_step("index", 0, 1)
        components["index"] = {
            "present": (settings.index_path / "CURRENT").exists(),
            "rebuild": True,
            "reason": "a writer held the store: the index is rebuilt from the graph on restore",
        }
    on_step("index", 1, 1)

    on_step("database", 0, 1)
    components["database"] = _copy_database(settings, work / "database")
    on_step("database", 1, 1)
    files = _home_files(home)
    total = len(files)
    for done, path in enumerate(files, 1):
        out = work / "files" / path.relative_to(home)
        out.parent.mkdir(parents=True, exist_ok=True)
        if _is_sqlite(path):
            _sqlite_copy(path, out)  # e.g. the SHACL report cache: a live database, not a plain file
            shutil.copymode(path, out)
        else:
            shutil.copy2(path, out)  # keeps modes: private keys stay 0600
        on_step("files", done, total)
    components["files"] = {"count": total}
    checked = _checksums(work, on_step)
    components["files"]["bytes"] = sum(v["size"] for k, v in checked.items() if k.startswith("files/"))
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "fedcat_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "home": str(home.resolve()),
        "components": components,
        "files": checked,
    }
    tmp = work / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2))
    os.replace(tmp, work / MANIFEST)
    return manifest


def _copy_locked(settings: Settings, store: Any, work: Path, components: dict[str, Any], on_step: Step) -> None:
    """Graph checkpoint and index copy while this process is the node's only writer."""
    try:
        store.flush()
        store.raw.backup(str(work / "graph"))
        components["graph"] = {"backend": "oxigraph", "from": "store", "quads": store.quad_count()}
        on_step("graph", 1, 1)
        on_step("index", 0, 1)
        # No index writer runs without the store either: the copy matches the graph exactly.
        index = _copy_index(settings, work / "index")
    finally:
        store.close()
    index["rebuild"] = bool(index.get("pending"))
    if index["rebuild"]:
        index["reason"] = "a writer left the index marked pending (it may lag the graph)"
    components["index"] = index


def _checksums(root: Path, on_step: Step) -> dict[str, dict[str, Any]]:
    paths = [p for p in _entries(root) if p.parent != root or p.name not in (MANIFEST, MANIFEST + ".tmp")]
    found = {}
    for done, path in enumerate(paths, 1):
        found[path.relative_to(root).as_posix()] = {"size": path.stat().st_size, "sha256": _sha256(path)}
        on_step("checksums", done, len(paths))
    return found


# -- verify and restore --------------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of the backup at `source`, or `BackupInvalid` saying why there is none."""
    if not source.is_dir():
        raise BackupInvalid(f"no backup at {source}: the directory does not exist")
    path = source / MANIFEST
    if not path.is_file():
        raise BackupInvalid(f"{source} is not a fedcat backup (no {MANIFEST}; an interrupted backup has none)")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupInvalid(f"{path} is unreadable: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupInvalid(f"{path} is not a fedcat backup manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupInvalid(
            f"the backup has format version {manifest.get('format_version')!r}; this fedcat reads {FORMAT_VERSION}"
        )
    components = manifest.get("components")
    if not isinstance(manifest.get("files"), dict) or not isinstance(components, dict):
        raise BackupInvalid(f"{path} lists no files or components")
    missing = [name for name in COMPONENTS if not isinstance(components.get(name), dict)]
    if missing:
        raise BackupInvalid(f"{path} does not describe the components {', '.join(missing)}")
    return manifest


def verify_backup(source: Path, on_step: Step = _noop) -> dict[str, Any]:
    """Check every file of the backup against its manifest (size, SHA-256, nothing missing or extra)."""
    manifest = read_manifest(source)
    listed: dict[str, Any] = manifest["files"]
    problems = []
    for rel in listed:
        parts = Path(rel).parts
        if Path(rel).is_absolute() or ".." in parts or not parts or parts[0] not in COMPONENTS:
            raise BackupInvalid(f"the manifest names a file outside the backup's components: {rel!r}")
    present = {p.relative_to(source).as_posix() for p in _entries(source)} - {MANIFEST}
    problems += [f"{rel} is missing" for rel in sorted(set(listed) - present)]
    problems += [f"{rel} is not in the manifest" for rel in sorted(present - set(listed))]
    total = len(listed)
    for done, (rel, expected) in enumerate(sorted(listed.items()), 1):
        path = source / rel
        if rel in present:
            size = path.stat().st_size
            if size != expected.get("size"):
                problems.append(f"{rel} has {size} bytes, the manifest says {expected.get('size')} (truncated?)")
            elif _sha256(path) != expected.get("sha256"):
                problems.append(f"{rel} does not match its checksum (altered or damaged)")
        on_step("verify", done, total)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise BackupInvalid(f"the backup at {source} is damaged, nothing was restored: {shown}", problems=problems)
    return manifest


def _check_home(home: Path, force: bool) -> None:
    if home.exists() and not home.is_dir():
        raise TargetNotEmpty(f"{home} exists and is not a directory")
    if home.is_dir() and any(home.iterdir()):
        if not force:
            raise TargetNotEmpty(f"{home} is not empty: restore into a new home, or pass --force to replace it")
        if (home / "store").is_dir():
            from catalogue.store import OxigraphStore

            OxigraphStore(home / "store").close()  # StoreBusy while a harvest or any writer uses that home


def _pg_tables(url: str) -> list[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        return sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def restore_backup(source: Path, home: Path, *, force: bool = False, on_step: Step = _noop) -> RestoreReport:
    """Restore the backup at `source` into `home`; nothing at `home` changes unless every check passes."""
    manifest = verify_backup(source, on_step)
    _check_home(home, force)
    components = manifest["components"]
    home.parent.mkdir(parents=True, exist_ok=True)
    work = home.parent / f".{home.name}.restoring-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        report = _restore_into(source, work, home, manifest, force, on_step)
        _swap_in(work, home)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    report.home = home
    if manifest.get("fedcat_version") != __version__:
        report.notes.append(f"the backup was taken by fedcat {manifest.get('fedcat_version')}, this is {__version__}")
    if components["graph"].get("from") == "snapshot":
        report.notes.append("the graph came from the newest published snapshot (a writer held the store)")
    return report


def _swap_in(work: Path, home: Path) -> None:
    """Move the finished node into place; on failure the previous home is put back as it was."""
    try:
        if not home.exists():
            os.replace(work, home)
            return
        old = home.parent / f".{home.name}.old-{os.getpid()}"
        os.replace(home, old)
        try:
            os.replace(work, home)
        except OSError:
            os.replace(old, home)
            raise
        shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise BackupFailed(f"could not move the finished copy into {home} (what was there is kept): {exc}") from exc


def _restore_into(
    source: Path, work: Path, home: Path, manifest: dict[str, Any], force: bool, on_step: Step
) -> RestoreReport:
    from catalogue.index import current_generation, rebuild_index
    from catalogue.snapshots import publish
    from catalogue.store import OxigraphStore

    components = manifest["components"]
    files = sorted(rel for rel in manifest["files"] if rel.startswith("files/"))
    for done, rel in enumerate(files, 1):
        out = work / Path(rel).relative_to("files")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / rel, out)
        on_step("files", done, len(files))
    if not (work / "fedcat.toml").is_file():
        raise BackupInvalid(f"the backup at {source} holds no fedcat.toml")
    # The restored node's settings, as it will run (FEDCAT_* variables apply), but at its final home.
    settings = load_settings(work)
    on_step("graph", 0, 1)
    shutil.copytree(source / "graph", work / "store")  # copies: the restored store shares no inode with the backup
    store = OxigraphStore(work / "store")
    try:
        quads = store.quad_count()
        if quads != components["graph"].get("quads"):
            raise BackupInvalid(f"the restored graph holds {quads} quads, the backup recorded {components['graph']}")
        on_step("graph", 1, 1)
        index = components["index"]
        rebuilt = False
        records = None
        on_step("index", 0, 1)
        if index.get("present") and not index.get("rebuild"):
            shutil.copytree(source / "index", work / "index", dirs_exist_ok=True)
            if current_generation(settings) is None:  # another index schema version: build this one's
                shutil.rmtree(work / "index")
                index = {**index, "rebuild": True}
        if index.get("present") and index.get("rebuild"):
            records = rebuild_index(settings, store)
            rebuilt = True
        if index.get("present") and records is None:
            generation = current_generation(settings)
            assert generation is not None
            records = _documents(generation)
            if records != index.get("documents"):
                raise BackupInvalid(f"the restored index holds {records} documents, the backup recorded {index}")
        on_step("index", 1, 1)
        publish(settings, store)  # the web process reads snapshots: have one ready
    finally:
        store.close()
    on_step("database", 0, 1)
    audit = _restore_database(source, work, home, settings, components["database"], force)
    on_step("database", 1, 1)
    return RestoreReport(
        home=home,
        manifest=manifest,
        quads=quads,
        index_records=records,
        index_rebuilt=rebuilt,
        audit=audit,
        files=len(files),
    )


def _restore_database(
    source: Path, work: Path, home: Path, settings: Settings, database: dict[str, Any], force: bool
) -> dict[str, Any] | None:
    kind = database.get("kind")
    if kind == "none":
        return None
    recorded = database.get("audit") or {}
    anchor = (recorded["head_seq"], recorded["head_hash"]) if recorded.get("ok") and recorded.get("head_seq") else None
    url = _database_url(settings)
    is_sqlite = url.startswith("sqlite")
    if (kind == "sqlite") != is_sqlite:
        configured = "SQLite" if is_sqlite else "PostgreSQL"
        raise ConfigError(
            f"the backup holds a {kind} database but the restored node is configured for {configured} "
            "(access.database_url / FEDCAT_ACCESS__DATABASE_URL): restore into the same kind of database"
        )
    if kind == "sqlite":
        # The default database lives in the home (here: the staging copy of it); an explicit path is written there.
        path = work / "fedcat.db" if _default_sqlite(settings) else _sqlite_path(url)
        if not _default_sqlite(settings) and path.exists() and path.stat().st_size and not force:
            raise TargetNotEmpty(f"the database {path} exists: pass --force to replace it")
        tmp = path.with_name(path.name + ".restoring")
        _sqlite_copy(source / database["file"], tmp)
        result = _audit(f"sqlite:///{tmp.resolve()}", anchor)
        _check_audit(result, recorded)
        for suffix in SQLITE_SIDECARS:
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, path)
        return result
    tables = _pg_tables(url)
    if tables and not force:
        raise TargetNotEmpty(
            f"the PostgreSQL database of the restored node already has tables ({', '.join(sorted(tables)[:5])}): "
            "pass --force to replace them"
        )
    command = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if tables:
        command += ["--clean", "--if-exists"]
    done = subprocess.run(
        [*command, f"--dbname={_libpq_url(url)}", str(source / database["file"])], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BackupFailed(f"pg_restore failed: {done.stderr.strip()[-2000:]}")
    result = _audit(url, anchor)
    _check_audit(result, recorded)
    return result


def _check_audit(result: dict[str, Any], recorded: dict[str, Any]) -> None:
    if recorded.get("ok") and not result["ok"]:
        raise BackupInvalid(f"the restored audit log does not verify: {result['problem']}")
