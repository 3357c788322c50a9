"""The sandbox wired to the workflow through the real app: approval -> views -> query -> revoke, audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from access.sandbox import SandboxLimits
from access.sandbox_service import SandboxService
from tests.access_support import build_node, cli, live

COMMUNES = ["Esch", "Luxembourg", "Diekirch"]


def _write_data(path: Path, rows: int) -> None:
    # Esch has 60 rows, Luxembourg 36, Diekirch 4 (a small cell).
    communes = [COMMUNES[0]] * 60 + [COMMUNES[1]] * 36 + [COMMUNES[2]] * 4
    table = pa.table(
        {
            "patient_id": [f"P{i:04d}" for i in range(rows)],
            "commune": communes[:rows],
            "age": [20 + i % 60 for i in range(rows)],
            "length_of_stay": [1 + i % 9 for i in range(rows)],
        }
    )
    pq.write_table(table, path)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    home = tmp_path_factory.mktemp("sandbox") / "node"
    ids = build_node(home)
    for name, mode in (("stays", "row-level"), ("census", "aggregate-only")):
        source = home / f"{name}.parquet"
        _write_data(source, 100)
        added = cli(home, "data", "add", ids[name], str(source), "--access", mode, "--no-validate")
        assert added.exit_code == 0, added.output
    with live(home) as served:
        served.ids = ids  # type: ignore[attr-defined]
        served.home = home  # type: ignore[attr-defined]
        # Small row cap, so the cap is visible in a test.
        served.app.state.sandbox_service = SandboxService(served.runtime, SandboxLimits(max_rows=5, warm_spare=False))
        yield served


def call(node: Any, user: str, method: str, path: str, body: Any = None) -> Any:
    with node.client(node.token(user)) as client:
        return client.request(method, path, json=body)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def approved_project(node: Any, dataset: str, steward: str, granted: list[str]) -> tuple[str, str]:
    """alice's project with an approved, column-narrowed request for `dataset`; (project id, request id)."""
    body = {"title": f"Stays {dataset}", "purpose": "Study stays.", "members": ["bob"]}
    project = ok(call(node, "alice", "POST", "/api/projects", body), 201)["id"]
    ds = node.ids[dataset]
    request = {
        "project_id": project,
        "datasets": [ds],
        "columns": {ds: ["patient_id", "commune", "age", "length_of_stay"]},
        "purpose": "Length of stay by commune.",
        "duo_codes": ["DS", "NCU"],
        "legal_basis": "GDPR Art. 9(2)(j) scientific research",
        "accept_terms": True,
        "duration_days": 90,
    }
    request_id = ok(call(node, "alice", "POST", "/api/access-requests", request), 201)["id"]
    ok(call(node, "alice", "POST", f"/api/access-requests/{request_id}/submit"))
    decision = {
        "decision": "approve",
        "reason": "ok, without patient ids",
        "columns": granted,
        "end_date": (date.today() + timedelta(days=30)).isoformat(),
    }
    ok(call(node, steward, "POST", f"/api/access-requests/{request_id}/decision", decision))
    return project, request_id


@pytest.fixture(scope="module")
def stays(node: Any) -> tuple[str, str]:
    return approved_project(node, "stays", "sam", ["commune", "age", "length_of_stay"])


