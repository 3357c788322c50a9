"""Great Expectations 1.x: suites profiled from data, steward edits kept, validation, drift, broken suites."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from quality.suites import fingerprint, suite_path
from tests.test_quality_hosted import ADMISSIONS, Node, home_id, quality_node, quality_template

__all__ = ["quality_node", "quality_template"]


def write_table(path: Path, rows: int = 3000, *, shift: float = 0.0, null_every: int = 0, extra: bool = False) -> Path:
    """A hosted file with known properties: a unique key, patient ids, a small category, numbers, dates."""
    columns: dict[str, Any] = {
        "record_id": [f"R-{i:06d}" for i in range(rows)],
        "patient_id": [f"LU-P-{(i * 7919) % 1000:06d}" for i in range(rows)],
        "category": [("alpha", "beta", "gamma")[i % 3] for i in range(rows)],
        "amount": [float(i % 500) + shift for i in range(rows)],
        "visits": [None if null_every and i % null_every == 0 else i % 12 for i in range(rows)],
        "admitted": [date(2020, 1, 1) + timedelta(days=i % 365) for i in range(rows)],
    }
    if extra:
        columns["comment"] = ["ok"] * rows
    pq.write_table(pa.table(columns), path)
    return path


def suite_of(node: Node, ident: str) -> dict[str, Any]:
    return json.loads(suite_path(node.settings, ident).read_text())


def by_key(suite: dict[str, Any]) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(e["type"], e["kwargs"].get("column")): e for e in suite["expectations"]}


def latest_run(node: Node, ident: str) -> dict[str, Any]:
    runs = sorted((node.settings.home / "quality" / "results" / ident).glob("run-*.json"))
    return json.loads(runs[-1].read_text())


def test_profile_builds_the_suite_the_issue_asks_for(quality_node: Node, tmp_path: Path) -> None:
    node, ident = quality_node, home_id(ADMISSIONS)
    data = write_table(tmp_path / "v1.parquet", null_every=50)
    assert node.cli("data", "add", ident, str(data), "--no-validate").exit_code == 0
    result = node.cli("quality", "profile", ident)
    assert result.exit_code == 0, result.output
    suite = suite_of(node, ident)
    found = by_key(suite)
    assert found[("expect_table_columns_to_match_set", None)]["kwargs"]["column_set"] == [
        "record_id",
        "patient_id",
        "category",
        "amount",
        "visits",
        "admitted",
    ]
    band = found[("expect_table_row_count_to_be_between", None)]["kwargs"]
    assert band["min_value"] < 3000 < band["max_value"]
    for column in ("record_id", "patient_id", "category", "amount", "visits", "admitted"):
        assert ("expect_column_to_exist", column) in found
        assert ("expect_column_values_to_be_in_type_list", column) in found
    assert found[("expect_column_values_to_not_be_null", "amount")]["kwargs"] == {"column": "amount"}
    assert 0.95 < found[("expect_column_values_to_not_be_null", "visits")]["kwargs"]["mostly"] < 0.98
    assert ("expect_column_values_to_be_unique", "record_id") in found
    assert ("expect_column_values_to_be_unique", "patient_id") not in found  # 1000 patients, 3000 rows
    assert found[("expect_column_values_to_be_between", "amount")]["kwargs"] | {} == {
        "column": "amount",
        "min_value": 0.0,
        "max_value": 499.0,
    }
    assert found[("expect_column_values_to_be_between", "admitted")]["kwargs"]["min_value"] == "2020-01-01T00:00:00"
    assert found[("expect_column_values_to_be_in_set", "category")]["kwargs"]["value_set"] == ["alpha", "beta", "gamma"]
    # Identifying columns get no ranges and no value sets: their values would be the data itself.
    assert set(suite["meta"]["fedcat"]["identifier_columns"]) == {"record_id", "patient_id"}
    value_checks = ("expect_column_values_to_be_between", "expect_column_values_to_be_in_set")
    assert not [k for k in found if k[0] in value_checks and k[1] in ("record_id", "patient_id")]
    assert "LU-P-" not in suite_path(node.settings, ident).read_text()
    assert all(e["meta"]["fedcat"]["generated"] == fingerprint(e) for e in suite["expectations"])


def test_validate_runs_gx_and_publishes_counts_only(quality_node: Node, tmp_path: Path) -> None:
    node, ident = quality_node, home_id(ADMISSIONS)
    assert node.cli("data", "add", ident, str(write_table(tmp_path / "v1.parquet"))).exit_code == 0
    run = latest_run(node, ident)
    assert run["success"] and run["evaluated"] == run["successful"] > 20
    assert run["gx_version"] == "1.24.1"
    # Data that break the suite: 10 % of amounts out of range, and a category never seen.
    bad = write_table(tmp_path / "v2.parquet", shift=0.0)
    table = pq.read_table(bad).to_pydict()
    table["amount"] = [a + (1000 if i % 10 == 0 else 0) for i, a in enumerate(table["amount"])]
    table["category"][5] = "LU-SECRET-CATEGORY"
    pq.write_table(pa.table(table), bad)
    result = node.cli("data", "add", ident, str(bad))
    assert result.exit_code == 0, result.output
    assert "failed" in result.output
    run = latest_run(node, ident)
    failed = {(r["type"], r["column"]): r for r in run["results"] if not r["success"]}
    between = failed[("expect_column_values_to_be_between", "amount")]
    assert between["counts"]["unexpected_count"] == 300
    assert between["counts"]["unexpected_percent"] == pytest.approx(10.0)
    assert ("expect_column_values_to_be_in_set", "category") in failed
    text = json.dumps(run)
    assert "LU-SECRET-CATEGORY" not in text and "partial_unexpected" not in text and "LU-P-" not in text
    strict = node.cli("quality", "validate", ident, "--strict")
    assert strict.exit_code == 1


def test_steward_edits_survive_reprofiling(quality_node: Node, tmp_path: Path) -> None:
    node, ident = quality_node, home_id(ADMISSIONS)
    assert node.cli("data", "add", ident, str(write_table(tmp_path / "v1.parquet")), "--no-validate").exit_code == 0
    assert node.cli("quality", "profile", ident).exit_code == 0
    path = suite_path(node.settings, ident)
    suite = json.loads(path.read_text())
    found = by_key(suite)
    loosened = found[("expect_column_values_to_be_between", "amount")]
    loosened["kwargs"]["max_value"] = 10_000.0  # edited, not pinned: the fingerprint no longer matches
    pinned = found[("expect_table_row_count_to_be_between", None)]
    pinned["kwargs"] = {"min_value": 1, "max_value": 5}
    pinned["meta"]["fedcat"]["pinned"] = True
    found[("expect_column_values_to_be_in_set", "category")]["meta"]["fedcat"]["disabled"] = True
    suite["expectations"].append(
        {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "amount", "min_value": 0, "max_value": 1e6}}
    )
    path.write_text(json.dumps(suite, indent=2))
    # New data: more rows and a wider range, so every untouched expectation would change.
    assert (
        node.cli(
            "data", "add", ident, str(write_table(tmp_path / "v2.parquet", rows=5000, shift=7)), "--no-validate"
        ).exit_code
        == 0
    )
    result = node.cli("quality", "profile", ident)
    assert result.exit_code == 0 and "kept from the steward" in result.output
    again = by_key(json.loads(path.read_text()))
    assert again[("expect_column_values_to_be_between", "amount")]["kwargs"]["max_value"] == 10_000.0
    assert again[("expect_table_row_count_to_be_between", None)]["kwargs"] == {"min_value": 1, "max_value": 5}
    assert again[("expect_column_values_to_be_in_set", "category")]["meta"]["fedcat"]["disabled"] is True
    assert ("expect_column_mean_to_be_between", "amount") in again
    # Untouched generated expectations follow the data.
    assert again[("expect_column_values_to_be_between", "visits")]["kwargs"]["max_value"] == 11
    validated = node.cli("quality", "validate", ident)
    assert validated.exit_code == 0, validated.output
    run = latest_run(node, ident)
    types = [(r["type"], r["column"]) for r in run["results"]]
    assert ("expect_column_values_to_be_in_set", "category") not in types  # disabled
    assert ("expect_column_mean_to_be_between", "amount") in types
    pinned_result = next(r for r in run["results"] if r["type"] == "expect_table_row_count_to_be_between")
    assert not pinned_result["success"] and pinned_result["observed"] == 5000


def test_a_broken_suite_is_a_clear_error_and_nothing_changes(quality_node: Node, tmp_path: Path) -> None:
    node, ident = quality_node, home_id(ADMISSIONS)
    assert node.cli("data", "add", ident, str(write_table(tmp_path / "v1.parquet"))).exit_code == 0
    path = suite_path(node.settings, ident)
    runs = sorted((node.settings.home / "quality" / "results" / ident).glob("run-*.json"))
    broken = path.read_text()[:-40] + ",,"
    path.write_text(broken)
    for command in (("quality", "validate", ident), ("quality", "profile", ident), ("quality", "suite", "show", ident)):
        result = node.cli(*command)
        assert result.exit_code == 2, command
        assert "invalid-suite" in result.output and "not valid JSON" in result.output
    assert path.read_text() == broken, "profiling must not overwrite a suite it cannot read"
    assert sorted((node.settings.home / "quality" / "results" / ident).glob("run-*.json")) == runs
    assert (node.settings.data_path / ident / "data.parquet").is_file()
    unknown = {"expectations": [{"type": "expect_column_values_to_be_nonsense", "kwargs": {"column": "amount"}}]}
    path.write_text(json.dumps(unknown))
    result = node.cli("quality", "validate", ident)
    assert result.exit_code == 2 and "expect_column_values_to_be_nonsense" in result.output
    path.write_text(
        json.dumps({"expectations": [{"type": "expect_column_values_to_be_between", "kwargs": {"colum": "x"}}]})
    )
    result = node.cli("quality", "validate", ident)
    assert result.exit_code == 2 and "is not valid" in result.output


def test_drift_against_the_previous_data(quality_node: Node, tmp_path: Path) -> None:
    node, ident = quality_node, home_id(ADMISSIONS)
    assert node.cli("data", "add", ident, str(write_table(tmp_path / "v1.parquet"))).exit_code == 0
    assert latest_run(node, ident)["drift"] == []
    changed = write_table(tmp_path / "v2.parquet", shift=400.0, null_every=5, extra=True)
    result = node.cli("data", "add", ident, str(changed))
    assert result.exit_code == 0, result.output
    drift = {(d["kind"], d["column"]) for d in latest_run(node, ident)["drift"]}
    assert drift == {
        ("schema-change", "comment"),
        ("null-rate-jump", "visits"),
        ("range-shift", "amount"),
    }
    assert "range-shift:amount" in result.output
    # Validating the same bytes again keeps reporting the drift they brought.
    again = node.cli("quality", "validate", ident)
    assert {(d["kind"], d["column"]) for d in latest_run(node, ident)["drift"]} == drift
    assert again.exit_code == 0
    # A type change is a schema change too.
    table = pq.read_table(changed).to_pydict()
    table["visits"] = [str(v) for v in table["visits"]]
    pq.write_table(pa.table(table), tmp_path / "v3.parquet")
    assert node.cli("data", "add", ident, str(tmp_path / "v3.parquet")).exit_code == 0
    kinds = {(d["kind"], d["column"], d["detail"]) for d in latest_run(node, ident)["drift"]}
    assert ("schema-change", "visits", "type BIGINT -> VARCHAR") in kinds


def test_changed_only_skips_unchanged_files(quality_node: Node, tmp_path: Path) -> None:
    node, ident = quality_node, home_id(ADMISSIONS)
    assert node.cli("data", "add", ident, str(write_table(tmp_path / "v1.parquet"))).exit_code == 0
    result = node.cli("quality", "validate", "--changed-only")
    assert result.exit_code == 0 and "skipped" in result.output


def test_csv_data_validate_like_parquet(quality_node: Node) -> None:
    node, ident = quality_node, home_id(ADMISSIONS)
    result = node.cli("data", "add", ident, str(node.file(ADMISSIONS, ".csv")))
    assert result.exit_code == 0, result.output
    run = latest_run(node, ident)
    assert run["success"], [r for r in run["results"] if not r["success"]]
    assert {"patient_id", "national_id", "date_of_birth"} <= set(run["identifier_columns"])
