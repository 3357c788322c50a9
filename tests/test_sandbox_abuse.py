"""Hostile input against the sandbox, each case against real DuckDB over the demo generator's hosted files.

Two lines of defence are tested separately:

* through `Sandbox.query` (the SQL gate, then the worker): every attack is refused with a typed error;
* behind the gate (a worker started with the project's own spec and sent raw SQL, as if the gate had a hole):
  DuckDB's locked configuration and the worker's seccomp filter still refuse other files, writes, extensions
  and settings. These tests also record what DuckDB alone does *not* stop (a direct read of an approved file),
  which is why the gate exists.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from access.pseudonyms import project_key
from access.sandbox import (
    ApprovedDataset,
    EntitlementInvalid,
    ForbiddenSql,
    InvalidSql,
    MemoryLimit,
    QueryFailed,
    QueryTimeout,
    RowLevelRefused,
    Sandbox,
    SandboxLimits,
    SandboxRevoked,
    SeveralStatements,
    SqlTooLarge,
    UnknownView,
)
from access.sandbox_worker import WorkerHandle
from catalogue.errors import FedcatError
from tests.test_sandbox import DemoNode, admissions, demo_node, discharges, entitlement

__all__ = ["demo_node"]  # the session fixture, shared with test_sandbox

LIMITS = SandboxLimits(timeout_seconds=1.5, grace_seconds=1, memory_limit="64MB", max_rows=100, warm_spare=False)


@pytest.fixture(scope="module")
def sandbox(demo_node: DemoNode) -> Iterator[Sandbox]:
    """`victim` (admissions row-level, discharges aggregate-only) and `other` (bikes), hostile limits."""
    bikes_slug, bikes = demo_node.hosted("bikes", "row-level")
    with Sandbox(demo_node.home, LIMITS) as sb:
        sb.materialise(entitlement("victim", admissions(demo_node), discharges(demo_node)))
        sb.materialise(entitlement("other", ApprovedDataset(bikes_slug, "bike_stations", (Path(bikes.path),))))
        yield sb


@pytest.fixture(scope="module")
def files(demo_node: DemoNode, sandbox: Sandbox) -> dict[str, str]:
    """Absolute paths an attacker would aim at."""
    home = demo_node.home
    return {
        "other_db": sandbox.worker_spec("other")["database"],
        "approved": str(home / demo_node.hosted("admissions", "row-level")[1].path),
        "aggregate": str(home / demo_node.hosted("admissions", "aggregate-only")[1].path),
        "other": str(home / demo_node.hosted("bikes", "row-level")[1].path),
        "unapproved": str(home / demo_node.hosted("loans", "row-level")[1].path),
        "data": str(home / "data"),
        "home": str(home),
    }


def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def refused(sb: Sandbox, sql: str, error: type[FedcatError], project: str = "victim") -> FedcatError:
    with pytest.raises(error) as caught:
        sb.query(project, sql, actor="mallory")
    return caught.value


# -- reading other files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * FROM read_csv('/etc/passwd', sep = ':')",
        "SELECT * FROM read_csv_auto('{home}/fedcat.toml')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM read_blob('/etc/shadow')",
        "SELECT * FROM read_json('{home}/demo/manifest.json')",
        "SELECT national_id FROM read_parquet('{approved}')",  # the approved file itself, bypassing the view
        "SELECT * FROM read_parquet(['{approved}', '{unapproved}'])",
        "SELECT * FROM read_parquet('{other}')",  # another project's file
        "SELECT * FROM parquet_metadata('{approved}')",
        "SELECT * FROM parquet_schema('{approved}')",
        "SELECT * FROM glob('{data}/*')",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM sniff_csv('/etc/passwd')",
        "SELECT * FROM '{approved}'",  # a file name as a table (replacement scan)
        "SELECT * FROM '/etc/passwd'",
        "FROM 'data/x.csv'",
        "SELECT * FROM query('SELECT * FROM read_text(''/etc/passwd'')')",
        "SELECT * FROM query_table('admissions')",
        "SELECT (SELECT count(*) FROM read_parquet('{approved}')) AS n",
        "SELECT * FROM admissions WHERE patient_id IN (SELECT national_id FROM read_parquet('{approved}'))",
        "WITH x AS (SELECT * FROM read_parquet('{approved}')) SELECT * FROM x",
        "SELECT * FROM admissions, LATERAL (SELECT * FROM read_text('/etc/hostname'))",
    ],
)
def test_reading_any_other_file_is_refused(sandbox: Sandbox, files: dict[str, str], template: str) -> None:
    error = refused(sandbox, template.format(**files), ForbiddenSql)
    assert "not allowed" in error.message


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM '../data/loans.parquet'",
        "SELECT * FROM read_parquet('{data}/../data/../../../etc/passwd')",
        "SELECT * FROM read_csv('{data}/../fedcat.toml')",
        "SELECT * FROM read_parquet('{data}/../sandbox/projects/other/' || 'views.duckdb')",
        "SELECT * FROM read_parquet('{other_db}')",
    ],
)
def test_path_traversal_in_queries_is_refused(sandbox: Sandbox, files: dict[str, str], sql: str) -> None:
    refused(sandbox, sql.format(**files), ForbiddenSql)


@pytest.mark.parametrize(
    "path",
    ["data/../fedcat.toml", "data/" + "../" * 30 + "etc/passwd", "/etc/passwd", "data", "keys/projects/victim.key"],
)
def test_path_traversal_in_approvals_is_refused(demo_node: DemoNode, path: str) -> None:
    with Sandbox(demo_node.home, LIMITS) as sb, pytest.raises(EntitlementInvalid, match="hosted data file"):
        sb.materialise(entitlement("traversal", admissions(demo_node, files=(Path(path),))))


def test_a_symlink_out_of_the_hosted_data_is_refused(demo_node: DemoNode, tmp_path: Path) -> None:
    secret = tmp_path / "salaries.csv"
    secret.write_text("name,salary\nalice,1\n")
    link = demo_node.home / "data" / "innocent.csv"
    link.symlink_to(secret)
    try:
        with Sandbox(demo_node.home, LIMITS) as sb, pytest.raises(EntitlementInvalid, match="hosted data"):
            sb.materialise(entitlement("symlink", ApprovedDataset("x", "innocent", (Path("data/innocent.csv"),))))
    finally:
        link.unlink()


# -- statements that are not a read ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "ATTACH '{other_db}' AS other",
        "ATTACH ':memory:' AS scratch",
        "ATTACH '{data}/stolen.duckdb'",
        "DETACH victim",
        "USE other",
    ],
)
def test_attach_is_refused(sandbox: Sandbox, files: dict[str, str], template: str) -> None:
    refused(sandbox, template.format(**files), ForbiddenSql)


@pytest.mark.parametrize(
    "template",
    [
        "COPY (SELECT * FROM admissions) TO '/tmp/exfiltrated.csv'",
        "COPY (SELECT 1 AS x) TO '{approved}' (FORMAT parquet, USE_TMP_FILE false)",
        "COPY admissions TO '{data}/copy.parquet' (FORMAT parquet)",
        "COPY (SELECT 1) TO '{data}' (FORMAT csv, PARTITION_BY (x))",
        "EXPORT DATABASE '/tmp/dump'",
        "CREATE TABLE stolen AS SELECT * FROM admissions",
        "CREATE TEMP VIEW admissions AS SELECT * FROM read_parquet('{approved}')",
        "CREATE OR REPLACE TEMP MACRO fedcat_pseudonym(v) AS v",
        "INSERT INTO admissions VALUES (1)",
        "DROP VIEW admissions",
    ],
)
def test_writes_are_refused_and_files_stay_intact(sandbox: Sandbox, files: dict[str, str], template: str) -> None:
    before = digest(files["approved"])
    refused(sandbox, template.format(**files), ForbiddenSql)
    assert digest(files["approved"]) == before
    assert not Path("/tmp/exfiltrated.csv").exists() and not (Path(files["data"]) / "copy.parquet").exists()


@pytest.mark.parametrize(
    "sql",
    ["INSTALL httpfs", "FORCE INSTALL httpfs", "INSTALL quack FROM community", "LOAD httpfs", "LOAD '/tmp/x.ext'"],
)
def test_install_and_load_are_refused(sandbox: Sandbox, sql: str) -> None:
    refused(sandbox, sql, ForbiddenSql)


@pytest.mark.parametrize(
    "sql",
    [
        "SET memory_limit = '100GB'",
        "SET threads = 64",
        "SET GLOBAL enable_external_access = true",
        "SET allowed_paths = ['/etc/passwd']",
        "SET lock_configuration = false",
        "SET temp_directory = '/tmp'",
        "RESET memory_limit",
        "RESET GLOBAL threads",
        "PRAGMA memory_limit = '100GB'",
        "PRAGMA threads = 64",
        "CALL pragma_version()",
        "SELECT set_config('memory_limit', '100GB', false)",
    ],
)
def test_changing_any_limit_is_refused(sandbox: Sandbox, sql: str) -> None:
    refused(sandbox, sql, ForbiddenSql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT getenv('HOME')",
        "SELECT current_setting('allowed_paths')",
        "SELECT * FROM duckdb_settings()",
        "SELECT sql FROM duckdb_views()",
        "SELECT macro_definition FROM duckdb_functions() WHERE function_name = 'fedcat_pseudonym'",
        "SELECT * FROM duckdb_databases()",
        "SELECT fedcat_pseudonym('LU-P-000001')",  # a dictionary attack on the pseudonyms
        "SELECT main.abs(1)",
        "SELECT system.main.getenv('HOME')",
        "SELECT $1",
        "SELECT list_transform([1, 2], x -> x + 1)",
        "SELECT * FROM admissions AT (VERSION => 1)",
        "DESCRIBE admissions",
        "SUMMARIZE admissions",
        "EXPLAIN SELECT * FROM admissions",
        "SELECT * FROM information_schema.views",
        "SELECT * FROM pg_catalog.pg_views",
    ],
)
def test_environment_settings_and_view_definitions_stay_hidden(sandbox: Sandbox, sql: str) -> None:
    with pytest.raises((ForbiddenSql, UnknownView)) as caught:
        sandbox.query("victim", sql, actor="mallory")
    key = project_key(sandbox.home, "victim").hex()
    assert key not in caught.value.message and str(sandbox.home) not in caught.value.message


@pytest.mark.parametrize("sql", ["duckdb_views", "duckdb_settings", "sqlite_master", "pragma_database_list"])
def test_system_views_by_bare_name_are_unknown(sandbox: Sandbox, sql: str) -> None:
    refused(sandbox, f"SELECT * FROM {sql}", UnknownView)
    refused(sandbox, f"WITH a AS (FROM {sql}), {sql} AS (SELECT 1) FROM a", UnknownView)  # no CTE smuggling


# -- several statements, sizes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1; SELECT 2",
        "SELECT count(*) FROM admissions; COPY admissions TO '/tmp/x.csv'",
        "SELECT 1; SET memory_limit = '10GB'",
        "SET lock_configuration = false; SELECT 1",
    ],
)
def test_several_statements_in_one_request_are_refused(sandbox: Sandbox, sql: str) -> None:
    with pytest.raises((SeveralStatements, ForbiddenSql)) as caught:
        sandbox.query("victim", sql, actor="mallory")
    assert isinstance(caught.value, SeveralStatements) or "only SELECT" in caught.value.message


def test_one_statement_with_a_trailing_semicolon_is_fine(sandbox: Sandbox) -> None:
    assert sandbox.query("victim", "SELECT 1 AS one;", actor="alice").rows == [[1]]


def test_oversized_and_deeply_nested_sql(sandbox: Sandbox) -> None:
    refused(sandbox, "SELECT " + "1 + " * 40_000 + "1", SqlTooLarge)
    refused(sandbox, "SELECT " + "(" * 400 + "1" + ")" * 400, InvalidSql)
    refused(sandbox, "", InvalidSql)
    assert sandbox.query("victim", "SELECT 2 AS two", actor="alice").rows == [[2]]


# -- other projects --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM bike_stations",
        'SELECT * FROM "bike_stations"',
        "SELECT * FROM BIKE_STATIONS",
        "SELECT * FROM admissions a JOIN bike_stations b ON true",
    ],
)
def test_another_projects_views_cannot_be_named(sandbox: Sandbox, sql: str) -> None:
    refused(sandbox, sql, UnknownView)


@pytest.mark.parametrize("sql", ["SELECT * FROM other.main.bike_stations", "SELECT * FROM main.bike_stations"])
def test_qualified_names_are_refused(sandbox: Sandbox, sql: str) -> None:
    refused(sandbox, sql, ForbiddenSql)


# -- resources -------------------------------------------------------------------------------------------------


def test_a_huge_cross_join_hits_the_memory_limit_and_the_service_stays_up(sandbox: Sandbox) -> None:
    error = refused(
        sandbox,
        "SELECT a.patient_id, b.patient_id FROM admissions a CROSS JOIN admissions b ORDER BY 1, 2",
        MemoryLimit,
    )
    assert "64MB" in error.message and error.status == 422
    assert sandbox.query("victim", "SELECT count(*) FROM admissions", actor="alice").row_count == 1


def test_an_endless_recursive_cte_times_out_and_the_service_stays_up(sandbox: Sandbox) -> None:
    started = time.monotonic()
    error = refused(
        sandbox, "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t", QueryTimeout
    )
    assert error.status == 503 and time.monotonic() - started < LIMITS.timeout_seconds + LIMITS.grace_seconds + 1
    assert sandbox.query("victim", "SELECT 3 AS three", actor="alice").rows == [[3]]


def test_revoking_a_project_mid_query_interrupts_it(demo_node: DemoNode) -> None:
    limits = SandboxLimits(timeout_seconds=30, grace_seconds=1, warm_spare=False)
    with Sandbox(demo_node.home, limits) as sb:
        sb.materialise(entitlement("midway", admissions(demo_node)))
        sb.query("midway", "SELECT 1", actor="alice")
        outcome: dict[str, Any] = {}

        def long_query() -> None:
            try:
                sb.query("midway", "SELECT count(*) FROM admissions a, admissions b, admissions c", actor="alice")
                outcome["error"] = None
            except Exception as exc:
                outcome["error"] = exc
            outcome["at"] = time.monotonic()

        thread = threading.Thread(target=long_query)
        thread.start()
        time.sleep(0.5)
        revoked_at = time.monotonic()
        sb.revoke("midway")
        thread.join(10)
        assert isinstance(outcome["error"], SandboxRevoked)
        assert outcome["at"] - revoked_at < 3  # interrupted, not waited for (the timeout is 30 s)
        with pytest.raises(SandboxRevoked):
            sb.query("midway", "SELECT 1", actor="alice")


# -- aggregate-only data ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM discharges",
        "SELECT patient_id, cost_eur FROM discharges",
        "SELECT canton, cost_eur FROM discharges GROUP BY canton",
        "SELECT DISTINCT patient_id FROM discharges",
        "SELECT max(cost_eur) FROM discharges",
        "SELECT canton, min(length_of_stay) FROM discharges GROUP BY canton",
        "SELECT string_agg(patient_id, ',') FROM discharges",
        "SELECT list(cost_eur) FROM discharges",
        "SELECT canton, quantile_disc(cost_eur, 0.99) FROM discharges GROUP BY canton",
        "SELECT a.patient_id, count(*) FROM discharges a JOIN discharges b ON true GROUP BY 1",  # count inflation
        "SELECT patient_id, count(*) FROM (SELECT * FROM discharges UNION ALL SELECT * FROM discharges) GROUP BY 1",
        "WITH d AS (SELECT * FROM discharges) SELECT patient_id, count(*) FROM d GROUP BY 1",
        "SELECT canton, count(*) FROM discharges GROUP BY 1 UNION ALL SELECT patient_id, 1 FROM discharges",
        "SELECT patient_id, row_number() OVER () FROM discharges",
        "SELECT canton, count(*) FROM discharges WHERE cost_eur > (SELECT avg(cost_eur) FROM discharges) GROUP BY 1",
        "SELECT patient_id FROM discharges QUALIFY count(*) OVER (PARTITION BY patient_id) = 1",
        "SELECT patient_id FROM discharges a, admissions b WHERE a.patient_id = b.patient_id",
    ],
)
def test_row_level_output_from_aggregate_only_data_is_refused(sandbox: Sandbox, sql: str) -> None:
    refused(sandbox, sql, RowLevelRefused)


def test_grouping_by_an_identifier_releases_nothing(sandbox: Sandbox) -> None:
    result = sandbox.query("victim", "SELECT patient_id, count(*) AS n FROM discharges GROUP BY 1", actor="mallory")
    assert result.row_count == LIMITS.max_rows and result.truncated
    assert all(row == [None, None] for row in result.rows)
    assert len(result.suppressed) == 2 * result.row_count


def test_errors_do_not_carry_the_key_or_server_paths(sandbox: Sandbox) -> None:
    error = refused(sandbox, "SELECT CAST(patient_id AS INTEGER) FROM admissions", QueryFailed)
    assert project_key(sandbox.home, "victim").hex() not in error.message
    assert str(sandbox.home) not in error.message


# -- behind the gate: DuckDB's settings and the seccomp filter -------------------------------------------------


@pytest.fixture(scope="module")
def bypass(sandbox: Sandbox) -> Iterator[WorkerHandle]:
    """The victim's worker, sent raw SQL as if the gate had a hole."""
    worker = WorkerHandle(sandbox.worker_spec("victim"))
    worker.start()
    worker.wait_ready(15)
    yield worker
    worker.close()