def test_views_show_only_the_approved_columns_and_a_query_is_capped(node: Any, stays: tuple[str, str]) -> None:
    project, _ = stays
    views = ok(call(node, "bob", "GET", f"/api/projects/{project}/views"))["views"]
    assert len(views) == 1 and views[0]["dataset_id"] == node.ids["stays"]
    assert [c["name"] for c in views[0]["columns"]] == ["commune", "age", "length_of_stay"]
    view = views[0]["name"]
    result = ok(call(node, "alice", "POST", f"/api/projects/{project}/query", {"sql": f"SELECT * FROM {view}"}))
    assert [c["name"] for c in result["columns"]] == ["commune", "age", "length_of_stay"]
    assert result["row_count"] == 5 and len(result["rows"]) == 5 and result["truncated"] is True
    assert result["suppressed"] == []
    refused = call(node, "alice", "POST", f"/api/projects/{project}/query", {"sql": f"SELECT patient_id FROM {view}"})
    assert refused.status_code == 400 and refused.headers["content-type"].startswith("application/problem+json")
    csv = call(
        node,
        "alice",
        "POST",
        f"/api/projects/{project}/query",
        {"sql": f"SELECT count(*) AS n FROM {view}", "format": "csv"},
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[-1].strip('"') == "100"


def test_aggregate_only_suppresses_small_cells_and_refuses_rows(node: Any) -> None:
    project, _ = approved_project(node, "census", "sue", ["commune", "age", "length_of_stay"])
    view = ok(call(node, "alice", "GET", f"/api/projects/{project}/views"))["views"][0]["name"]
    sql = f"SELECT commune, count(*) AS n FROM {view} GROUP BY commune ORDER BY commune"
    result = ok(call(node, "alice", "POST", f"/api/projects/{project}/query", {"sql": sql}))
    assert result["suppressed"], result
    assert all(s.get("rule") for s in result["suppressed"])
    rows = {r[0]: r[1] for r in result["rows"]}
    assert rows["Esch"] == 60 and rows["Luxembourg"] == 36, result
    assert any(s.get("column") == "n" for s in result["suppressed"]), result
    refused = call(node, "alice", "POST", f"/api/projects/{project}/query", {"sql": f"SELECT * FROM {view}"})
    assert refused.status_code == 403 and refused.json()["type"].endswith("row-level-refused")


def test_non_members_get_404(node: Any, stays: tuple[str, str]) -> None:
    project, _ = stays
    for path, method, body in (("views", "GET", None), ("query", "POST", {"sql": "SELECT 1"})):
        response = call(node, "mallory", method, f"/api/projects/{project}/{path}", body)
        assert response.status_code == 404, response.text
    missing = call(node, "alice", "GET", "/api/projects/prj_nope/views")
    assert missing.status_code == 404


def test_revoke_refuses_the_next_query_and_the_audit_chain_holds(node: Any, stays: tuple[str, str]) -> None:
    project, request_id = stays
    view = ok(call(node, "alice", "GET", f"/api/projects/{project}/views"))["views"][0]["name"]
    sql = {"sql": f"SELECT count(*) AS n FROM {view}"}
    ok(call(node, "alice", "POST", f"/api/projects/{project}/query", sql))
    ok(call(node, "sam", "POST", f"/api/access-requests/{request_id}/revoke", {"reason": "ethics withdrawn"}))
    refused = call(node, "alice", "POST", f"/api/projects/{project}/query", sql)
    assert refused.status_code == 403 and refused.json()["type"].endswith("sandbox-revoked"), refused.text
    assert call(node, "alice", "GET", f"/api/projects/{project}/views").status_code == 403
    events = ok(call(node, "ada", "GET", "/api/audit?kind=sandbox.query&limit=1000"))["events"]
    mine = [e for e in events if e["subject"] == project]
    assert {e["data"]["outcome"] for e in mine} >= {"ok", "sandbox-revoked"}
    assert all(e["actor"] == "user:alice" and e["data"]["sql"] for e in mine)
    assert any(e["data"]["datasets"] == [node.ids["stays"]] and e["data"]["rows"] == 1 for e in mine)
    # The steward of the dataset's publisher sees the query events too.
    steward = ok(call(node, "sam", "GET", "/api/audit?kind=sandbox.query&limit=1000"))["events"]
    assert any(e["subject"] == project for e in steward)
    verified = cli(node.home, "audit", "verify")
    assert verified.exit_code == 0, verified.output


def test_cli_query_as_a_member(node: Any) -> None:
    project, _ = approved_project(node, "stays", "sam", ["commune", "length_of_stay"])
    view = ok(call(node, "alice", "GET", f"/api/projects/{project}/views"))["views"][0]["name"]
    sql = f"SELECT count(*) AS n FROM {view}"
    done = cli(node.home, "sandbox", "query", project, sql, "--as", "bob", "--format", "csv")
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[-1].strip('"') == "100"
    refused = cli(node.home, "sandbox", "query", project, sql, "--as", "mallory")
    assert refused.exit_code != 0
