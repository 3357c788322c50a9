"""Calls into dependencies that may hang (a database behind a dead route, a stuck store), bounded in time.

Each `BoundedCall` runs its function on a daemon thread and waits at most a timeout for it. While a call is
still running, the next caller waits on the same one instead of starting another, so a dependency that hangs
costs one thread, not one per probe, and a stuck thread never holds up the process's exit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Generic, TypeVar

T = TypeVar("T")


class CallTimedOut(Exception):
    """The call did not finish within its timeout (it may still be running)."""


class BoundedCall(Generic[T]):
    """`fn()` with a timeout, at most one running at a time."""

    def __init__(self, name: str, fn: Callable[[], T]) -> None:
        self.name = name
        self.fn = fn
        self._lock = threading.Lock()
        self._running: Future[T] | None = None

    def start(self) -> Future[T]:
        """The running call, or a new one when none is running."""
        with self._lock:
            future = self._running
            if future is None or future.done():
                future = self._running = Future()
                threading.Thread(target=self._run, args=(future,), name=f"fedcat-{self.name}", daemon=True).start()
        return future

    def wait(self, future: Future[T], timeout: float) -> T:
        """`future`'s result; `CallTimedOut` when it takes over `timeout` seconds."""
        try:
            return future.result(max(timeout, 0.0))
        except FutureTimeout:
            raise CallTimedOut(f"{self.name} did not answer within {timeout:g} s") from None

    def __call__(self, timeout: float) -> T:
        """The result of a (possibly already running) call within `timeout` seconds."""
        return self.wait(self.start(), timeout)

    def _run(self, future: Future[T]) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(self.fn())
        except BaseException as exc:  # handed to the waiting caller, who decides
            future.set_exception(exc)
