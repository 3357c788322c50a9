"""`fedcat worker`: cron timing with an injected clock, then real harvest subprocesses against loopback sources."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from catalogue.config import SourceConfig, WorkerSettings, load_settings
from catalogue.harvest_lock import holder, source_busy, writer_lock_path
from catalogue.worker import Scheduler, Worker
from tests.servers import LoopbackServer, trickle

UDATA_CATALOG = "udata/udata/harvest/tests/dcat/catalog.xml"
ROOT = Path(__file__).resolve().parents[1]


class FakeClock:
    """A clock the tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def scheduled(name: str, cron: str) -> SourceConfig:
    return SourceConfig(name=name, kind="dcat", url="http://127.0.0.1:9/x", schedule=cron)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- timing, with an injected clock ------------------------------------------------------------------------------


def test_due_times_follow_cron_and_catch_up_once():
    clock = FakeClock(at("2026-11-27T10:00:00"))
    last = {"nightly": at("2026-11-27T03:00:05"), "hourly": at("2026-11-27T07:30:00")}
    sched = Scheduler(WorkerSettings(), clock, last)
    sched.configure(
        [scheduled("nightly", "0 3 * * *"), scheduled("hourly", "15 * * * *"), scheduled("new", "0 3 * * *")]
    )
    # Ran at 03:00 today: next tomorrow at 03:00. Last ran 07:30: the 08:15 and 09:15 slots were missed while
    # the worker was down, so it is due now, once. Never ran under the worker: due now.
    assert sched.entries["nightly"].next_due == at("2026-11-28T03:00:00")
    assert sched.entries["hourly"].next_due == at("2026-11-27T08:15:00")
    assert sched.due() == ["hourly", "new"]  # max_concurrency 2; earliest first

    sched.start("hourly")
    sched.start("new")
    assert sched.due() == []
    clock.advance(minutes=20)
    outcome = sched.finish("hourly", True)
    assert outcome.action == "succeeded" and outcome.at == at("2026-11-27T11:15:00")  # not 10:15 again
    assert sched.finish("new", True).at == at("2026-11-28T03:00:00")
    assert sched.due() == [] and sched.idle()
    assert sched.next_wakeup() == at("2026-11-27T11:15:00")
    clock.now = at("2026-11-27T11:15:00")
    assert sched.due() == ["hourly"]


def test_cron_is_read_in_the_configured_time_zone():
    clock = FakeClock(at("2026-07-01T12:00:00"))
    sched = Scheduler(WorkerSettings(timezone="Europe/Luxembourg"), clock, {"lu": at("2026-07-01T12:00:00")})
    sched.configure([scheduled("lu", "0 3 * * *")])
    assert sched.entries["lu"].next_due == at("2026-07-02T01:00:00")  # 03:00 CEST is 01:00 UTC


def test_a_running_source_is_never_started_twice():
    clock = FakeClock(at("2026-11-27T10:00:00"))
    sched = Scheduler(WorkerSettings(max_concurrency=4), clock)
    sched.configure([scheduled("every-minute", "* * * * *")])
    assert sched.due() == ["every-minute"]
    sched.start("every-minute")
    for _ in range(10):  # ten cron slots pass while the run goes on
        clock.advance(minutes=1)
        assert sched.due() == []
    with pytest.raises(RuntimeError):
        sched.start("every-minute")
    sched.finish("every-minute", True)
    assert sched.entries["every-minute"].next_due == at("2026-11-27T10:11:00")  # one next run, not ten queued


def test_failed_runs_back_off_exponentially_then_give_up_until_the_next_slot():
    clock = FakeClock(at("2026-11-27T03:00:00"))
    config = WorkerSettings(retries=4, backoff_base_seconds=60, backoff_max_seconds=300)
    sched = Scheduler(config, clock)
    sched.configure([scheduled("flaky", "0 3 * * *")])
    delays = []
    for attempt in range(1, 5):
        assert sched.due() == ["flaky"]
        assert sched.start("flaky") == attempt
        outcome = sched.finish("flaky", False)
        assert outcome.action == "retry" and outcome.failures == attempt
        delays.append(outcome.delay)
        assert sched.due() == [] and not sched.idle()  # waiting for the retry
        clock.advance(seconds=outcome.delay - 1)
        assert sched.due() == []
        clock.advance(seconds=1)
    assert delays == [60, 120, 240, 300]  # doubling, capped at backoff_max_seconds
    assert sched.start("flaky") == 5
    outcome = sched.finish("flaky", False)
    assert outcome.action == "gave-up" and outcome.failures == 5
    assert outcome.at == at("2026-11-28T03:00:00")
    assert sched.idle()
    # The next scheduled run starts afresh: a success resets the count.
    clock.now = outcome.at
    assert sched.start("flaky") == 1
    assert sched.finish("flaky", True).action == "succeeded"


