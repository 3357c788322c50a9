"""`fedcat worker`: runs each source's harvests on its cron schedule, next to `fedcat serve`.

* `Scheduler` is the timing alone (no processes, an injectable clock): a source is due at the first cron time
  after its last run ended (so a slot missed while the worker was down is caught up once, and slots that pass
  while a run goes on are not stacked up); a failed run is retried after `backoff_base_seconds`, doubled for
  each further failure up to `backoff_max_seconds`, at most `retries` times, after which the source waits for
  its next scheduled time; a source is never started while its previous run goes on.
* `Worker` runs each due harvest as a child process (`python -m catalogue harvest NAME --home HOME`), so a
  stuck run can be killed: after `run_timeout_seconds` of running (time spent queued behind another source's
  harvest for the node's one writer does not count) its process group is killed and a failed run report is
  written where `fedcat harvest` writes its own (`<home>/runs/harvest-*.json`). Each poll it also re-reads
  `fedcat.toml` and revokes expired sandbox entitlements (`access.sandbox.Sandbox.sweep`).
* `catalogue.harvest_lock` keeps one harvest per source (a manual `fedcat harvest` included) and one writer of
  the store and index per node; harvests of different sources start in parallel up to `max_concurrency` and
  queue for the writer.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from croniter import croniter

from catalogue.config import Settings, SourceConfig, WorkerSettings, load_settings
from catalogue.errors import FedcatError
from catalogue.harvest_lock import source_busy, writer_holder

log = logging.getLogger("fedcat.worker")
Clock = Callable[[], datetime]
STATE_FILE = "_worker.json"  # in <home>/state; the underscore keeps it apart from any source's state file
TICK_SECONDS = 0.25  # how often running children are checked
KILL_GRACE_SECONDS = 5.0  # between SIGTERM and SIGKILL of a child
BUSY_TYPES = ("[harvest-running]",)  # the child found the source locked by another harvest: not a failure


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


# -- timing ----------------------------------------------------------------------------------------------------


@dataclass
class Entry:
    """What the scheduler knows about one scheduled source."""

    source: str
    cron: str
    next_due: datetime  # the next scheduled time
    failures: int = 0  # failed attempts since the last success or give-up
    retry_at: datetime | None = None
    running: bool = False
    removed: bool = False  # gone from the configuration while it ran: dropped when it ends

    @property
    def due_at(self) -> datetime:
        """When it should start next: the pending retry, else the scheduled time."""
        return self.retry_at or self.next_due


@dataclass(frozen=True)
class Outcome:
    """What happens after a run ended: `at` is the retry time (`retry`) or the next scheduled time."""

    action: Literal["succeeded", "retry", "gave-up"]
    at: datetime
    failures: int
    delay: float = 0.0


class Scheduler:
    """When each scheduled source runs; pure timing, driven by `clock` (tests move it by hand)."""

    def __init__(
        self,
        config: WorkerSettings,
        clock: Clock = utc_now,
        last_finished: Mapping[str, datetime] | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.last_finished = dict(last_finished or {})
        self.entries: dict[str, Entry] = {}

    def next_time(self, cron: str, after: datetime) -> datetime:
        """The first time `cron` fires strictly after `after` (cron read in the configured time zone), in UTC."""
        local = after.astimezone(ZoneInfo(self.config.timezone))
        nxt: datetime = croniter(cron, local).get_next(datetime)
        return nxt.astimezone(UTC)

    def configure(self, sources: Sequence[SourceConfig]) -> None:
        """Take the sources with a schedule; keeps the timing of those unchanged, drops the unscheduled."""
        wanted = {s.name: s.schedule for s in sources if s.schedule}
        for name, entry in list(self.entries.items()):
            if name not in wanted:
                if entry.running:
                    entry.removed = True
                else:
                    del self.entries[name]
        for name, cron in wanted.items():
            assert cron is not None
            known = self.entries.get(name)
            if known is not None and known.cron == cron:
                known.removed = False
                continue
            last = self.last_finished.get(name)
            # Never ran under a worker: due now (first harvest / catch-up), as after a missed slot.
            due = self.next_time(cron, last) if last else self.clock()
            if known is None:
                self.entries[name] = Entry(name, cron, due)
            else:
                known.cron, known.next_due, known.removed = cron, due, False

    def due(self) -> list[str]:
        """Sources to start now, earliest first, no more than the free run slots."""
        now = self.clock()
        free = self.config.max_concurrency - len(self.running())
        ready = sorted(
            (e for e in self.entries.values() if not e.running and not e.removed and e.due_at <= now),
            key=lambda e: (e.due_at, e.source),
        )
        return [e.source for e in ready[: max(free, 0)]]

    def running(self) -> list[str]:
        """Sources whose run goes on."""
        return [e.source for e in self.entries.values() if e.running]

    def start(self, name: str) -> int:
        """Mark a run of `name` started; returns its attempt number (1 for the scheduled run, 2+ retries)."""
        entry = self.entries[name]
        if entry.running:
            raise RuntimeError(f"{name} is already running")
        entry.running = True
        return entry.failures + 1

    def backoff(self, failures: int) -> float:
        """Seconds to wait before the retry that follows the `failures`-th failure in a row."""
        delay = self.config.backoff_base_seconds * 2 ** (failures - 1)
        return float(min(delay, self.config.backoff_max_seconds))

    def finish(self, name: str, succeeded: bool) -> Outcome:
        """Record the end of a run: schedule the retry, or the next scheduled run."""
        entry = self.entries[name]
        now = self.clock()
        entry.running = False
        if not succeeded and entry.failures < self.config.retries:
            entry.failures += 1
            delay = self.backoff(entry.failures)
            entry.retry_at = now + timedelta(seconds=delay)
            outcome = Outcome("retry", entry.retry_at, entry.failures, delay)
        else:
            failures = 0 if succeeded else entry.failures + 1
            entry.failures, entry.retry_at = 0, None
            entry.next_due = self.next_time(entry.cron, now)
            self.last_finished[name] = now
            outcome = Outcome("succeeded" if succeeded else "gave-up", entry.next_due, failures)
        if entry.removed:
            del self.entries[name]
        return outcome

    def defer(self, name: str, seconds: float) -> datetime:
        """The run could not start (another harvest holds the source): try again later, not as a failure."""
        entry = self.entries[name]
        entry.running = False
        entry.retry_at = self.clock() + timedelta(seconds=seconds)
        if entry.removed:
            del self.entries[name]
        return entry.retry_at

    def next_wakeup(self) -> datetime | None:
        """The earliest time a source not running now becomes due."""
        times = [e.due_at for e in self.entries.values() if not e.running and not e.removed]
        return min(times) if times else None

    def idle(self) -> bool:
        """Nothing runs, no retry waits, nothing is due now."""
        now = self.clock()
        return not any(e.running or e.retry_at is not None or e.due_at <= now for e in self.entries.values())


# -- the worker's own state -----------------------------------------------------------------------------------


def load_last_finished(settings: Settings) -> dict[str, datetime]:
    """When each source's last scheduled run (with its retries) ended, as the worker recorded it."""
    try:
        data = json.loads((settings.state_path / STATE_FILE).read_text())
        return {name: datetime.fromisoformat(v["last_finished"]) for name, v in data.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def save_last_finished(settings: Settings, last: Mapping[str, datetime], status: Mapping[str, str]) -> None:
    """Write the worker's state atomically."""
    settings.state_path.mkdir(parents=True, exist_ok=True)
    data = {n: {"last_finished": t.isoformat(), "status": status.get(n, "")} for n, t in sorted(last.items())}
    tmp = settings.state_path / f"{STATE_FILE}.tmp"
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, settings.state_path / STATE_FILE)


