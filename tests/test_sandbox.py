"""The sandbox engine against real DuckDB files from the demo generator: views, pseudonyms, formats, lifecycle.

The abuse cases are in `test_sandbox_abuse.py`, the disclosure rules in `test_output_checks.py`.
"""

from __future__ import annotations

import io
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.ipc as paipc
import pyarrow.parquet as pq
import pytest

from access.pseudonyms import key_path, project_key, pseudonym
from access.sandbox import (
    ApprovedDataset,
    AuditUnavailable,
    Entitlement,
    EntitlementInvalid,
    QueryFailed,
    QueryTimeout,
    Sandbox,
    SandboxLimits,
    SandboxNotFound,
    SandboxRevoked,
    UnknownView,
)
from catalogue.nodehome import init_home
from demo.generate import generate
from demo.model import DemoManifest, HostedEntry

ADMISSION_COLUMNS = ("patient_id", "national_id", "sex", "canton", "diagnosis_icd10", "admission_date", "cost_eur")


@dataclass
class DemoNode:
    """A node home whose `data/` holds the demo generator's hosted Parquet / CSV files."""

    home: Path
    manifest: DemoManifest

    def hosted(self, kind: str, mode: str) -> tuple[str, HostedEntry]:
        """The first hosted dataset of `kind` released as `mode`: (slug, entry)."""
        for iri, entry in self.manifest.hosted.items():
            if entry.kind == kind and entry.access_mode == mode:
                return iri.rsplit("/", 1)[-1], entry
        raise LookupError(f"no hosted {kind} dataset released as {mode}")

    def both_formats(self) -> tuple[str, HostedEntry]:
        """A hosted dataset with a Parquet and a CSV distribution."""
        for iri, entry in self.manifest.hosted.items():
            if len(entry.files) == 2:
                return iri.rsplit("/", 1)[-1], entry
        raise LookupError("no dataset hosted in two formats")

    def path(self, relative: str) -> Path:
        return self.home / relative