def test_sources_come_and_go_with_the_configuration():
    clock = FakeClock(at("2026-11-27T10:00:00"))
    sched = Scheduler(WorkerSettings(), clock)
    sched.configure([scheduled("a", "0 3 * * *"), scheduled("b", "0 4 * * *")])
    sched.start("a")
    sched.configure([scheduled("b", "0 5 * * *"), SourceConfig(name="c", kind="dcat", url="http://x")])
    assert set(sched.entries) == {"a", "b"}  # a still runs; c has no schedule
    assert sched.entries["b"].cron == "0 5 * * *"
    assert sched.due() == ["b"]  # a, removed, never starts again
    sched.finish("a", True)
    assert set(sched.entries) == {"b"}


# -- configuration -------------------------------------------------------------------------------------------


def test_sources_add_takes_a_schedule(cli, home):
    result = cli(
        "sources", "add", "nightly", "--kind", "dcat", "--url", "http://x.test/c.ttl", "--schedule", "0 3 * * *"
    )
    assert result.exit_code == 0, result.output
    assert load_settings(home).source("nightly").schedule == "0 3 * * *"
    assert "0 3 * * *" in cli("sources", "list").output


def test_sources_add_refuses_a_bad_schedule_and_changes_nothing(cli, home):
    before = (home / "fedcat.toml").read_text()
    result = cli("sources", "add", "nightly", "--kind", "dcat", "--url", "http://x.test/c.ttl", "--schedule", "3am")
    assert result.exit_code == 2
    assert "source 'nightly': schedule '3am' is not a cron expression" in " ".join(result.output.split())
    assert (home / "fedcat.toml").read_text() == before


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            '[[sources]]\nname = "partner"\nkind = "dcat"\nurl = "http://x.test/c.ttl"\nschedule = "0 25 * * *"\n',
            "source 'partner': schedule '0 25 * * *' is not a cron expression",
        ),
        ('[worker]\ntimezone = "Mars/Olympus"\n', "unknown time zone 'Mars/Olympus'"),
        ("[worker]\nretries = -1\n", "worker.retries"),
    ],
)
def test_bad_worker_configuration_is_a_clear_error(cli, home, toml, expected):
    with (home / "fedcat.toml").open("a") as f:
        f.write("\n" + toml)
    result = cli("worker", "--once")
    assert result.exit_code == 2
    assert "[config-error]" in result.output and expected in " ".join(result.output.split())


# -- real harvests in subprocesses -----------------------------------------------------------------------------


def add_source(cli: Any, name: str, url: str, schedule: str) -> None:
    result = cli(
        "sources", "add", name, "--kind", "dcat", "--url", url, "--allow-private-network", "--schedule", schedule
    )
    assert result.exit_code == 0, result.output


def set_worker(home: Path, **values: Any) -> None:
    lines = "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
    with (home / "fedcat.toml").open("a") as f:
        f.write(f"\n[worker]\n{lines}")


def start_worker(home: Path, *args: str, log_to: Path | None = None) -> subprocess.Popen[str]:
    """`fedcat worker` as a real process; its log on a pipe, or in `log_to` to read while it runs."""
    command = [sys.executable, "-m", "catalogue", "worker", "--log-format", "json", "--home", str(home), *args]
    stderr = log_to.open("w") if log_to else subprocess.PIPE
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True)


def events(stderr: str) -> list[dict[str, Any]]:
    """The worker's JSON log lines (anything else on stderr is a failure to log structurally)."""
    return [json.loads(line) for line in stderr.splitlines() if line.strip()]


def reports(home: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((home / "runs").glob("harvest-*.json"))]


def runs_of(home: Path, source: str) -> list[dict[str, Any]]:
    return [run for report in reports(home) for run in report["runs"] if run["source"] == source]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def stuck() -> Iterator[LoopbackServer]:
    """A second loopback server for sources that never finish answering."""
    srv = LoopbackServer().start()
    yield srv
    srv.stop()


