"""Facet passes shared between the helper thread and the searching thread: each run once, errors passed on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from catalogue.search_passes import SharedPasses


def _run_on_helper(shared: SharedPasses[str, Any], keys: list[str], run: Callable[[str], Any]) -> threading.Thread:
    def helper() -> None:
        try:
            shared.start(7, keys, run)
        except RuntimeError:
            pass  # the caller gets it from `finish`
        finally:
            shared.helper_gone()

    thread = threading.Thread(target=helper)
    thread.start()
    return thread


def test_the_caller_takes_the_passes_left_from_the_back() -> None:
    shared: SharedPasses[str, str] = SharedPasses()
    first_started, release = threading.Event(), threading.Event()
    ran_by: dict[str, str] = {}

    def run(key: str) -> str:
        ran_by[key] = threading.current_thread().name
        if key == "a":
            first_started.set()
            assert release.wait(10)
        return key.upper()

    helper = _run_on_helper(shared, ["a", "b", "c"], run)
    assert first_started.wait(10)
    # The helper is stuck in "a": the caller runs "c" then "b" itself, then waits for "a".
    threading.Timer(0.2, release.set).start()
    done = shared.finish()
    helper.join(10)
    assert done == {"a": "A", "b": "B", "c": "C"} and shared.plan == 7
    assert ran_by["a"] == helper.name
    assert ran_by["b"] == ran_by["c"] == threading.current_thread().name


def test_every_pass_runs_once() -> None:
    shared: SharedPasses[str, int] = SharedPasses()
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def run(key: str) -> int:
        with lock:
            counts[key] = counts.get(key, 0) + 1
        return len(key)

    keys = [f"k{i}" * (i + 1) for i in range(50)]
    helper = _run_on_helper(shared, keys, run)
    done = shared.finish()
    helper.join(10)
    assert done == {k: len(k) for k in keys} and set(counts.values()) == {1}


def test_a_failed_pass_on_the_helper_reaches_the_caller() -> None:
    shared: SharedPasses[str, str] = SharedPasses()

    def run(key: str) -> str:
        raise RuntimeError(f"pass {key} failed")

    helper = _run_on_helper(shared, ["a"], run)
    with pytest.raises(RuntimeError, match="pass a failed"):
        shared.finish()
    helper.join(10)


def test_a_failed_pass_on_the_caller_is_raised() -> None:
    shared: SharedPasses[str, str] = SharedPasses()
    first_started, release = threading.Event(), threading.Event()

    def run(key: str) -> str:
        if key == "a":
            first_started.set()
            assert release.wait(10)
            return "A"
        raise RuntimeError(f"pass {key} failed")

    helper = _run_on_helper(shared, ["a", "b"], run)
    assert first_started.wait(10)
    with pytest.raises(RuntimeError, match="pass b failed"):
        shared.finish()
    release.set()
    helper.join(10)
    assert not helper.is_alive()


def test_nothing_to_count_is_an_empty_answer() -> None:
    shared: SharedPasses[str, str] = SharedPasses()
    shared.start(0, [], lambda key: key)
    assert shared.finish() == {}


def test_a_failed_plan_reaches_the_caller() -> None:
    shared: SharedPasses[str, str] = SharedPasses()
    shared.fail(ValueError("probe failed"))
    with pytest.raises(ValueError, match="probe failed"):
        shared.finish()


def test_a_helper_gone_without_a_plan_leaves_the_caller_to_count() -> None:
    shared: SharedPasses[str, str] = SharedPasses()
    threading.Timer(0.1, shared.helper_gone).start()
    assert shared.finish() is None