def raw_sql(worker: WorkerHandle, sql: str) -> dict[str, Any]:
    header, _ = worker.call(sql, max_rows=5, timeout=5, grace=1)
    return header


def test_behind_the_gate_duckdb_alone_would_let_an_approved_file_be_read_whole(
    bypass: WorkerHandle, files: dict[str, str]
) -> None:
    # This is the finding the gate answers: allowed_paths opens a file for every query, not only for the view.
    answer = raw_sql(bypass, f"SELECT national_id FROM read_parquet('{files['approved']}') LIMIT 1")
    assert answer["ok"] is True


def test_behind_the_gate_views_need_their_files_allowed_at_query_time(sandbox: Sandbox) -> None:
    spec = {**sandbox.worker_spec("victim"), "allowed_paths": []}
    worker = WorkerHandle(spec)
    worker.start()
    try:
        worker.wait_ready(15)
        answer = raw_sql(worker, "SELECT count(*) FROM admissions")
        assert answer["ok"] is False and "Permission" in answer["message"]
    finally:
        worker.close()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * FROM read_csv('/etc/passwd', sep = ':')",
        "SELECT * FROM read_text('{home}/keys/projects/victim.key')",
        "SELECT * FROM read_parquet('{other}')",
        "SELECT * FROM read_parquet('{unapproved}')",
        "SELECT * FROM glob('{data}/*')",
        "SELECT * FROM sniff_csv('/etc/passwd')",
        "ATTACH '{other_db}' AS other",
        "COPY (SELECT 1) TO '/tmp/fedcat-exfiltrated.csv'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET memory_limit = '100GB'",
        "SET enable_external_access = true",
        "SET allowed_paths = ['/etc/passwd']",
        "SET lock_configuration = false",
        "RESET threads",
        "SELECT * FROM bike_stations",
    ],
)
def test_behind_the_gate_duckdb_still_refuses(bypass: WorkerHandle, files: dict[str, str], template: str) -> None:
    answer = raw_sql(bypass, template.format(**files))
    assert answer["ok"] is False, answer
    assert not Path("/tmp/fedcat-exfiltrated.csv").exists()
    assert project_key(Path(files["home"]), "victim").hex() not in answer["message"]


