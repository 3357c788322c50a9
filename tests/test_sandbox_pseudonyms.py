"""Approvals that pseudonymise identifiers, sandbox limits from the settings, and the periodic sweep, through the
real app served on 127.0.0.1: steward decision (API and web form) -> entitlement -> views -> POST .../query."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from access.pseudonyms import pseudonym
from access.runtime import utcnow
from catalogue.config import Settings, load_settings
from tests.access_support import build_node, cli, live
from tests.test_sandbox_api import call, ok
from tests.test_web_pages import sign_in, token_of

HEX = re.compile(r"^[0-9a-f]{32}$")
# Small limits, so that each visibly changes what a query returns. The sweep is hourly here, so that what happens
# "at once" is not the sweep's doing; the expiry test starts an app that sweeps every 0.3 s.
SANDBOX = {"max_rows": 7, "suppression_threshold": 40, "sweep_seconds": 3600, "warm_spare": False}


def _write(path: Path) -> None:
    # Row i: patient P{i:04d}, Esch for 60 rows, Luxembourg 36, Diekirch 4; age 20 + i % 60.
    communes = ["Esch"] * 60 + ["Luxembourg"] * 36 + ["Diekirch"] * 4
    table = pa.table(
        {
            "patient_id": [f"P{i:04d}" for i in range(100)],
            "commune": communes,
            "age": [20 + i % 60 for i in range(100)],
            "length_of_stay": [1 + i % 9 for i in range(100)],
        }
    )
    pq.write_table(table, path)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    home = tmp_path_factory.mktemp("pseudonyms") / "node"
    ids = build_node(home)
    for name, mode in (("stays", "row-level"), ("census", "aggregate-only")):
        _write(home / f"{name}.parquet")
        added = cli(home, "data", "add", ids[name], str(home / f"{name}.parquet"), "--access", mode, "--no-validate")
        assert added.exit_code == 0, added.output
    with live(home, sandbox=SANDBOX) as served:  # `[access.sandbox]` in fedcat.toml, nothing set in code
        served.ids = ids  # type: ignore[attr-defined]
        served.home = home  # type: ignore[attr-defined]
        yield served


def submitted(node: Any, title: str, datasets: list[str]) -> tuple[str, str]:
    """alice's new project (bob a member) with a submitted request for all columns of `datasets`."""
    body = {"title": title, "purpose": "Stays.", "members": ["bob"]}
    project = ok(call(node, "alice", "POST", "/api/projects", body), 201)
    ids = [node.ids[d] for d in datasets]
    request = {
        "project_id": project["id"],
        "datasets": ids,
        "purpose": "Length of stay by commune.",
        "duo_codes": ["DS", "NCU"],
        "legal_basis": "GDPR Art. 9(2)(j) scientific research",
        "accept_terms": True,
        "duration_days": 90,
    }
    request_id = ok(call(node, "alice", "POST", "/api/access-requests", request), 201)["id"]
    ok(call(node, "alice", "POST", f"/api/access-requests/{request_id}/submit"))
    return project["id"], request_id


def decide(node: Any, request_id: str, steward: str = "sam", **narrowing: Any) -> Any:
    body = {"decision": "approve", "reason": "Fine, identifiers pseudonymised.", **narrowing}
    return call(node, steward, "POST", f"/api/access-requests/{request_id}/decision", body)


def approved(node: Any, title: str, **narrowing: Any) -> tuple[str, str, str]:
    """(project, request, view) of an approval of `stays` with `narrowing`."""
    project, request_id = submitted(node, title, ["stays"])
    ok(decide(node, request_id, **narrowing))
    views = ok(call(node, "alice", "GET", f"/api/projects/{project}/views"))["views"]
    return project, request_id, views[0]["name"]


def query(node: Any, project: str, sql: str, user: str = "alice") -> Any:
    return call(node, user, "POST", f"/api/projects/{project}/query", {"sql": sql})


