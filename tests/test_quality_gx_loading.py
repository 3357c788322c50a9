"""GX is imported with SciPy's statistics and Altair deferred, and the expectations that need them still work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run in a fresh interpreter: this test process has imported GX (and SciPy) long before.
SCRIPT = textwrap.dedent(
    """
    import json, sys
    from quality.gx_loading import DeferredImports, preload_gx, wait_for_gx
    preload_gx()
    wait_for_gx()
    seen = {
        "gx": "great_expectations.expectations" in sys.modules,
        "stats_loaded_after_import": "scipy.stats._stats_py" in sys.modules,
        "altair_loaded_after_import": "altair.vegalite" in sys.modules,
        "finder_left": any(isinstance(f, DeferredImports) for f in sys.meta_path),
    }
    import pandas as pd
    from quality.validation import run_suite
    frame = pd.DataFrame({"x": [0.2, 0.4, 1.5, 1.7] * 250})
    def kl(weights):
        kwargs = {"column": "x", "partition_object": {"bins": [0, 1, 2], "weights": weights}, "threshold": 0.1}
        return {"type": "expect_column_kl_divergence_to_be_less_than", "kwargs": kwargs}
    results = run_suite(frame, "kl", [(1, kl([0.5, 0.5])), (2, kl([0.9, 0.1]))])
    seen["success"] = [r.success for r in results]
    seen["observed"] = [float(r.result["observed_value"]) for r in results]
    seen["stats_loaded_after_use"] = "scipy.stats._stats_py" in sys.modules
    print(json.dumps(seen))
    """
)


def test_gx_imports_without_scipy_stats_and_loads_it_when_a_suite_needs_it() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["gx"] is True
    assert seen["stats_loaded_after_import"] is False
    assert seen["altair_loaded_after_import"] is False
    assert seen["finder_left"] is False  # later imports anywhere in the process are ordinary
    # KL divergence runs SciPy: an even split matches the data (0.0); a 90/10 split does not:
    # 0.5 ln(0.5/0.9) + 0.5 ln(0.5/0.1).
    assert seen["success"] == [True, False]
    assert seen["observed"][0] == 0.0
    assert abs(seen["observed"][1] - 0.5108256) < 1e-6
    assert seen["stats_loaded_after_use"] is True


def test_waiting_without_a_preload_imports_gx_there() -> None:
    script = (
        "import sys; from quality.gx_loading import wait_for_gx; wait_for_gx(); "
        "print('great_expectations.expectations' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "True"


def test_the_console_script_still_reports_and_exits_with_the_status_after_freezing(tmp_path: Path) -> None:
    """`main()` freezes the heap before the interpreter exits: the output, the error text and the status stay."""
    home = tmp_path / "node"
    env = {**os.environ, "FEDCAT_HOME": str(home)}
    run = [sys.executable, "-m", "catalogue"]
    ok = subprocess.run([*run, "version"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip()
    made = subprocess.run([*run, "init"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    missing = subprocess.run(
        [*run, "quality", "validate", "no-such-dataset"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert missing.returncode == 2, missing.stdout + missing.stderr
    assert "[not-found]" in missing.stderr and "no-such-dataset" in missing.stderr
