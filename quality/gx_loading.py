"""Importing Great Expectations: on a thread, early, and without the modules no fedcat suite needs up front.

`import great_expectations` takes seconds, and a third of that is SciPy's statistics package and Altair, which
GX imports at module level for two distribution tests (KL divergence, Kolmogorov-Smirnov) and their charts.
While GX imports, those two packages are loaded lazily (`importlib.util.LazyLoader`): the module object exists,
its code runs on first attribute access. A suite that uses one of those expectations pays the import then; the
others never do. Only the named pure-Python packages are deferred, and only during GX's own import.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
from collections.abc import Sequence
from types import ModuleType

DEFERRED = frozenset({"scipy", "scipy.stats", "altair"})
_lock = threading.Lock()
_thread: threading.Thread | None = None


class DeferredImports(importlib.abc.MetaPathFinder):
    """A meta-path finder that hands the named modules to a `LazyLoader`, leaving every other import alone."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """The spec the next finder gives, with its loader made lazy; None for names not deferred."""
        if fullname not in self.names:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is None:
                continue
            # Extension modules run their init in create_module: deferring them would defer nothing.
            if isinstance(spec.loader, importlib.machinery.SourceFileLoader):
                spec.loader = importlib.util.LazyLoader(spec.loader)
            return spec
        return None


def import_gx() -> None:
    """Import GX and its expectation registry, with `DEFERRED` loaded lazily while it does."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    finder = DeferredImports(DEFERRED)
    sys.meta_path.insert(0, finder)
    try:
        import great_expectations
        import great_expectations.expectations  # noqa: F401
    finally:
        sys.meta_path.remove(finder)


def preload_gx() -> None:
    """Start importing GX on a thread (idempotent): the import overlaps DuckDB's work, which frees the GIL."""
    global _thread
    with _lock:
        if _thread is None and "great_expectations" not in sys.modules:
            _thread = threading.Thread(target=import_gx, name="fedcat-gx-import", daemon=True)
            _thread.start()


def wait_for_gx() -> None:
    """Block until GX is imported: joins the preload thread, or imports here when none was started."""
    with _lock:
        thread = _thread
    if thread is not None:
        thread.join()
    if "great_expectations.expectations" not in sys.modules:
        import_gx()
