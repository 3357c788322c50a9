"""A small pool of query worker processes: the only way to stop a pyoxigraph query is to stop its process.

pyoxigraph 0.5 has no query timeout or cancellation, so each query runs in a worker process
(`catalogue.sparql_worker`) that has the current snapshot open read-only. The web process waits for the
answer on a pipe, in a thread so the event loop stays free; past the timeout it kills that worker (SIGKILL),
answers 503 and starts a replacement, while the other workers keep serving. A worker that runs out of its
address-space limit (a query building huge strings) dies the same way and is replaced: 503.

Admission: at most `workers` queries run and `queue` more wait; anything beyond is refused at once (429).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from multiprocessing.connection import Connection

import anyio.to_thread

from catalogue.config import SparqlLimits
from catalogue.sparql_protocol import EndpointUnavailable, QueryTimeout, TooManyQueries
from catalogue.sparql_results import Answer, Job

log = logging.getLogger(__name__)


class _Worker:
    """One worker process and the web process's ends of its two pipes; used by one query at a time.

    `start` and `stop` run on the event loop's thread: workers ask the kernel to kill them when the thread
    that started them ends (PR_SET_PDEATHSIG), so they must not be started from a short-lived thread.
    """

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.process: subprocess.Popen[bytes] | None = None
        self.jobs: Connection | None = None
        self.answers: Connection | None = None
        self.network_denied: bool | None = None

    @property
    def alive(self) -> bool:
        """Whether the worker process is running."""
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start the worker process (it boots in about 0.1 s; jobs sent meanwhile wait in the pipe)."""
        self.stop()
        jobs_r, jobs_w = os.pipe()
        answers_r, answers_w = os.pipe()
        argv = [str(jobs_r), str(answers_w), str(os.getpid()), str(self.memory_mb)]
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "catalogue.sparql_worker", *argv],
                pass_fds=(jobs_r, answers_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                # The worker's address space is capped (`limit_memory`): glibc's per-thread malloc arenas reserve
                # 64 MB each, so opening a store took 650 MB of it with the default arenas (260 MB with two) and a
                # plain query could abort the worker under a 1 GB cap.
                env={**os.environ, "MALLOC_ARENA_MAX": "2"},
            )
        finally:
            os.close(jobs_r)
            os.close(answers_w)
        self.jobs = Connection(jobs_w, readable=False)
        self.answers = Connection(answers_r, writable=False)
        self.network_denied = None

    def stop(self) -> None:
        """Kill the worker (SIGKILL: a query in Rust does not listen to anything gentler) and reap it."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
        for conn in (self.jobs, self.answers):
            if conn is not None:
                conn.close()
        self.process = self.jobs = self.answers = None

    def open(self, snapshot: str) -> None:
        """Have the worker open `snapshot` now, so the first query on it does not pay for that."""
        assert self.jobs is not None
        self.jobs.send(snapshot)

    def _receive(self, deadline: float) -> bytes:
        assert self.answers is not None
        if not self.answers.poll(max(deadline - time.monotonic(), 0)):
            raise TimeoutError
        return self.answers.recv_bytes()

    def call(self, job: Job, timeout: float) -> tuple[Answer, bytes]:
        """Run `job` (blocking, so called in a thread); past `timeout` the worker is killed, not waited for."""
        assert self.jobs is not None
        deadline = time.monotonic() + timeout
        try:
            self.jobs.send(job)
            if self.network_denied is None:  # the worker's first word, once it has booted
                self.network_denied = bool(json.loads(self._receive(deadline))["network_denied"])
                if not self.network_denied:
                    log.warning("seccomp is unavailable: SPARQL workers rely on the query guard alone for SERVICE")
            answer = Answer(**json.loads(self._receive(deadline)))
            body = self._receive(deadline)
        except TimeoutError:
            self._kill()
            log.warning("SPARQL query stopped after %g s: %.300r", timeout, job.query)
            raise QueryTimeout(
                f"the query did not finish within {timeout:g} s and was stopped; "
                "narrow it down (more specific patterns, LIMIT) and try again",
                {"Retry-After": "1"},
            ) from None
        except (EOFError, OSError, ValueError, TypeError, KeyError) as exc:
            self._kill()
            code = self.process.returncode if self.process is not None else None
            raise EndpointUnavailable(
                f"the query worker stopped while running the query (exit {code}: out of memory, or a crash); "
                "retry, or narrow the query down"
            ) from exc
        return answer, body

    def _kill(self) -> None:
        # Only the process: the pipes and the replacement are handled on the event loop's thread (`start`).
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    @property
    def pid(self) -> int | None:
        """The worker's process id, while it runs."""
        return self.process.pid if self.alive and self.process is not None else None


class QueryPool:
    """`workers` query processes with a waiting line of `queue`; `run` is called from the event loop."""

    def __init__(self, limits: SparqlLimits) -> None:
        self.limits = limits
        self._workers = [_Worker(limits.worker_memory_mb) for _ in range(limits.workers)]
        self._idle: asyncio.Queue[_Worker] | None = None
        self._admitted = 0  # running + waiting; only touched on the event loop, so no lock

    def start(self, snapshot: str | None = None) -> None:
        """Start the worker processes (and have them open `snapshot`)."""
        for worker in self._workers:
            worker.start()
            if snapshot:
                worker.open(snapshot)

    def close(self) -> None:
        """Stop every worker."""
        for worker in self._workers:
            worker.stop()

    @property
    def network_denied(self) -> bool | None:
        """True when every worker that has booted runs under the no-IP-sockets filter; None before any booted."""
        reports = [w.network_denied for w in self._workers if w.network_denied is not None]
        return all(reports) if reports else None

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w.pid for w in self._workers if w.pid is not None]

    def _queue(self) -> asyncio.Queue[_Worker]:
        # Created on first use, inside the event loop that serves the requests.
        if self._idle is None:
            self._idle = asyncio.Queue()
            for worker in self._workers:
                self._idle.put_nowait(worker)
        return self._idle

    async def run(self, job: Job) -> tuple[Answer, bytes]:
        """The answer to `job`: 429 when the line is full, 503 on timeout; never blocks the event loop."""
        timeout = self.limits.timeout_seconds
        if self._admitted >= self.limits.workers + self.limits.queue:
            raise TooManyQueries(
                f"{self.limits.workers} queries are running and {self.limits.queue} waiting; retry shortly",
                {"Retry-After": "1"},
            )
        self._admitted += 1
        try:
            idle = self._queue()
            try:
                worker = await asyncio.wait_for(idle.get(), timeout)
            except TimeoutError:
                raise QueryTimeout(
                    f"no query worker became free within {timeout:g} s; retry shortly", {"Retry-After": "1"}
                ) from None
            try:
                if not worker.alive:
                    worker.start()
                return await anyio.to_thread.run_sync(worker.call, job, timeout)
            finally:
                if not worker.alive:
                    worker.start()  # the replacement for a killed or crashed worker
                idle.put_nowait(worker)
        finally:
            self._admitted -= 1