# -- pseudonymised approvals ---------------------------------------------------------------------------------------


def test_an_approved_identifier_is_a_keyed_hash_stable_in_the_project_and_unlinkable_across(node: Any) -> None:
    a, request_a, view_a = approved(node, "Project A", pseudonymise=["patient_id"])
    b, _, view_b = approved(node, "Project B", pseudonymise=["patient_id"])
    columns = ok(call(node, "bob", "GET", f"/api/projects/{a}/views"))["views"][0]["columns"]
    assert {c["name"]: c["pseudonymised"] for c in columns} == {
        "patient_id": True,
        "commune": False,
        "age": False,
        "length_of_stay": False,
    }
    sql = "SELECT patient_id, commune FROM {} WHERE age = 20 ORDER BY length_of_stay"
    first = query(node, a, sql.format(view_a))
    assert first.status_code == 200, first.text
    assert "P0000" not in first.text and "P0060" not in first.text  # the raw identifier never leaves
    rows_a = first.json()["rows"]
    assert [r[1] for r in rows_a] == ["Esch", "Luxembourg"]
    assert all(HEX.match(r[0]) for r in rows_a) and rows_a[0][0] != rows_a[1][0]
    # The project's key hashes them: the pseudonyms are exactly SHA-256(key || id), truncated.
    key_a = bytes.fromhex((node.home / "keys" / "projects" / f"{a}.key").read_text())
    assert [r[0] for r in rows_a] == [pseudonym(key_a, "P0000"), pseudonym(key_a, "P0060")]
    assert ok(query(node, a, sql.format(view_a), user="bob"))["rows"] == rows_a  # stable within the project
    rows_b = ok(query(node, b, sql.format(view_b)))["rows"]
    assert [r[1] for r in rows_b] == ["Esch", "Luxembourg"]
    assert {r[0] for r in rows_b}.isdisjoint({r[0] for r in rows_a})  # other project, other pseudonyms
    # Joining on the identifier still works inside the project, guessing a raw id does not.
    joined = ok(query(node, a, f"SELECT count(DISTINCT patient_id) AS n FROM {view_a}"))
    assert joined["rows"] == [[100]]
    assert ok(query(node, a, f"SELECT count(*) AS n FROM {view_a} WHERE patient_id = 'P0000'"))["rows"] == [[0]]
    # The decision, the entitlement and both audit events say which columns are pseudonymised.
    shown = ok(call(node, "alice", "GET", f"/api/access-requests/{request_a}"))
    assert shown["decisions"][-1]["pseudonymise"] == ["patient_id"]
    assert shown["entitlements"][0]["pseudonymise"] == ["patient_id"]
    events = ok(call(node, "ada", "GET", "/api/audit?limit=1000"))["events"]
    decision = [e for e in events if e["kind"] == "request.decision" and e["subject"] == request_a]
    created = [e for e in events if e["kind"] == "entitlement.created" and e["data"]["request"] == request_a]
    assert decision[-1]["data"]["pseudonymise"] == ["patient_id"]
    assert created[-1]["data"]["pseudonymise"] == ["patient_id"]
    verified = cli(node.home, "audit", "verify")
    assert verified.exit_code == 0, verified.output