@pytest.mark.parametrize(
    "options", ["(FORMAT parquet, USE_TMP_FILE false)", "(FORMAT csv, USE_TMP_FILE false)", "(FORMAT parquet)"]
)
def test_behind_the_gate_an_approved_file_cannot_be_overwritten(
    bypass: WorkerHandle, files: dict[str, str], options: str
) -> None:
    # DuckDB's allowed_paths would allow this write; the worker's seccomp filter is what refuses it.
    if not (bypass.ready or {}).get("confined"):
        pytest.skip("seccomp is not available on this machine")
    before = digest(files["approved"])
    answer = raw_sql(bypass, f"COPY (SELECT 1 AS x) TO '{files['approved']}' {options}")
    assert answer["ok"] is False and "ermission" in answer["message"]
    assert digest(files["approved"]) == before


def test_the_allow_lists_name_real_functions_of_the_right_kind() -> None:
    import duckdb

    from access.sandbox_sql import AGGREGATES, OPERATORS, SCALAR_FUNCTIONS, WINDOW_FUNCTIONS

    kinds: dict[str, set[str]] = {}
    catalogue = duckdb.connect().execute("SELECT function_name, function_type FROM duckdb_functions()").fetchall()
    for name, kind in catalogue:
        kinds.setdefault(name, set()).add(kind)
    assert all(kinds.get(n, set()) & {"scalar", "macro"} for n in SCALAR_FUNCTIONS | OPERATORS), "unknown scalar"
    assert all("aggregate" in kinds.get(n, set()) for n in AGGREGATES), "unknown aggregate"
    assert all(kinds.get(n) for n in WINDOW_FUNCTIONS), "unknown window function"
    reaching_out = {"getenv", "current_setting", "read_text", "read_blob", "glob", "sniff_csv", "query", "md5"}
    assert not reaching_out & (SCALAR_FUNCTIONS | AGGREGATES | WINDOW_FUNCTIONS | OPERATORS)


