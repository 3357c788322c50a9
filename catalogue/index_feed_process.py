"""The harvest's side of the index feed's writer process (`catalogue.index_feed_worker`).

Building a tantivy document and handing it to tantivy took a quarter of a harvest's main thread at 1M records,
while a fifth of the two cores went unused; in their own process they run beside the mapping (the 1M harvest:
1,017 -> 823 s, benchmarks/README.md). Records are sent as they are fed, without waiting for them to be indexed;
only the commit and the rollback wait for an answer.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from catalogue.errors import FedcatError
from catalogue.index_docs import IndexRecord


class IndexFeedFailed(FedcatError):
    """The index feed's writer process failed or died: nothing sent to it is committed."""

    status, type, title = 500, "index-feed-failed", "Search index update failed"


class FeedProcess:
    """A started writer process holding the writer lock of one index generation."""

    def __init__(self, process: subprocess.Popen[bytes], jobs: Connection, answers: Connection) -> None:
        self.process, self.jobs, self.answers = process, jobs, answers

    @classmethod
    def start(cls, generation: Path, heap: int) -> FeedProcess | None:
        """Start the writer process; None when another writer holds the generation's lock."""
        jobs_r, jobs_w = os.pipe()
        answers_r, answers_w = os.pipe()
        argv = [str(jobs_r), str(answers_w), str(os.getpid()), str(generation), str(heap)]
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "catalogue.index_feed_worker", *argv],
                pass_fds=(jobs_r, answers_w),
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            for fd in (jobs_w, answers_r):
                os.close(fd)
            raise
        finally:
            os.close(jobs_r)
            os.close(answers_w)
        feed = cls(process, Connection(jobs_w, readable=False), Connection(answers_r, writable=False))
        try:
            first = feed._answer()
        except IndexFeedFailed:
            feed._end()
            raise
        if first.get("ready"):
            return feed
        feed._end()
        if first.get("locked"):
            return None
        raise IndexFeedFailed(str(first.get("error", "the index writer process did not start")))

    def add(self, deletes: list[str], records: list[IndexRecord]) -> None:
        """Delete the documents of `deletes`, then add documents for `records` (not waited for)."""
        self._send("add", deletes, records)

    def commit(self) -> int:
        """Commit everything sent and wait for tantivy's merges; the commit's opstamp."""
        self._send("commit", [], [])
        answer = self._answer()
        self._end()
        if "committed" not in answer:
            raise IndexFeedFailed(f"the index update failed: {answer.get('error', answer)}")
        return int(answer["committed"])

    def rollback(self) -> None:
        """Drop everything sent; the writer process ends and its lock is released."""
        if self.process.poll() is None:
            try:
                self._send("rollback", [], [])
                self._answer()
            except IndexFeedFailed:
                pass  # it died: nothing was committed either way
        self._end()

    def _send(self, kind: str, deletes: list[str], records: list[IndexRecord]) -> None:
        try:
            self.jobs.send_bytes(pickle.dumps((kind, deletes, records), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:  # a broken pipe: the process died, most likely telling why on its way out
            raise IndexFeedFailed(f"the index writer process ended: {self._last_words() or exc}") from exc

    def _answer(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.answers.recv_bytes()))
        except (EOFError, OSError) as exc:
            self.process.wait()
            raise IndexFeedFailed(f"the index writer process ended (exit status {self.process.returncode})") from exc

    def _last_words(self) -> str:
        if self.answers.poll(0.5):
            try:
                return str(json.loads(self.answers.recv_bytes()).get("error", ""))
            except (EOFError, OSError, ValueError):
                return ""
        return ""

    def _end(self) -> None:
        for conn in (self.jobs, self.answers):
            conn.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