def test_only_approved_columns_can_be_pseudonymised(node: Any) -> None:
    _, request_id = submitted(node, "Bad pseudonyms", ["stays"])
    cases = [
        ({"pseudonymise": ["national_id"]}, "no column(s) 'national_id'"),  # all columns approved: data's columns
        ({"columns": ["commune", "age"], "pseudonymise": ["patient_id"]}, "not approved"),  # narrowed away
        ({"columns": ["commune", "nope"]}, "no column(s) 'nope'"),  # approved columns are checked against the data
        ({"pseudonymise": {node.ids["census"]: ["patient_id"]}}, "not being decided"),
        ({"pseudonymise": [""]}, ""),  # empty names are refused by the body's schema
    ]
    for narrowing, message in cases:
        refused = decide(node, request_id, **narrowing)
        assert refused.status_code == 422, refused.text
        body = refused.json()
        assert refused.headers["content-type"].startswith("application/problem+json") and body["type"]
        assert message in json.dumps(body), body
    returned = call(
        node, "sam", "POST", f"/api/access-requests/{request_id}/decision",
        {"decision": "return", "reason": "Say which ids.", "pseudonymise": ["patient_id"]},
    )  # fmt: skip
    assert returned.status_code == 422 and "make no sense here" in returned.text
    # Nothing was recorded by the refusals: the request is still waiting, and a valid approval goes through.
    shown = ok(call(node, "alice", "GET", f"/api/access-requests/{request_id}"))
    assert shown["state"] == "submitted" and shown["decisions"] == []
    ok(decide(node, request_id, pseudonymise={node.ids["stays"]: ["patient_id", "patient_id"]}))
    shown = ok(call(node, "alice", "GET", f"/api/access-requests/{request_id}"))
    assert shown["entitlements"][0]["pseudonymise"] == ["patient_id"]


def test_the_stewards_web_form_pseudonymises(node: Any) -> None:
    project, request_id = submitted(node, "Web form", ["stays"])
    stays = node.ids["stays"]
    sam = sign_in({"app": node.app, "settings": node.settings}, "sam")
    review = sam.get(f"/steward/requests/{request_id}").text
    assert 'name="pseudonymise" value="patient_id"' in review
    form = {
        "csrf_token": token_of(review),
        "dataset": stays,
        "decision": "approve",
        "reason": "Ids hashed.",
        "offered": ["patient_id", "commune", "age", "length_of_stay"],
        "columns": ["patient_id", "commune", "age"],
    }
    refused = sam.post(f"/steward/requests/{request_id}/decision", data={**form, "pseudonymise": ["length_of_stay"]})
    assert refused.status_code == 422 and "length_of_stay" in refused.text and 'role="alert"' in refused.text
    done = sam.post(f"/steward/requests/{request_id}/decision", data={**form, "pseudonymise": ["patient_id"]})
    assert done.status_code == 200 and "state-approved" in done.text
    assert "pseudonymised" in done.text  # the decision list says so
    view = ok(call(node, "alice", "GET", f"/api/projects/{project}/views"))["views"][0]
    assert [(c["name"], c["pseudonymised"]) for c in view["columns"]] == [
        ("patient_id", True),
        ("commune", False),
        ("age", False),
    ]
    workspace = sign_in({"app": node.app, "settings": node.settings}, "alice").get(f"/projects/{project}").text
    assert "patient_id <small>VARCHAR, pseudonymised</small>" in workspace
    rows = ok(query(node, project, f"SELECT patient_id FROM {view['name']} WHERE age = 21"))["rows"]
    key = bytes.fromhex((node.home / "keys" / "projects" / f"{project}.key").read_text())
    assert rows == [[pseudonym(key, "P0001")], [pseudonym(key, "P0061")]]
    # Revoking through the form takes the views away at once, before any query or sweep.
    review = sam.get(f"/steward/requests/{request_id}").text
    revoke = {"csrf_token": token_of(review), "reason": "Study stopped."}
    assert sam.post(f"/steward/requests/{request_id}/revoke", data=revoke).status_code == 200
    assert _databases(node, project) == [] and _state(node, project)["revoked_reason"] == "revoked"


# -- limits from the settings ------------------------------------------------------------------------------------