def test_the_worker_inherits_no_service_secrets(demo_node: DemoNode, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEDCAT_STORE__PASSWORD", "hunter2")
    with Sandbox(demo_node.home, LIMITS) as sb:
        sb.materialise(entitlement("environ", admissions(demo_node)))
        sb.query("environ", "SELECT 1", actor="mallory")
        worker = sb._projects["environ"].worker
        assert worker is not None and worker.pid is not None
        environment = Path(f"/proc/{worker.pid}/environ").read_bytes()
        assert b"hunter2" not in environment and b"FEDCAT_" not in environment


def test_wide_rows_are_cut_at_a_byte_budget(demo_node: DemoNode) -> None:
    with Sandbox(demo_node.home, SandboxLimits(max_rows=10_000, max_result_bytes=64 * 1024, warm_spare=False)) as sb:
        sb.materialise(entitlement("wide", admissions(demo_node)))
        result = sb.query("wide", "SELECT lpad(canton, 5000, '#') AS padded FROM admissions", actor="mallory")
        assert result.truncated and 0 < result.row_count < 100


def test_behind_the_gate_the_connection_is_set_up_as_documented(bypass: WorkerHandle, files: dict[str, str]) -> None:
    import pyarrow.ipc as paipc

    settings = [
        "enable_external_access",
        "lock_configuration",
        "autoload_known_extensions",
        "autoinstall_known_extensions",
        "allow_community_extensions",
        "allowed_directories",
        "allowed_paths",
        "threads",
        "memory_limit",
        "temp_directory",
        "python_enable_replacements",
    ]
    sql = "SELECT " + ", ".join(f"current_setting('{name}') AS {name}" for name in settings)
    header, body = bypass.call(sql, max_rows=1, timeout=5, grace=1)
    assert header["ok"], header
    row = paipc.open_stream(body).read_all().to_pylist()[0]
    assert row["enable_external_access"] is False and row["lock_configuration"] is True
    assert row["autoload_known_extensions"] is False and row["autoinstall_known_extensions"] is False
    assert row["allow_community_extensions"] is False and row["python_enable_replacements"] is False
    assert row["allowed_directories"] == []  # never a whole directory
    approved = [p for p in row["allowed_paths"] if not Path(p).name.startswith("views.")]
    assert sorted(approved) == sorted([files["approved"], files["aggregate"]])  # exactly the approved files
    assert row["threads"] == LIMITS.threads and row["temp_directory"] == ""
    assert row["memory_limit"].startswith("61")  # 64 MB, as DuckDB prints it (61.0 MiB)
