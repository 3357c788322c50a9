"""Peak memory of a process together with its descendants (the harvest and its index feed's writer process).

`wait4`'s `ru_maxrss` is the peak of the largest single process, not of the processes together, so a command
that starts helpers is also sampled: the sum of their resident sets, every `interval` seconds. Shared pages
(the Python runtime both map) count once per process, so the sum errs high.
"""

from __future__ import annotations

import threading
from pathlib import Path


def tree_rss_kb(pid: int) -> int:
    """Resident kB of `pid` and every descendant it has now (0 for a process already gone)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        for task in tasks:
            try:
                pending += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
    return total


class TreeRssSampler:
    """Samples `tree_rss_kb(pid)` on a thread until `stop()`; `peak_mb` is the highest sum seen."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        self.pid, self.interval, self.peak_kb = pid, interval, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid))
            self._done.wait(self.interval)

    def stop(self) -> float:
        """Stop sampling; the peak in MB."""
        self._done.set()
        self._thread.join()
        return self.peak_kb / 1024
