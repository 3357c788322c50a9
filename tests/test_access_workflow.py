"""The access-request workflow over real HTTP, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from access import request_views
from tests.access_support import HOSPITAL, STATEC_IRI, build_node, live
from tests.pg import postgres  # noqa: F401  (the session's PostgreSQL server fixture)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def node(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp(request.param) / "node"
    url = request.getfixturevalue("postgres").database() if request.param == "postgresql" else None
    ids = build_node(home, url)
    with live(home) as served:
        served.ids = ids  # type: ignore[attr-defined]
        yield served


def call(node: Any, user: str, method: str, path: str, body: Any = None, **kw: Any) -> Any:
    with node.client(node.token(user)) as client:
        return client.request(method, path, json=body, **kw)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def new_project(node: Any, owner: str = "alice", members: tuple[str, ...] = ("bob",)) -> str:
    body = {"title": "Readmissions", "purpose": "Study hospital readmissions.", "members": list(members)}
    project = ok(call(node, owner, "POST", "/api/projects", body), 201)
    assert project["principal_investigator"] == owner and set(project["members"]) == {owner, *members}
    return project["id"]


def new_request(node: Any, project_id: str, datasets: list[str], user: str = "alice", **extra: Any) -> dict[str, Any]:
    body = {
        "project_id": project_id,
        "datasets": [node.ids[d] for d in datasets],
        "purpose": "Readmission rates after cardiac surgery.",
        "duo_codes": ["DS", "NCU"],
        "legal_basis": "GDPR Art. 9(2)(j) scientific research",
        "accept_terms": True,
        **extra,
    }
    return ok(call(node, user, "POST", "/api/access-requests", body), 201)


def decide(node: Any, user: str, request_id: str, decision: str, reason: str = "ok", **extra: Any) -> Any:
    body = {"decision": decision, "reason": reason, **extra}
    return call(node, user, "POST", f"/api/access-requests/{request_id}/decision", body)


def submit(node: Any, request_id: str, user: str = "alice") -> dict[str, Any]:
    return ok(call(node, user, "POST", f"/api/access-requests/{request_id}/submit"))


def test_every_transition_has_actor_time_and_reason(node: Any) -> None:
    pid = new_project(node)
    req = new_request(node, pid, ["stays", "census"], columns={node.ids["stays"]: ["age", "ward", "diagnosis"]})
    assert req["state"] == "draft"
    rid = req["id"]
    assert submit(node, rid)["state"] == "submitted"
    view = ok(decide(node, "sam", rid, "approve", "fine for cardiac research", columns=["age", "diagnosis"]))
    assert view["state"] == "submitted"  # census still waits for its own publisher's steward
    view = ok(decide(node, "sue", rid, "return", "say which census variables you need"))
    assert view["state"] == "returned"
    ok(call(node, "bob", "PATCH", f"/api/access-requests/{rid}", {"columns": {node.ids["census"]: ["age", "commune"]}}))
    assert submit(node, rid, user="bob")["state"] == "submitted"
    assert {d["status"] for d in ok(call(node, "alice", "GET", f"/api/access-requests/{rid}"))["datasets"]} == {
        "pending"
    }
    ok(decide(node, "sam", rid, "approve", "fine", columns=["age"], row_filter="age >= 18"))
    view = ok(decide(node, "sue", rid, "approve", "variables justified"))
    assert view["state"] == "approved"
    history = [(h["from"], h["to"], h["actor"], h["reason"]) for h in view["history"]]
    assert history == [
        (None, "draft", "alice", None),
        ("draft", "submitted", "alice", None),
        ("submitted", "returned", "sue", "say which census variables you need"),
        ("returned", "submitted", "bob", None),
        ("submitted", "approved", "sue", "variables justified"),
    ]
    assert all(datetime.fromisoformat(h["at"]) for h in view["history"])
    decisions = [(d["steward"], d["decision"], d["reason"]) for d in view["decisions"]]
    assert ("sue", "return", "say which census variables you need") in decisions and len(decisions) == 4
    entitlements = {e["dataset_id"]: e for e in view["entitlements"]}
    assert entitlements[node.ids["stays"]]["columns"] == ["age"]
    assert entitlements[node.ids["stays"]]["row_filter"] == "age >= 18"
    assert entitlements[node.ids["census"]]["columns"] == ["age", "commune"]
    assert {e["state"] for e in entitlements.values()} == {"active"}


def test_rejection_and_withdrawal(node: Any) -> None:
    pid = new_project(node)
    rid = new_request(node, pid, ["census"])["id"]
    submit(node, rid)
    view = ok(decide(node, "sue", rid, "reject", "purpose does not need microdata"))
    assert view["state"] == "rejected" and view["history"][-1]["reason"] == "purpose does not need microdata"
    assert call(node, "alice", "POST", f"/api/access-requests/{rid}/submit").status_code == 409

    rid = new_request(node, pid, ["census"])["id"]
    submit(node, rid)
    view = ok(call(node, "bob", "POST", f"/api/access-requests/{rid}/withdraw", {"reason": "no longer needed"}))
    assert view["state"] == "withdrawn" and view["history"][-1]["actor"] == "bob"
    assert decide(node, "sue", rid, "approve").status_code == 409

    rid = new_request(node, pid, ["census"])["id"]
    submit(node, rid)
    ok(decide(node, "sue", rid, "approve"))
    view = ok(call(node, "alice", "POST", f"/api/access-requests/{rid}/withdraw", {"reason": "project ended"}))
    assert view["state"] == "withdrawn" and [e["state"] for e in view["entitlements"]] == ["revoked"]


def test_stewards_decide_only_their_publishers_datasets(node: Any) -> None:
    pid = new_project(node)
    rid = new_request(node, pid, ["stays", "census"])["id"]
    submit(node, rid)
    census = node.ids["census"]
    denied = decide(node, "sam", rid, "approve", datasets=[census])
    assert denied.status_code == 403
    sam_queue = ok(call(node, "sam", "GET", "/api/steward/queue"))
    entry = next(e for e in sam_queue["requests"] if e["id"] == rid)
    assert [d["dataset_id"] for d in entry["datasets"]] == [node.ids["stays"]]
    assert entry["datasets"][0]["publisher"] == HOSPITAL
    ok(decide(node, "sam", rid, "approve"))
    assert rid not in {e["id"] for e in ok(call(node, "sam", "GET", "/api/steward/queue"))["requests"]}
    sue_entry = next(e for e in ok(call(node, "sue", "GET", "/api/steward/queue"))["requests"] if e["id"] == rid)
    assert [d["dataset_id"] for d in sue_entry["datasets"]] == [census]
    view = ok(call(node, "sue", "GET", f"/api/access-requests/{rid}"))
    statuses = {d["dataset_id"]: (d["status"], d["yours_to_decide"]) for d in view["datasets"]}
    assert statuses == {node.ids["stays"]: ("approved", False), census: ("pending", True)}
    assert decide(node, "sam", rid, "approve").status_code == 409  # nothing of sam's is pending any more
    assert ok(decide(node, "sue", rid, "reject", "no"))["state"] == "approved"  # one dataset approved is access


def test_a_steward_in_the_project_never_decides_it(node: Any) -> None:
    pid = new_project(node, members=("carl",))
    rid = new_request(node, pid, ["stays"])["id"]
    submit(node, rid)
    response = decide(node, "carl", rid, "approve", "my own project")
    assert response.status_code == 403 and response.json()["type"] == "conflict-of-interest"
    entry = next(e for e in ok(call(node, "carl", "GET", "/api/steward/queue"))["requests"] if e["id"] == rid)
    assert entry["can_decide"] is False and entry["conflict_of_interest"] is True
    assert ok(decide(node, "sam", rid, "approve"))["state"] == "approved"
    assert call(node, "carl", "POST", f"/api/access-requests/{rid}/revoke", {"reason": "x"}).status_code == 403


def test_approval_narrows_but_never_widens(node: Any) -> None:
    pid = new_project(node)
    stays = node.ids["stays"]
    rid = new_request(node, pid, ["stays"], columns={stays: ["age", "ward"]}, duration_days=30)["id"]
    submit(node, rid)
    wider = decide(node, "sam", rid, "approve", columns=["age", "name"])
    assert wider.status_code == 422 and "name" in wider.json()["detail"]
    later = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
    assert decide(node, "sam", rid, "approve", end_date=later).status_code == 422
    assert decide(node, "sam", rid, "approve", row_filter="1=1; DROP TABLE x").status_code == 422
    assert decide(node, "sam", rid, "reject", columns=["age"]).status_code == 422
    # Pseudonymisation only of approved columns, and only of data this node hosts (none here).
    outside = decide(node, "sam", rid, "approve", columns=["age"], pseudonymise=["ward"])
    assert outside.status_code == 422 and "not approved" in outside.json()["detail"]
    unhosted = decide(node, "sam", rid, "approve", pseudonymise=["ward"])
    assert unhosted.status_code == 422 and "no data hosted" in unhosted.json()["detail"]
    sooner = (datetime.now(UTC) + timedelta(days=7)).date()
    view = ok(decide(node, "sam", rid, "approve", "short pilot", columns=["age"], end_date=sooner.isoformat()))
    (entitlement,) = view["entitlements"]
    assert entitlement["columns"] == ["age"]
    ends = datetime.fromisoformat(entitlement["ends_at"])
    assert ends.date() == sooner + timedelta(days=1) and ends.hour == 0  # inclusive end date


def test_entitlements_expire_by_time_alone(node: Any) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    node.set_clock(start)
    try:
        pid = new_project(node)
        rid = new_request(node, pid, ["census"])["id"]  # no duration: the configured 90 days
        submit(node, rid)
        view = ok(decide(node, "sue", rid, "approve"))
        (entitlement,) = view["entitlements"]
        assert datetime.fromisoformat(entitlement["ends_at"]) - start >= timedelta(days=90)
        node.set_clock(start + timedelta(days=89))
        assert ok(call(node, "alice", "GET", f"/api/access-requests/{rid}"))["state"] == "approved"
        node.set_clock(start + timedelta(days=92))  # nothing ran in between: only the clock moved
        view = ok(call(node, "alice", "GET", f"/api/access-requests/{rid}"))
        assert view["state"] == "expired" and view["entitlements"][0]["state"] == "expired"
        with node.runtime.db.session() as session:
            assert request_views.active_entitlements(session, pid, node.runtime.now()) == []
        assert call(node, "sue", "POST", f"/api/access-requests/{rid}/revoke", {"reason": "x"}).status_code == 409
    finally:
        node.set_clock(None)


def test_revocation_per_publisher(node: Any) -> None:
    pid = new_project(node)
    rid = new_request(node, pid, ["stays", "census"])["id"]
    submit(node, rid)
    ok(decide(node, "sam", rid, "approve"))
    ok(decide(node, "sue", rid, "approve"))
    assert call(node, "alice", "POST", f"/api/access-requests/{rid}/revoke", {"reason": "x"}).status_code == 403
    assert call(node, "sam", "POST", f"/api/access-requests/{rid}/revoke", {}).status_code == 422
    view = ok(call(node, "sam", "POST", f"/api/access-requests/{rid}/revoke", {"reason": "breach of terms"}))
    states = {e["dataset_id"]: e["state"] for e in view["entitlements"]}
    assert states == {node.ids["stays"]: "revoked", node.ids["census"]: "active"} and view["state"] == "approved"
    view = ok(call(node, "ada", "POST", f"/api/access-requests/{rid}/revoke", {"reason": "node-wide incident"}))
    assert view["state"] == "revoked" and view["history"][-1]["actor"] == "ada"


def test_queue_shows_age_and_sla(node: Any) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    node.set_clock(start)
    try:
        pid = new_project(node)
        rid = new_request(node, pid, ["stays"])["id"]
        submit(node, rid)
        node.set_clock(start + timedelta(days=3))
        entry = next(e for e in ok(call(node, "sam", "GET", "/api/steward/queue"))["requests"] if e["id"] == rid)
        assert entry["age_days"] == 3 and entry["overdue"] is False
        node.set_clock(start + timedelta(days=11))
        queue = ok(call(node, "sam", "GET", "/api/steward/queue"))
        entry = next(e for e in queue["requests"] if e["id"] == rid)
        assert queue["sla_days"] == 10 and entry["age_days"] == 11 and entry["overdue"] is True
        assert datetime.fromisoformat(entry["sla_due_at"]) == start + timedelta(days=10)
        view = ok(decide(node, "sam", rid, "approve"))
        assert datetime.fromisoformat(view["first_decision_at"]) == start + timedelta(days=11)
    finally:
        node.set_clock(None)


def test_scientists_see_their_requests_and_history(node: Any) -> None:
    pid = new_project(node, owner="bob", members=("alice",))
    rid = new_request(node, pid, ["census"], user="bob")["id"]
    for user in ("alice", "bob"):
        assert rid in {r["id"] for r in ok(call(node, user, "GET", "/api/access-requests"))}
        assert ok(call(node, user, "GET", f"/api/access-requests/{rid}"))["history"][0]["actor"] == "bob"
    assert rid not in {r["id"] for r in ok(call(node, "mallory", "GET", "/api/access-requests"))}
    assert pid in {p["id"] for p in ok(call(node, "alice", "GET", "/api/projects"))}
    assert call(node, "sue", "GET", f"/api/access-requests/{rid}").status_code == 404  # drafts stay private


def test_conditions_are_shown_as_matches_and_conflicts(node: Any) -> None:
    pid = new_project(node)
    stays = node.ids["stays"]
    good = new_request(node, pid, ["stays"], duo_codes=["DS", "NCU"])
    check = next(d for d in good["datasets"] if d["dataset_id"] == stays)["conditions_check"]
    assert check["conflicts"] == []
    text = " ".join(check["matches"])
    assert "HMB" in text and "NCU" in text and "ODRL permission" in text and "ODRL prohibition" in text

    bad = new_request(node, pid, ["stays"], duo_codes=["POA"])
    check = bad["datasets"][0]["conditions_check"]
    conflicts = " ".join(check["conflicts"])
    assert "permits only HMB" in conflicts and "NCU" in conflicts and "prohibition" in conflicts
    assert bad["datasets"][0]["conditions"]["duo"] == ["DUO:0000006", "DUO:0000046"]

    census = new_request(node, pid, ["census"], duo_codes=["DUO:0000011"])  # POA under a GRU dataset
    assert census["datasets"][0]["conditions_check"]["conflicts"] == []
    submit(node, census["id"])
    entry = next(e for e in ok(call(node, "sue", "GET", "/api/steward/queue"))["requests"] if e["id"] == census["id"])
    assert entry["datasets"][0]["conditions_check"]["matches"]  # the steward sees it in the queue too
    assert (
        call(node, "alice", "POST", "/api/access-requests", {**_body(node, pid), "duo_codes": ["XYZ"]}).status_code
        == 422
    )


def _body(node: Any, pid: str) -> dict[str, Any]:
    return {"project_id": pid, "datasets": [node.ids["census"]], "purpose": "p", "legal_basis": "b"}


def test_only_restricted_existing_datasets_and_accepted_terms(node: Any) -> None:
    pid = new_project(node)
    public = call(node, "alice", "POST", "/api/access-requests", {**_body(node, pid), "datasets": [node.ids["parks"]]})
    assert public.status_code == 422 and "public" in public.json()["detail"]
    missing = call(node, "alice", "POST", "/api/access-requests", {**_body(node, pid), "datasets": ["nope"]})
    assert missing.status_code == 404
    rid = ok(call(node, "alice", "POST", "/api/access-requests", _body(node, pid)), 201)["id"]
    response = call(node, "alice", "POST", f"/api/access-requests/{rid}/submit")
    assert response.status_code == 422 and "terms" in response.json()["detail"]
    ok(call(node, "alice", "PATCH", f"/api/access-requests/{rid}", {"accept_terms": [node.ids["census"]]}))
    assert submit(node, rid)["state"] == "submitted"


def test_audit_log_per_role(node: Any) -> None:
    pid = new_project(node)
    rid = new_request(node, pid, ["stays", "census"])["id"]
    submit(node, rid)
    ok(decide(node, "sam", rid, "approve"))
    everything = ok(call(node, "ada", "GET", "/api/audit", params={"limit": 1000}))["events"]
    kinds = {e["kind"] for e in everything if e["subject"] == rid}
    assert {"request.created", "request.transition", "request.decision"} <= kinds
    seen_by_sue = ok(call(node, "sue", "GET", "/api/audit", params={"limit": 1000}))["events"]
    assert seen_by_sue and all(STATEC_IRI in e["publishers"] for e in seen_by_sue)
    assert not any(e["kind"] == "request.decision" and e["actor"] == "user:sam" for e in seen_by_sue)
    assert call(node, "alice", "GET", "/api/audit").status_code == 403
