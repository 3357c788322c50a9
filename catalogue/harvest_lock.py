"""File locks that keep harvests of one node from racing: one per source, and one for the node's writer.

* `<home>/locks/source-<name>.lock`: held for a whole harvest of that source. A second harvest of the same
  source (a manual `fedcat harvest` while `fedcat worker` runs it, or two workers) fails at once with
  `HarvestRunning` instead of racing.
* `<home>/locks/writer.lock`: the graph store (Oxigraph: one writer per directory) and the search index
  (tantivy: one writer) take one writer at a time, so harvests of different sources queue on it.

Both are `fcntl.flock` locks: the kernel drops them when the holder dies, so a killed run never leaves a stale
lock behind. Each holder writes its pid and sources into the file so others can say who holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from catalogue.config import Settings
from catalogue.errors import FedcatError

WAIT_STEP = 0.2  # seconds between attempts on a busy writer lock (flock cannot time out by itself)


class HarvestRunning(FedcatError):
    """A harvest of this source is already running; a second one would race it."""

    status, type, title = 409, "harvest-running", "Harvest already running"


def locks_path(settings: Settings) -> Path:
    """Where the lock files live: `<home>/locks/`."""
    return settings.home / "locks"


def source_lock_path(settings: Settings, source: str) -> Path:
    """The lock file of one source's harvests."""
    return locks_path(settings) / f"source-{source}.lock"


def writer_lock_path(settings: Settings) -> Path:
    """The lock file of the node's one store-and-index writer."""
    return locks_path(settings) / "writer.lock"


def holder(path: Path) -> tuple[int, str] | None:
    """(pid, what) written by the current holder of a lock file, if the file names a live process."""
    try:
        pid_text, _, what = path.read_text().partition(" ")
        pid = int(pid_text)
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # the holder died; the kernel already released its lock
    except PermissionError:
        pass
    return pid, what.strip()


def writer_holder(settings: Settings) -> int | None:
    """The pid of the process holding the node's writer lock now, or None (checked by the lock, not the file)."""
    path = writer_lock_path(settings)
    who = holder(path)
    if who is None:
        return None
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return who[0]
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None  # the file names a process (a reused pid, say) that does not hold the lock


def source_busy(settings: Settings, source: str) -> bool:
    """True when some process holds the source's lock right now (a probe: it may change at once)."""
    path = source_lock_path(settings, source)
    if not path.exists():
        return False
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def flock_until(handle: IO[str], deadline: float) -> bool:
    """Lock `handle` exclusively, retrying until `deadline` (`time.monotonic()`); False when it passed first."""
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(WAIT_STEP)


def _claim(handle: IO[str], what: str) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()} {what}\n")
    handle.flush()


def _release(handle: IO[str]) -> None:
    with contextlib.suppress(OSError):
        handle.seek(0)
        handle.truncate()  # nobody holds it: a reader must not name a stale holder
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


@contextlib.contextmanager
def harvest_locks(
    settings: Settings, sources: list[str], on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the locks of `sources` (or fail with `HarvestRunning`), then the writer lock (waiting for it)."""
    locks_path(settings).mkdir(parents=True, exist_ok=True)
    held: list[IO[str]] = []
    try:
        for name in sorted(set(sources)):
            path = source_lock_path(settings, name)
            handle = path.open("a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                who = holder(path)
                by = f" (pid {who[0]})" if who else ""
                raise HarvestRunning(
                    f"source {name!r} is already being harvested{by}; wait for that run to finish",
                    source=name,
                ) from None
            held.append(handle)
            _claim(handle, name)
        writer = writer_lock_path(settings).open("a+")
        try:
            waited = False
            while True:
                try:
                    fcntl.flock(writer, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not waited and on_wait is not None:
                        who = holder(writer_lock_path(settings))
                        on_wait(f"{who[1]} (pid {who[0]})" if who else "another harvest")
                    waited = True
                    time.sleep(WAIT_STEP)
        except BaseException:
            writer.close()  # never acquired: leave the holder's pid in the file
            raise
        held.append(writer)
        _claim(writer, ",".join(sorted(set(sources))))
        yield
    finally:
        for lock in reversed(held):
            _release(lock)
