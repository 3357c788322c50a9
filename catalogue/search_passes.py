"""A search's facet passes, shared between the index's helper thread and the thread that ranks the hits.

A search with filters counts its facets in several aggregation passes: one for the unfiltered facets, and one
per filtered facet (its counts without its own filter). The helper thread plans them and runs them from the
front of the queue; the searching thread, once its hits are ranked and read, runs the ones left from the back
instead of waiting idle for the helper to do them one after another, then waits for the one still running.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SharedPasses(Generic[K, V]):
    """Passes keyed by `K`, each run once by whichever thread takes it first."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._todo: deque[K] | None = None  # None until the helper has planned the passes
        self._run: Callable[[K], V] | None = None
        self._done: dict[K, V] = {}
        self._running = 0
        self._error: BaseException | None = None
        self._helper_gone = False
        self.plan = 0  # what the passes were planned for (`search_facets.facet_plan`)

    def start(self, plan: int, keys: Sequence[K], run: Callable[[K], V]) -> None:
        """The helper: publish the passes `plan` needs, then run them from the front."""
        with self._cond:
            self.plan, self._run, self._todo = plan, run, deque(keys)
            self._cond.notify_all()
        self._work(front=True)

    def fail(self, error: BaseException) -> None:
        """The helper could not plan the passes: the caller gets `error`."""
        with self._cond:
            self._error = error
            self._cond.notify_all()

    def helper_gone(self) -> None:
        """The helper's task ended (or was never run): wake a caller still waiting for the plan."""
        with self._cond:
            self._helper_gone = True
            self._cond.notify_all()

    def finish(self) -> dict[K, V] | None:
        """The caller: run the passes still queued, wait for those running; None when none were ever planned."""
        with self._cond:
            self._cond.wait_for(lambda: self._todo is not None or self._error is not None or self._helper_gone)
            if self._todo is None and self._error is None:
                return None
        self._work(front=False)
        with self._cond:
            self._cond.wait_for(lambda: self._error is not None or (not self._todo and self._running == 0))
            if self._error is not None:
                raise self._error
            return dict(self._done)

    def _work(self, front: bool) -> None:
        while True:
            with self._cond:
                if not self._todo or self._error is not None or self._run is None:
                    return
                key = self._todo.popleft() if front else self._todo.pop()
                self._running += 1
                run = self._run
            try:
                value = run(key)
            except BaseException as error:
                with self._cond:
                    self._running -= 1
                    self._error = self._error or error
                    self._cond.notify_all()
                raise
            with self._cond:
                self._running -= 1
                self._done[key] = value
                self._cond.notify_all()