def test_the_sandbox_limits_come_from_the_settings(node: Any) -> None:
    assert node.runtime.settings.sandbox.max_rows == 7
    project, _, view = approved(node, "Capped")
    capped = ok(query(node, project, f"SELECT * FROM {view}"))
    assert capped["row_count"] == 7 and capped["truncated"] is True  # the default cap is 10,000
    census, request_id = submitted(node, "Threshold", ["census"])
    ok(decide(node, request_id, steward="sue"))
    name = ok(call(node, "alice", "GET", f"/api/projects/{census}/views"))["views"][0]["name"]
    sql = f"SELECT commune, count(*) AS n FROM {name} GROUP BY commune ORDER BY commune"
    result = ok(query(node, census, sql))
    counts = {r[0]: r[1] for r in result["rows"]}
    # Luxembourg's 36 would pass the default threshold of 10; under this node's 40 it is suppressed.
    assert counts.get("Esch") == 60 and counts.get("Luxembourg") is None, result
    assert any("40" in json.dumps(s) for s in result["suppressed"]), result["suppressed"]


def test_sandbox_settings_from_the_environment_and_bad_values(
    node: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FEDCAT_ACCESS__SANDBOX__TIMEOUT_SECONDS", "2.5")
    settings = load_settings(node.home)
    assert settings.access.sandbox.timeout_seconds == 2.5 and settings.access.sandbox.max_rows == 7
    for bad in ({"memory_limit": "lots"}, {"max_rows": 0}, {"sweep_seconds": -1}):
        with pytest.raises(ValidationError, match=next(iter(bad))):
            Settings(home=tmp_path, access={"sandbox": bad})


# -- revocation and expiry without a query -------------------------------------------------------------------------


def _state(node: Any, project: str) -> dict[str, Any]:
    return json.loads((node.home / "sandbox" / "projects" / project / "state.json").read_text())


def _databases(node: Any, project: str) -> list[Path]:
    return list((node.home / "sandbox" / "projects" / project).glob("views.*.duckdb"))


def test_a_revoked_dataset_loses_its_view_at_once(node: Any) -> None:
    project, request_id = submitted(node, "Two datasets", ["stays", "census"])
    ok(decide(node, request_id, datasets=[node.ids["stays"]]))
    ok(decide(node, request_id, steward="sue", datasets=[node.ids["census"]]))
    views = ok(call(node, "alice", "GET", f"/api/projects/{project}/views"))["views"]
    assert {v["dataset_id"] for v in views} == {node.ids["stays"], node.ids["census"]}
    body = {"reason": "Census terms changed.", "datasets": [node.ids["census"]]}
    ok(call(node, "sue", "POST", f"/api/access-requests/{request_id}/revoke", body))
    # No query since: the views on disk were rebuilt from what is left.
    assert [v["dataset_id"] for v in _state(node, project)["views"]] == [node.ids["stays"]]
    body = {"reason": "Study stopped."}
    ok(call(node, "sam", "POST", f"/api/access-requests/{request_id}/revoke", body))
    assert _state(node, project)["revoked_reason"] == "revoked" and _databases(node, project) == []


def test_expiry_removes_the_views_without_a_query(node: Any) -> None:
    end = date.today() + timedelta(days=1)
    project, _, view = approved(node, "Expiring", end_date=end.isoformat())
    assert _databases(node, project) and _state(node, project)["revoked_at"] is None
    # The module's node sweeps hourly; a second app on the same home sweeps every 0.3 s, with its clock moved past
    # the end date. Nobody queries until the views are gone.
    with live(node.home, sandbox={**SANDBOX, "sweep_seconds": 0.3}) as sweeping:
        sweeping.set_clock(utcnow() + timedelta(days=3))
        deadline = time.monotonic() + 20
        while _state(node, project)["revoked_at"] is None:
            assert time.monotonic() < deadline, "the sweep did not revoke the expired project"
            time.sleep(0.1)
        assert _state(node, project)["revoked_reason"] == "expired"
        assert _databases(node, project) == []
        refused = query(sweeping, project, f"SELECT count(*) AS n FROM {view}")
        assert refused.status_code == 403 and refused.json()["type"].endswith("sandbox-revoked"), refused.text
        assert call(sweeping, "alice", "GET", f"/api/projects/{project}/views").status_code == 403