class FakeClock:
    """An injectable clock the tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def limits(**overrides: Any) -> SandboxLimits:
    """Test limits: no spare worker process unless a test is about it (each one costs an interpreter start)."""
    return SandboxLimits(**{"warm_spare": False, **overrides})


@pytest.fixture(scope="session")
def demo_node(tmp_path_factory: pytest.TempPathFactory) -> DemoNode:
    home = tmp_path_factory.mktemp("sandbox") / "node"
    init_home(home)
    manifest = generate(home, partner_datasets=0)  # writes home/data/*.parquet and *.csv
    return DemoNode(home, manifest)


def admissions(node: DemoNode, view: str = "admissions", **overrides: Any) -> ApprovedDataset:
    """The row-level hospital admissions, three identifiers handled three ways."""
    slug, entry = node.hosted("admissions", "row-level")
    fields: dict[str, Any] = {
        "dataset_id": slug,
        "view_name": view,
        "files": (Path(entry.path),),
        "columns": ADMISSION_COLUMNS[:1] + ADMISSION_COLUMNS[2:],  # national_id is not approved
        "row_filter": "canton <> 'Capellen'",
        "pseudonymise": ("patient_id",),
        "access_mode": "row-level",
    }
    fields.update(overrides)
    return ApprovedDataset(**fields)


def discharges(node: DemoNode, view: str = "discharges") -> ApprovedDataset:
    """An aggregate-only health dataset."""
    slug, entry = node.hosted("admissions", "aggregate-only")
    return ApprovedDataset(
        dataset_id=slug,
        view_name=view,
        files=(node.path(entry.path),),
        columns=("patient_id", "sex", "canton", "commune", "diagnosis_icd10", "length_of_stay", "cost_eur"),
        pseudonymise=("patient_id",),
        access_mode="aggregate-only",
    )


def entitlement(project: str, *datasets: ApprovedDataset, days: int = 30, now: datetime | None = None) -> Entitlement:
    start = now or datetime.now(UTC)
    return Entitlement(project_id=project, datasets=datasets, expires_at=start + timedelta(days=days))


@pytest.fixture(scope="module")
def sandbox(demo_node: DemoNode) -> Iterator[Sandbox]:
    """Projects `alpha` (admissions, discharges, a bus dataset) and `beta` (bikes), shared by read-only tests."""
    bus_slug, bus = demo_node.hosted("bus", "row-level")
    bikes_slug, bikes = demo_node.hosted("bikes", "row-level")
    with Sandbox(demo_node.home, limits(timeout_seconds=5, grace_seconds=1, max_rows=500)) as sb:
        sb.materialise(
            entitlement(
                "alpha",
                admissions(demo_node),
                discharges(demo_node),
                ApprovedDataset(bus_slug, "bus_delays", (Path(bus.path),)),
            )
        )
        sb.materialise(entitlement("beta", ApprovedDataset(bikes_slug, "bike_stations", (Path(bikes.path),))))
        yield sb


def raw(node: DemoNode, sql: str) -> list[tuple[Any, ...]]:
    """The same data read straight from the hosted file, for comparison (outside any sandbox)."""
    return duckdb.connect().execute(sql).fetchall()


# -- views -----------------------------------------------------------------------------------------------------


def test_views_expose_only_the_approved_columns_named_after_the_dataset(sandbox: Sandbox, demo_node: DemoNode) -> None:
    views = {v.name: v for v in sandbox.views("alpha")}
    assert set(views) == {"admissions", "discharges", "bus_delays"}
    admitted = views["admissions"]
    assert [c.name for c in admitted.columns] == ["patient_id", *ADMISSION_COLUMNS[2:]]
    assert {c.name: c.type for c in admitted.columns}["patient_id"] == "VARCHAR"
    assert {c.name: c.type for c in admitted.columns}["admission_date"] == "DATE"
    assert admitted.access_mode == "row-level" and views["discharges"].access_mode == "aggregate-only"
    assert admitted.dataset_id == demo_node.hosted("admissions", "row-level")[0]
    # Nothing about files leaks into what a project sees of its views.
    assert "data/" not in json.dumps([v.to_dict() for v in views.values()])


def test_a_view_hides_unapproved_columns_and_filtered_rows(sandbox: Sandbox, demo_node: DemoNode) -> None:
    with pytest.raises(QueryFailed, match="national_id"):
        sandbox.query("alpha", "SELECT national_id FROM admissions", actor="alice")
    result = sandbox.query("alpha", "SELECT count(*) AS n FROM admissions WHERE canton = 'Capellen'", actor="alice")
    assert result.rows == [[0]]
    file = demo_node.path(demo_node.hosted("admissions", "row-level")[1].path)
    expected = raw(demo_node, f"SELECT count(*) FROM read_parquet('{file}') WHERE canton <> 'Capellen'")[0][0]
    assert sandbox.query("alpha", "SELECT count(*) FROM admissions", actor="alice").rows == [[expected]]


def test_direct_identifiers_are_replaced_by_the_project_keyed_hash(sandbox: Sandbox, demo_node: DemoNode) -> None:
    file = demo_node.path(demo_node.hosted("admissions", "row-level")[1].path)
    first = raw(
        demo_node,
        f"SELECT patient_id, admission_date, cost_eur FROM read_parquet('{file}') "
        "WHERE cost_eur IS NOT NULL AND canton <> 'Capellen' LIMIT 1",
    )[0]
    result = sandbox.query(
        "alpha",
        f"SELECT patient_id FROM admissions WHERE admission_date = DATE '{first[1]}' AND cost_eur = {first[2]}",
        actor="alice",
    )
    key = project_key(demo_node.home, "alpha")
    assert result.rows == [[pseudonym(key, first[0])]]
    assert len(result.rows[0][0]) == 32 and first[0] not in json.dumps(result.rows)
    # No raw patient id anywhere in what the project can read.
    sample = sandbox.query("alpha", "SELECT patient_id FROM admissions LIMIT 200", actor="alice").rows
    assert not any(str(row[0]).startswith("LU-P-") for row in sample)


def test_pseudonyms_link_within_a_project_and_differ_between_projects(demo_node: DemoNode) -> None:
    with Sandbox(demo_node.home, limits(timeout_seconds=5, grace_seconds=1)) as sb:
        sb.materialise(entitlement("link-a", admissions(demo_node, "first"), admissions(demo_node, "second")))
        sb.materialise(entitlement("link-b", admissions(demo_node)))
        same = sb.query("link-a", "SELECT count(*) FROM first f JOIN second s USING (patient_id)", actor="a")
        self_join = sb.query("link-a", "SELECT count(*) FROM first f JOIN first s USING (patient_id)", actor="a")
        assert same.rows == self_join.rows  # the same identifier hashes alike in two views of one project
        a = sb.query("link-a", "SELECT patient_id FROM first ORDER BY admission_date, cost_eur LIMIT 5", actor="a")
        b = sb.query("link-b", "SELECT patient_id FROM admissions ORDER BY admission_date, cost_eur LIMIT 5", actor="b")
        assert a.row_count == 5 and not {r[0] for r in a.rows} & {r[0] for r in b.rows}


def test_the_project_key_is_private_random_and_kept(demo_node: DemoNode) -> None:
    key = project_key(demo_node.home, "key-test")
    path = key_path(demo_node.home, "key-test")
    assert path.parent == demo_node.home / "keys" / "projects"
    assert len(key) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert project_key(demo_node.home, "key-test") == key
    assert project_key(demo_node.home, "key-test-2") != key
    with pytest.raises(ValueError):
        key_path(demo_node.home, "../escape")


def test_the_sql_pseudonym_macro_matches_the_python_one() -> None:
    from access.pseudonyms import macro_sql

    key = bytes(range(32))
    con = duckdb.connect()
    con.execute(macro_sql(key))
    values = ["LU-P-000001", "Ésch-sur-Alzette", 12345, None]
    got = [con.execute("SELECT fedcat_pseudonym(?)", [v]).fetchone()[0] for v in values]  # type: ignore[index]
    assert got == [pseudonym(key, v) for v in values]


# -- queries and formats ---------------------------------------------------------------------------------------


def test_json_result_shape(sandbox: Sandbox) -> None:
    result = sandbox.query(
        "alpha",
        "SELECT canton, count(*) AS n, min(admission_date) AS first FROM admissions GROUP BY canton ORDER BY canton",
        actor="alice",
    )
    body = result.to_json()
    assert set(body) == {"columns", "rows", "row_count", "truncated", "suppressed", "datasets"}
    assert body["columns"] == [
        {"name": "canton", "type": "VARCHAR"},
        {"name": "n", "type": "BIGINT"},
        {"name": "first", "type": "DATE"},
    ]
    assert body["row_count"] == len(body["rows"]) > 5 and body["truncated"] is False and body["suppressed"] == []
    assert isinstance(body["rows"][0][2], str)  # dates are ISO strings
    json.dumps(body)  # JSON-ready


@pytest.mark.parametrize("fmt", ["csv", "parquet", "arrow"])
def test_byte_formats_carry_the_same_rows(sandbox: Sandbox, fmt: str) -> None:
    sql = (
        "SELECT line, count(*) AS n, round(avg(delay_minutes), 2) AS delay FROM bus_delays GROUP BY line ORDER BY line"
    )
    as_json = sandbox.query("alpha", sql, actor="alice")
    result = sandbox.query("alpha", sql, actor="alice", fmt=fmt)  # type: ignore[arg-type]
    assert result.data and result.rows == [] and result.row_count == as_json.row_count
    if fmt == "csv":
        assert result.media_type.startswith("text/csv")
        options = pacsv.ConvertOptions(column_types={"line": pa.string()})
        table = pacsv.read_csv(io.BytesIO(result.data), convert_options=options)
    elif fmt == "parquet":
        table = pq.read_table(io.BytesIO(result.data))
    else:
        assert result.media_type == "application/vnd.apache.arrow.stream"
        table = paipc.open_stream(result.data).read_all()
    assert table.column_names == ["line", "n", "delay"]
    assert [list(row.values()) for row in table.to_pylist()] == as_json.rows


def test_rows_are_capped_per_response(sandbox: Sandbox) -> None:
    result = sandbox.query("alpha", "SELECT * FROM bus_delays", actor="alice")
    assert result.row_count == 500 and result.truncated is True and len(result.rows) == 500
    exact = sandbox.query("alpha", "SELECT * FROM bus_delays LIMIT 500", actor="alice")
    assert exact.row_count == 500 and exact.truncated is False


def test_aggregate_only_data_answers_with_checked_aggregates(sandbox: Sandbox) -> None:
    result = sandbox.query(
        "alpha",
        "SELECT canton, diagnosis_icd10, count(*) AS n FROM discharges GROUP BY ALL ORDER BY n, canton, 2",
        actor="alice",
    )
    small = [row for row in result.rows if row[2] is None]
    assert small, "the demo's rare diagnoses make small groups"
    assert all(row == [None, None, None] for row in small)  # small groups are withheld whole
    assert {s["rule"] for s in result.suppressed} == {"threshold"}
    assert {s["column"] for s in result.suppressed} == {"canton", "diagnosis_icd10", "n"}
    assert all(row[2] >= 10 for row in result.rows if row[2] is not None)
    assert result.datasets == (sandbox.views("alpha")[1].dataset_id,)


def test_one_project_cannot_see_name_or_list_another_projects_views(sandbox: Sandbox) -> None:
    assert [v.name for v in sandbox.views("beta")] == ["bike_stations"]
    with pytest.raises(UnknownView) as other:
        sandbox.query("alpha", "SELECT * FROM bike_stations", actor="alice")
    with pytest.raises(UnknownView) as nobody:
        sandbox.query("alpha", "SELECT * FROM no_such_view", actor="alice")
    # "Not yours" and "does not exist" are the same answer.
    assert other.value.message.replace("bike_stations", "X") == nobody.value.message.replace("no_such_view", "X")
    assert sandbox.query("beta", "SELECT count(*) FROM bike_stations", actor="bob").rows[0][0] > 0


def test_concurrent_queries_of_four_projects(demo_node: DemoNode) -> None:
    bus_slug, bus = demo_node.hosted("bus", "row-level")
    with Sandbox(demo_node.home, limits(timeout_seconds=10, grace_seconds=1)) as sb:
        for k in range(4):
            sb.materialise(entitlement(f"four-{k}", ApprovedDataset(bus_slug, "bus", (Path(bus.path),))))
        errors: list[BaseException] = []
        counts: list[int] = []

        def work(k: int) -> None:
            try:
                for _ in range(5):
                    sql = "SELECT operator, count(*) FROM bus GROUP BY operator"
                    counts.append(sum(r[1] for r in sb.query(f"four-{k}", sql, actor=f"user{k}").rows))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors and len(counts) == 20 and len(set(counts)) == 1


# -- files the views may read ----------------------------------------------------------------------------------


def test_csv_hosted_data_and_two_distributions(demo_node: DemoNode) -> None:
    slug, entry = demo_node.both_formats()
    csv = next(f for f in entry.files if f.endswith(".csv"))
    with Sandbox(demo_node.home, limits(timeout_seconds=5, grace_seconds=1)) as sb:
        sb.materialise(entitlement("csv-only", ApprovedDataset(slug, "from_csv", (Path(csv),))))
        sb.materialise(entitlement("both", ApprovedDataset(slug, "from_both", tuple(Path(f) for f in entry.files))))
        from_csv = sb.query("csv-only", "SELECT count(*) FROM from_csv", actor="a").rows
        assert from_csv == sb.query("both", "SELECT count(*) FROM from_both", actor="a").rows == [[entry.rows]]
        # Two distributions of one table: the view reads the Parquet one and may read nothing else.
        allowed = sb.worker_spec("both")["allowed_paths"]
        assert len(allowed) == 1 and allowed[0].endswith(".parquet")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"columns": ("patient_id", "shoe_size")}, "shoe_size"),
        ({"pseudonymise": ("national_id",)}, "not approved"),
        ({"view_name": "duckdb_settings"}, "invalid view name"),
        ({"view_name": "data/x.parquet"}, "invalid view name"),
        ({"row_filter": "getenv('HOME') = canton"}, "row filter"),
        ({"row_filter": "canton = 'x' UNION SELECT * FROM read_csv('/etc/passwd')"}, "row filter"),
        ({"row_filter": "canton = (SELECT max(canton) FROM read_parquet('x'))"}, "row filter"),
        ({"files": (Path("data/missing.parquet"),)}, "does not exist"),
        ({"access_mode": "everything"}, "access mode"),
    ],
)
def test_approvals_the_engine_refuses(demo_node: DemoNode, change: dict[str, Any], message: str) -> None:
    sb = Sandbox(demo_node.home, limits())
    try:
        with pytest.raises(EntitlementInvalid, match=message):
            sb.materialise(entitlement("refused", admissions(demo_node, **change)))
        assert not list((sb.root / "refused").glob("views.*.duckdb"))
    finally:
        sb.close()


def test_invalid_project_ids_and_expired_approvals(demo_node: DemoNode) -> None:
    with Sandbox(demo_node.home, limits()) as sb:
        with pytest.raises(EntitlementInvalid, match="project id"):
            sb.materialise(entitlement("../../etc", admissions(demo_node)))
        with pytest.raises(EntitlementInvalid, match="expired"):
            sb.materialise(entitlement("late", admissions(demo_node), days=-1))
        with pytest.raises(SandboxNotFound):
            sb.query("never-approved", "SELECT 1", actor="a")


# -- lifecycle: approval, revocation, expiry, audit ------------------------------------------------------------


def test_approval_to_first_query_is_quick(demo_node: DemoNode) -> None:
    with Sandbox(demo_node.home, limits(warm_spare=True)) as sb:
        spare = sb._spare
        assert spare is not None and spare.alive()  # started with the service, before any approval
        started = time.perf_counter()
        sb.materialise(entitlement("quick", admissions(demo_node), discharges(demo_node)))
        assert sb.query("quick", "SELECT count(*) FROM admissions", actor="a").row_count == 1
        # The benchmark measures this precisely (under 1 s); here a loaded CI machine gets headroom.
        assert time.perf_counter() - started < 5
        assert sb.worker_pid("quick") == spare.pid  # the approval took the spare
        assert sb._spare is not None and sb._spare is not spare  # and the next one is on its way


def test_revocation_removes_access_and_reapproval_restores_it(demo_node: DemoNode) -> None:
    with Sandbox(demo_node.home, limits(timeout_seconds=5, grace_seconds=1)) as sb:
        sb.materialise(entitlement("gamma", admissions(demo_node)))
        before = sb.query("gamma", "SELECT patient_id FROM admissions ORDER BY admission_date LIMIT 3", actor="a")
        database = Path(sb.worker_spec("gamma")["database"])
        assert database.exists()
        sb.revoke("gamma")
        assert not database.exists()
        with pytest.raises(SandboxRevoked):
            sb.query("gamma", "SELECT 1", actor="a")
        with pytest.raises(SandboxRevoked):
            sb.views("gamma")
        sb.revoke("gamma")  # idempotent
        sb.revoke("never-approved")
        sb.materialise(entitlement("gamma", admissions(demo_node)))
        after = sb.query("gamma", "SELECT patient_id FROM admissions ORDER BY admission_date LIMIT 3", actor="a")
        assert after.rows == before.rows  # same project, same key, same pseudonyms
    # A new service process knows the state from disk.
    with Sandbox(demo_node.home, limits()) as restarted:
        assert restarted.query("gamma", "SELECT count(*) FROM admissions", actor="a").row_count == 1
        restarted.revoke("gamma")
    with Sandbox(demo_node.home, limits()) as again, pytest.raises(SandboxRevoked):
        again.query("gamma", "SELECT 1", actor="a")


def test_a_new_approval_rebuilds_the_views(demo_node: DemoNode) -> None:
    with Sandbox(demo_node.home, limits()) as sb:
        sb.materialise(entitlement("rebuild", admissions(demo_node, columns=("sex", "canton"), pseudonymise=())))
        assert sb.query("rebuild", "SELECT count(DISTINCT canton) FROM admissions", actor="a").rows[0][0] > 5
        with pytest.raises(QueryFailed):
            sb.query("rebuild", "SELECT cost_eur FROM admissions", actor="a")
        sb.materialise(entitlement("rebuild", admissions(demo_node, columns=("sex", "cost_eur"), pseudonymise=())))
        assert [c.name for c in sb.views("rebuild")[0].columns] == ["sex", "cost_eur"]
        assert sb.query("rebuild", "SELECT count(cost_eur) > 0 FROM admissions", actor="a").rows == [[True]]
        with pytest.raises(QueryFailed):
            sb.query("rebuild", "SELECT canton FROM admissions", actor="a")
        assert len(list((sb.root / "rebuild").glob("views.*.duckdb"))) == 1  # the old build is gone


def test_expiry_by_the_injected_clock_needs_no_revoke(demo_node: DemoNode) -> None:
    clock = FakeClock()
    with Sandbox(demo_node.home, limits(), clock=clock) as sb:
        sb.materialise(entitlement("delta", admissions(demo_node), days=1, now=clock.now))
        assert sb.query("delta", "SELECT 1", actor="a").rows == [[1]]
        clock.now += timedelta(days=1, seconds=1)
        with pytest.raises(SandboxRevoked) as refused:
            sb.query("delta", "SELECT 1", actor="a")
        assert refused.value.extra["reason"] == "expired"
        assert not list((sb.root / "delta").glob("views.*.duckdb"))
        with pytest.raises(SandboxRevoked):
            sb.views("delta")


def test_sweep_revokes_expired_projects(demo_node: DemoNode) -> None:
    clock = FakeClock()
    with Sandbox(demo_node.home, limits(), clock=clock) as sb:
        sb.materialise(entitlement("sweep-old", admissions(demo_node), days=1, now=clock.now))
        sb.materialise(entitlement("sweep-new", admissions(demo_node), days=9, now=clock.now))
        clock.now += timedelta(days=2)
        assert "sweep-old" in sb.sweep() and "sweep-new" not in sb.sweep()
        assert sb.query("sweep-new", "SELECT 1", actor="a").rows == [[1]]


def test_every_query_is_audited_whatever_its_outcome(demo_node: DemoNode) -> None:
    records: list[dict[str, Any]] = []
    with Sandbox(demo_node.home, limits(), audit=records.append) as sb:
        sb.materialise(entitlement("audited", admissions(demo_node), discharges(demo_node)))
        sb.query("audited", "SELECT sex, count(*) FROM admissions WHERE sex IS NOT NULL GROUP BY sex", actor="alice")
        with pytest.raises(UnknownView):
            sb.query("audited", "SELECT * FROM secret_table", actor="mallory")
        sb.query("audited", "SELECT diagnosis_icd10, count(*) FROM discharges GROUP BY 1", actor="alice")
    assert len(records) == 3
    ok, refused, checked = records
    assert ok["actor"] == "alice" and ok["project_id"] == "audited" and ok["outcome"] == "ok"
    assert ok["sql"].startswith("SELECT sex") and ok["rows"] == 2
    assert ok["datasets"] == [admissions(demo_node).dataset_id]
    assert refused["outcome"] == "unknown-view" and refused["actor"] == "mallory" and refused["rows"] == 0
    assert checked["suppressed_cells"] > 0 and checked["datasets"] == [discharges(demo_node).dataset_id]
    assert {"at", "format", "truncated", "seconds"} <= set(ok)


def test_no_result_leaves_without_its_audit_record(demo_node: DemoNode) -> None:
    def broken(record: dict[str, Any]) -> None:
        raise OSError("audit store down")

    with Sandbox(demo_node.home, limits(), audit=broken) as sb:
        sb.materialise(entitlement("unaudited", admissions(demo_node)))
        with pytest.raises(AuditUnavailable):
            sb.query("unaudited", "SELECT count(*) FROM admissions", actor="alice")


# -- workers -----------------------------------------------------------------------------------------------------


def test_a_timeout_interrupts_the_query_on_the_same_connection(demo_node: DemoNode) -> None:
    with Sandbox(demo_node.home, limits(timeout_seconds=1, grace_seconds=1)) as sb:
        sb.materialise(entitlement("slow", admissions(demo_node)))
        sb.query("slow", "SELECT 1", actor="a")
        project = sb._projects["slow"]
        assert project.worker is not None
        pid = project.worker.pid
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            sb.query("slow", "SELECT count(*) FROM admissions a, admissions b, admissions c", actor="a")
        assert time.monotonic() - started < 3
        assert sb.query("slow", "SELECT 2", actor="a").rows == [[2]]
        assert project.worker is not None and project.worker.pid == pid  # interrupted, not killed


def test_a_query_deaf_to_the_interrupt_costs_its_worker(demo_node: DemoNode) -> None:
    # Building one 300 MB string is a single function call DuckDB does not interrupt.
    with Sandbox(demo_node.home, limits(timeout_seconds=1, grace_seconds=0.5)) as sb:
        sb.materialise(entitlement("deaf", admissions(demo_node)))
        sb.query("deaf", "SELECT 1", actor="a")
        worker = sb._projects["deaf"].worker
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            sb.query("deaf", "SELECT length(lpad('x', 300000000, 'y'))", actor="a")
        assert time.monotonic() - started < 4
        assert sb.query("deaf", "SELECT 4", actor="a").rows == [[4]]
        assert sb._projects["deaf"].worker is not worker


def test_a_worker_that_stops_answering_is_killed_and_replaced(demo_node: DemoNode) -> None:
    with Sandbox(demo_node.home, limits(timeout_seconds=1, grace_seconds=0.5)) as sb:
        sb.materialise(entitlement("hung", admissions(demo_node)))
        sb.query("hung", "SELECT 1", actor="a")
        worker = sb._projects["hung"].worker
        assert worker is not None and worker.pid is not None
        os.kill(worker.pid, signal.SIGSTOP)  # a worker deaf to everything: the backstop must kill it
        stat = Path(f"/proc/{worker.pid}/stat")
        deadline = time.monotonic() + 5
        while stat.read_text().rsplit(")", 1)[1].split()[0] != "T":  # stopped for sure before the query is sent
            assert time.monotonic() < deadline, "the worker did not stop"
            time.sleep(0.01)
        try:
            with pytest.raises(QueryTimeout):
                sb.query("hung", "SELECT 1", actor="a")
        finally:
            if worker.alive():
                os.kill(worker.pid, signal.SIGCONT)
        assert not worker.alive()
        assert sb.query("hung", "SELECT 3", actor="a").rows == [[3]]  # a fresh worker
        assert sb._projects["hung"].worker is not worker


def test_workers_are_confined_by_seccomp_on_linux(sandbox: Sandbox) -> None:
    sandbox.query("alpha", "SELECT 1", actor="a")
    worker = sandbox._projects["alpha"].worker
    assert worker is not None and worker.ready is not None
    if os.uname().machine not in ("x86_64", "aarch64"):
        pytest.skip("the seccomp filter is written for x86_64 and aarch64")
    assert worker.ready["confined"] is True


def test_idle_workers_beyond_the_limit_are_stopped(demo_node: DemoNode) -> None:
    with Sandbox(demo_node.home, limits(max_workers=2)) as sb:
        for name in ("lru-1", "lru-2", "lru-3"):
            sb.materialise(entitlement(name, admissions(demo_node)))
        live = [p for p in sb._projects.values() if p.worker is not None and p.worker.alive()]
        assert len(live) <= 2
        assert sb.query("lru-1", "SELECT 1", actor="a").rows == [[1]]  # a stopped worker comes back on demand