def test_worker_runs_due_harvests_in_parallel_and_retries_failures(cli, home, server, reference):
    catalog = (reference / UDATA_CATALOG).read_bytes()
    server.route("/one.xml", catalog, content_type="application/rdf+xml")
    server.route("/two.xml", catalog, content_type="application/rdf+xml")
    add_source(cli, "one", f"{server.url}/one.xml", "0 3 * * *")
    add_source(cli, "two", f"{server.url}/two.xml", "30 3 * * *")
    add_source(cli, "gone", f"{server.url}/missing.xml", "0 4 * * *")  # 404: fails every time
    set_worker(home, poll_seconds=0.5, retries=1, backoff_base_seconds=0.5, max_concurrency=2)

    worker = start_worker(home, "--until-idle")
    _, stderr = worker.communicate(timeout=60)
    assert worker.returncode == 1, stderr  # "gone" failed for good
    log = events(stderr)
    kinds = [(e["event"], e.get("source")) for e in log]
    # Two at a time: both first starts come before any run ends.
    first_end = next(i for i, (k, _) in enumerate(kinds) if k not in ("worker.start", "harvest.start"))
    assert len([k for k in kinds[:first_end] if k[0] == "harvest.start"]) == 2
    assert ("harvest.finish", "one") in kinds and ("harvest.finish", "two") in kinds
    assert kinds.count(("harvest.start", "gone")) == 2  # the run and one retry
    retry = next(e for e in log if e["event"] == "harvest.retry")
    assert retry["source"] == "gone" and retry["delay"] == 0.5 and "[http-status]" in retry["detail"]
    gave_up = next(e for e in log if e["event"] == "harvest.gave-up")
    assert gave_up["source"] == "gone" and gave_up["attempt"] == 2
    assert gave_up["next"].endswith("T04:00:00+00:00")  # its next scheduled time

    assert [r["status"] for r in runs_of(home, "one")] == ["succeeded"]
    assert runs_of(home, "one")[0]["counts"]["new"] > 0
    assert [r["status"] for r in runs_of(home, "gone")] == ["failed", "failed"]
    state = json.loads((home / "state" / "_worker.json").read_text())
    assert state["one"]["status"] == "succeeded" and state["gone"]["status"] == "failed"

    # Nothing is due any more: a second pass does nothing and succeeds.
    again = start_worker(home, "--once")
    _, stderr = again.communicate(timeout=30)
    assert again.returncode == 0, stderr
    assert not [e for e in events(stderr) if e["event"] == "harvest.start"]


def test_a_stuck_run_is_killed_recorded_failed_and_the_next_scheduled_run_starts(cli, home, server, reference):
    catalog = (reference / UDATA_CATALOG).read_bytes()
    server.route("/slow.xml", trickle(catalog, delay=0.5), content_type="application/rdf+xml")
    add_source(cli, "slow", f"{server.url}/slow.xml", "* * * * * */3")  # every 3 seconds (sixth field)
    set_worker(home, poll_seconds=0.5, retries=0, run_timeout_seconds=8)

    worker = start_worker(home)
    try:
        wait_for(lambda: bool(runs_of(home, "slow")), 30, "the timed-out run's report")
        assert any(h.startswith("/slow.xml") for h in server.hits)  # it was stuck in the fetch, not at start-up
        failed = runs_of(home, "slow")[0]
        assert failed["status"] == "failed" and failed["error"]["type"] == "harvest-timeout"
        assert failed["error"]["detail"] == "timed out after 8 s"
        assert not source_busy(load_settings(home), "slow")  # the killed run's lock went with it
        server.route("/slow.xml", catalog, content_type="application/rdf+xml")  # the source recovers
        wait_for(lambda: len(runs_of(home, "slow")) >= 2, 30, "the next scheduled run")
    finally:
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=60)
    assert worker.returncode == 0, stderr
    second = runs_of(home, "slow")[1]
    assert second["status"] == "succeeded" and second["counts"]["new"] > 0
    log = events(stderr)
    timeout = next(e for e in log if e["event"] == "harvest.timeout")
    assert timeout["source"] == "slow" and timeout["report"].endswith(".json")
    assert [e["event"] for e in log][-1] == "worker.stop"


def test_sigterm_stops_a_running_harvest_cleanly(cli, home, server, reference):
    catalog = (reference / UDATA_CATALOG).read_bytes()
    server.route("/slow.xml", trickle(catalog, delay=0.5), content_type="application/rdf+xml")
    add_source(cli, "slow", f"{server.url}/slow.xml", "0 3 * * *")
    set_worker(home, poll_seconds=0.5, run_timeout_seconds=600, stop_grace_seconds=0.5)
    settings = load_settings(home)

    worker = start_worker(home)
    wait_for(lambda: source_busy(settings, "slow"), 30, "the harvest to start")
    worker.send_signal(signal.SIGTERM)
    _, stderr = worker.communicate(timeout=30)
    assert worker.returncode == 0, stderr
    child = next(e for e in events(stderr) if e["event"] == "harvest.interrupted")
    with pytest.raises(ProcessLookupError):
        os.kill(child["pid"], 0)  # killed and reaped, not orphaned
    assert not source_busy(settings, "slow")
    assert runs_of(home, "slow")[0]["error"]["type"] == "harvest-interrupted"