# -- reports and sweeps ----------------------------------------------------------------------------------------


def write_failed_report(
    settings: Settings,
    source: SourceConfig,
    started: datetime,
    duration: float,
    error: FedcatError,
) -> Path:
    """A run report like `fedcat harvest` writes, for a run the worker had to kill (it wrote none itself)."""
    from harvesters.harvest import HarvestReport
    from harvesters.run import SourceRun, now_iso

    stamp = started.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    run = SourceRun(source.name, source.kind, f"{settings.base}/run/{source.name}/{uuid.uuid4().hex}", stamp)
    run.ended = now_iso()
    run.status = "failed"
    run.duration_seconds = round(duration, 3)
    run.error = error.to_dict()
    report = HarvestReport(started=stamp, runs=[run])
    settings.reports_path.mkdir(parents=True, exist_ok=True)
    path = settings.reports_path / f"harvest-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}.json"
    tmp = path.with_name(f".{path.name}.tmp")  # readers (/metrics, the operator page) never see half a report
    tmp.write_text(json.dumps(report.to_dict(), indent=2))
    os.replace(tmp, path)
    return path


class HarvestTimeout(FedcatError):
    """A harvest still running after the worker's run timeout; it was killed."""

    status, type, title = 504, "harvest-timeout", "Harvest timed out"