def test_a_second_harvest_of_a_locked_source_fails_clearly_and_the_worker_waits(cli, home, server, reference):
    catalog = (reference / UDATA_CATALOG).read_bytes()
    server.route("/slow.xml", trickle(catalog, delay=0.5), content_type="application/rdf+xml")
    add_source(cli, "slow", f"{server.url}/slow.xml", "0 3 * * *")
    set_worker(home, poll_seconds=0.5)
    settings = load_settings(home)

    manual = subprocess.Popen(
        [sys.executable, "-m", "catalogue", "harvest", "slow", "--home", str(home)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(lambda: source_busy(settings, "slow"), 30, "the manual harvest to hold its lock")
        result = cli("harvest", "slow")
        assert result.exit_code == 2
        output = " ".join(result.output.split())
        assert "[harvest-running]" in output and f"'slow' is already being harvested (pid {manual.pid})" in output
        assert reports(home) == []  # the refused harvest wrote nothing

        log = home.parent / "worker.log"
        worker = start_worker(home, "--once", log_to=log)
        wait_for(lambda: "harvest.deferred" in log.read_text(), 30, "the worker to find the source locked")
        time.sleep(1.5)  # three polls: it keeps waiting, it does not fail or start a second harvest
        assert worker.poll() is None and not runs_of(home, "slow")
        server.route("/slow.xml", catalog, content_type="application/rdf+xml")
    finally:
        os.killpg(manual.pid, signal.SIGKILL)
        manual.wait()
    worker.communicate(timeout=60)
    assert worker.returncode == 0, log.read_text()
    kinds = [e["event"] for e in events(log.read_text())]
    assert "harvest.deferred" in kinds and kinds.count("harvest.start") == 1
    assert [r["status"] for r in runs_of(home, "slow")] == ["succeeded"]


def test_each_poll_revokes_expired_sandbox_access(home):
    from access.sandbox import ApprovedDataset, Entitlement, Sandbox, SandboxLimits

    data = home / "data" / "tiny.parquet"
    pq.write_table(pa.table({"n": [1, 2, 3]}), data)
    clock = FakeClock(datetime.now(UTC))
    with Sandbox(home, SandboxLimits(warm_spare=False), clock=clock) as sandbox:
        dataset = ApprovedDataset(dataset_id="tiny", view_name="tiny", files=(data,))
        sandbox.materialise(Entitlement("short", (dataset,), clock.now + timedelta(days=1)))
        sandbox.materialise(Entitlement("long", (dataset,), clock.now + timedelta(days=9)))
    state = home / "sandbox" / "projects"

    clock.advance(days=2)
    worker = Worker(load_settings(home), clock=clock)
    worker.poll()
    assert json.loads((state / "short" / "state.json").read_text())["revoked_reason"] == "expired"
    assert json.loads((state / "long" / "state.json").read_text())["revoked_at"] is None
    assert not list((state / "short").glob("*.duckdb"))


def test_time_queued_behind_another_harvest_does_not_count_towards_the_timeout(cli, home, server, reference):
    catalog = (reference / UDATA_CATALOG).read_bytes()
    server.route("/slow.xml", trickle(catalog, delay=0.5), content_type="application/rdf+xml")
    server.route("/ok.xml", catalog, content_type="application/rdf+xml")
    add_source(cli, "manual", f"{server.url}/slow.xml", "0 3 1 1 *")
    add_source(cli, "nightly", f"{server.url}/ok.xml", "0 3 * * *")
    (home / "state").mkdir(exist_ok=True)  # "manual" is not due for the worker: it ran a moment ago
    (home / "state" / "_worker.json").write_text(
        json.dumps({"manual": {"last_finished": datetime.now(UTC).isoformat()}})
    )
    set_worker(home, poll_seconds=0.5, retries=0, run_timeout_seconds=4)
    settings = load_settings(home)

    manual = subprocess.Popen(
        [sys.executable, "-m", "catalogue", "harvest", "manual", "--home", str(home)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(lambda: (holder(writer_lock_path(settings)) or (0, ""))[0] == manual.pid, 30, "the writer lock")
        log = home.parent / "worker.log"
        worker = start_worker(home, "--until-idle", log_to=log)
        wait_for(lambda: "harvest.start" in log.read_text(), 30, "the nightly harvest to start")
        time.sleep(6)  # queued for the writer longer than the 4 s timeout
        assert "harvest.timeout" not in log.read_text() and worker.poll() is None
    finally:
        os.killpg(manual.pid, signal.SIGKILL)
        manual.wait()
    worker.communicate(timeout=60)
    assert worker.returncode == 0, log.read_text()
    assert [r["status"] for r in runs_of(home, "nightly")] == ["succeeded"]