class HarvestInterrupted(FedcatError):
    """A harvest the worker killed because it was told to stop."""

    status, type, title = 503, "harvest-interrupted", "Harvest interrupted"


def sweep_sandboxes(settings: Settings, clock: Clock = utc_now) -> list[str]:
    """Revoke the sandboxes of projects whose entitlement expired; the project ids revoked."""
    root = settings.home / "sandbox" / "projects"
    if not root.is_dir() or not any(root.iterdir()):
        return []  # no sandbox ever set up: nothing to load DuckDB for
    from access.sandbox import Sandbox

    # The engine's own sweep only revokes (never rebuilds views the web process serves), reading each project's
    # state afresh; no spare query process, since this sandbox never answers queries.
    limits = settings.access.sandbox.model_copy(update={"warm_spare": False})
    with Sandbox(settings.home, limits, clock=clock) as sandbox:
        return sandbox.sweep()


# -- processes -------------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One harvest child process."""

    source: SourceConfig
    attempt: int
    process: subprocess.Popen[bytes]
    log_path: Path
    started_at: datetime
    started: float = field(default_factory=time.monotonic)
    active: float = 0.0  # seconds spent running, not queued behind another harvest for the writer lock
    last_tick: float = field(default_factory=time.monotonic)


class Worker:
    """Runs scheduled harvests in child processes until stopped (or once, or until idle)."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        python: str = sys.executable,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.python = python
        self.once = False
        self.scheduler = Scheduler(settings.worker, clock, load_last_finished(settings))
        self.scheduler.configure(settings.sources)
        self.runs: dict[str, Run] = {}
        self.status: dict[str, str] = {}
        self.failed: set[str] = set()  # sources whose latest outcome in this process was a failure
        self._stop = threading.Event()
        self._hurry = False
        self._last_poll = float("-inf")

    # -- control ---------------------------------------------------------------------------------------------

    def stop(self, *_: object) -> None:
        """Ask the loop to stop (safe from a signal handler); asked twice, running harvests are not waited for."""
        if self._stop.is_set():
            self._hurry = True
        self._stop.set()

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT stop the worker gracefully."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run(self, *, once: bool = False, until_idle: bool = False) -> int:
        """The main loop; returns the exit code (0, or 1 when `once`/`until_idle` saw a run fail for good).

        `once`: run what is due now, without retries, then stop. `until_idle`: keep going, retries included,
        until nothing runs, waits for a retry or is due.
        """
        self.once = once
        self.scheduler.config = self._config(self.settings)
        names = ", ".join(f"{e.source} ({e.cron})" for e in self.scheduler.entries.values()) or "none"
        log.info(
            f"worker started: scheduled sources {names}",
            extra={"event": "worker.start", "pid": os.getpid(), "sources": sorted(self.scheduler.entries)},
        )
        first = True
        while not self._stop.is_set():
            self._tick()
            if time.monotonic() - self._last_poll >= self.settings.worker.poll_seconds:
                self.poll(reload=not first)
                first = False
            self._start_due()
            if (once or until_idle) and not self.runs and self.scheduler.idle():
                break
            self._stop.wait(self._sleep_seconds())
        self._shutdown()
        log.info("worker stopped", extra={"event": "worker.stop"})
        return 1 if (once or until_idle) and self.failed else 0

    def poll(self, reload: bool = True) -> None:
        """Re-read the configuration, sweep expired sandboxes, start what is due."""
        self._last_poll = time.monotonic()
        if reload:
            self._reload()
        try:
            revoked = sweep_sandboxes(self.settings, self.clock)
        except Exception as exc:  # the sweep must not stop harvests; it is tried again next poll
            log.error(f"sandbox sweep failed: {exc}", extra={"event": "sandbox.sweep-failed", "error": str(exc)})
        else:
            if revoked:
                log.info(
                    f"revoked expired sandbox access of {', '.join(revoked)}",
                    extra={"event": "sandbox.revoked", "projects": revoked},
                )
        self._start_due()

    def _reload(self) -> None:
        try:
            settings = load_settings(self.settings.home)
        except FedcatError as exc:
            log.error(
                f"fedcat.toml not reloaded, keeping the previous configuration: {exc.message}",
                extra={"event": "worker.config-error", "error": exc.message},
            )
            return
        self.settings = settings
        self.scheduler.config = self._config(settings)
        self.scheduler.configure(settings.sources)

    def _config(self, settings: Settings) -> WorkerSettings:
        # A single pass does not wait for retries: the next pass (or the next scheduled time) runs it again.
        return settings.worker.model_copy(update={"retries": 0}) if self.once else settings.worker

    def _sleep_seconds(self) -> float:
        if self.runs:
            return TICK_SECONDS
        until_poll = self.settings.worker.poll_seconds - (time.monotonic() - self._last_poll)
        wake = self.scheduler.next_wakeup()
        until_due = (wake - self.clock()).total_seconds() if wake else until_poll
        return max(0.05, min(until_poll, until_due, self.settings.worker.poll_seconds))

    # -- runs ------------------------------------------------------------------------------------------------

    def _start_due(self) -> None:
        for name in self.scheduler.due():
            if self._stop.is_set():
                return
            try:
                source = self.settings.source(name)
            except FedcatError:
                continue  # removed from the configuration between reload and start
            if source_busy(self.settings, name):
                self._deferred(name, "another harvest of it is running")
                continue
            self._launch(source, self.scheduler.start(name))

    def _launch(self, source: SourceConfig, attempt: int) -> None:
        logs = self.settings.reports_path / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        started_at = utc_now()
        log_path = logs / f"{source.name}-{started_at.strftime('%Y%m%dT%H%M%S%fZ')}.log"
        home = str(Path(self.settings.home).resolve())
        command = [self.python, "-m", "catalogue", "harvest", source.name, "--home", home]
        env = {**os.environ, "FEDCAT_HOME": home, "COLUMNS": "160"}
        with log_path.open("wb") as out:
            # A session of its own: the whole group can be killed, and a Ctrl-C at the terminal reaches only us.
            process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True
            )
        self.runs[source.name] = Run(source, attempt, process, log_path, started_at)
        log.info(
            f"harvest of {source.name} started (attempt {attempt}, pid {process.pid})",
            extra={"event": "harvest.start", "source": source.name, "attempt": attempt, "pid": process.pid},
        )

    def _tick(self) -> None:
        """Reap ended children, kill those past the timeout."""
        if not self.runs:
            return
        writer = writer_holder(self.settings)
        now = time.monotonic()
        for name, run in list(self.runs.items()):
            queued = writer is not None and writer != run.process.pid
            if not queued:
                run.active += now - run.last_tick
            run.last_tick = now
            code = run.process.poll()
            if code is not None:
                del self.runs[name]
                self._ended(run, code)
            elif run.active >= self.settings.worker.run_timeout_seconds:
                del self.runs[name]
                self._kill(run)
                limit = self.settings.worker.run_timeout_seconds
                self._failed(run, HarvestTimeout(f"timed out after {limit:g} s", source=name), "timeout")

    def _ended(self, run: Run, code: int) -> None:
        name = run.source.name
        tail = _tail(run.log_path)
        seconds = time.monotonic() - run.started
        report = next((line.split("report:", 1)[1].strip() for line in tail if line.startswith("report:")), None)
        if code == 0:
            outcome = self.scheduler.finish(name, True)
            self._remember(name, "succeeded")
            self.failed.discard(name)
            log.info(
                f"harvest of {name} succeeded in {seconds:.1f} s; next at {outcome.at.isoformat()}",
                extra={
                    "event": "harvest.finish",
                    "source": name,
                    "status": "succeeded",
                    "attempt": run.attempt,
                    "seconds": round(seconds, 3),
                    "report": report,
                    "next": outcome.at.isoformat(),
                },
            )
            return
        if any(busy in line for line in tail for busy in BUSY_TYPES):
            self._deferred(name, "another harvest of it is running")
            return
        errors = [line for line in tail if line.startswith("error") or line.startswith(f"{name}:")]
        detail = errors[-1] if errors else (tail[-1] if tail else f"exit code {code}")
        self._after_failure(run, "failed", detail, code=code, seconds=seconds, report=report)

    def _failed(self, run: Run, error: FedcatError, kind: str) -> None:
        """A run the worker killed: write its failed report, then retry or give up."""
        seconds = time.monotonic() - run.started
        path = write_failed_report(self.settings, run.source, run.started_at, seconds, error)
        event = "harvest.timeout" if kind == "timeout" else "harvest.interrupted"
        log.warning(
            f"harvest of {run.source.name} {error.message}; killed (pid {run.process.pid})",
            extra={
                "event": event,
                "source": run.source.name,
                "attempt": run.attempt,
                "pid": run.process.pid,
                "seconds": round(seconds, 3),
                "report": str(path),
            },
        )
        if kind == "timeout":
            self._after_failure(run, "timed out", error.message, code=None, seconds=seconds, report=str(path))

    def _after_failure(
        self, run: Run, status: str, detail: str, *, code: int | None, seconds: float, report: str | None
    ) -> None:
        name = run.source.name
        outcome = self.scheduler.finish(name, False)
        fields = {"source": name, "attempt": run.attempt, "detail": detail, "exit_code": code, "report": report}
        if outcome.action == "retry":
            log.warning(
                f"harvest of {name} {status} (attempt {run.attempt}): {detail}; "
                f"retry in {outcome.delay:g} s at {outcome.at.isoformat()}",
                extra={"event": "harvest.retry", **fields, "delay": outcome.delay, "retry_at": outcome.at.isoformat()},
            )
        else:
            self._remember(name, "failed")
            self.failed.add(name)
            log.error(
                f"harvest of {name} {status} (attempt {run.attempt}): {detail}; giving up until the next "
                f"scheduled run at {outcome.at.isoformat()}",
                extra={"event": "harvest.gave-up", **fields, "next": outcome.at.isoformat()},
            )
        log.debug("run ended", extra={"event": "harvest.end", "source": name, "seconds": round(seconds, 3)})

    def _deferred(self, name: str, why: str) -> None:
        at = self.scheduler.defer(name, self.settings.worker.poll_seconds)
        log.info(
            f"harvest of {name} deferred: {why}; trying again at {at.isoformat()}",
            extra={"event": "harvest.deferred", "source": name, "retry_at": at.isoformat()},
        )

    def _remember(self, name: str, status: str) -> None:
        self.status[name] = status
        save_last_finished(self.settings, self.scheduler.last_finished, self.status)

    def _kill(self, run: Run) -> None:
        """SIGTERM the child's process group, then SIGKILL what is left after a grace period."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.process.pid, signal.SIGTERM)
        try:
            run.process.wait(KILL_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.process.pid, signal.SIGKILL)
            run.process.wait()

    def _shutdown(self) -> None:
        """Let running harvests finish for `stop_grace_seconds`, then kill and report the rest."""
        if not self.runs:
            return
        names = ", ".join(self.runs)
        grace = self.settings.worker.stop_grace_seconds
        log.info(
            f"stopping: waiting up to {grace:g} s for {names}",
            extra={"event": "worker.stopping", "running": sorted(self.runs)},
        )
        deadline = time.monotonic() + grace
        while self.runs and time.monotonic() < deadline and not self._hurry:
            for name, run in list(self.runs.items()):
                code = run.process.poll()
                if code is not None:
                    del self.runs[name]
                    self._ended(run, code)
            time.sleep(TICK_SECONDS)
        for name, run in list(self.runs.items()):
            del self.runs[name]
            self._kill(run)
            self._failed(run, HarvestInterrupted("interrupted: the worker was stopped", source=name), "stopped")


def _tail(path: Path, lines: int = 40) -> list[str]:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 16_384))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()][-lines:]
