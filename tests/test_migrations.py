"""Migrations: an older schema with data in it upgrades to head, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from access import audit
from access.accounts import publishers_of
from access.db import Database
from access.models import Base, Decision, Entitlement, User
from tests.access_support import cli
from tests.pg import postgres  # noqa: F401  (the session's PostgreSQL server fixture)

HEAD = "0003"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    url = (
        request.getfixturevalue("postgres").database()
        if request.param == "postgresql"
        else f"sqlite:///{tmp_path}/m.db"
    )
    database = Database(url)
    yield database
    database.close()


def test_head_matches_the_models(db: Database) -> None:
    db.upgrade()
    assert db.current() == HEAD
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_upgrade_an_older_schema_with_data(db: Database) -> None:
    db.upgrade("0001")
    now = datetime(2026, 11, 1, 12, 0)
    with db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (subject, issuer, username, password_hash, role, publishers, disabled, created_at) "
                "VALUES (:s, 'builtin', :u, NULL, :r, :p, :d, :t)"
            ),
            [
                {
                    "s": "s1",
                    "u": "sam",
                    "r": "steward",
                    "p": "STATEC\nhttps://data.example.lu/org/chl\nSTATEC\n",
                    "d": False,
                    "t": now,
                },
                {"s": "s2", "u": "alice", "r": "scientist", "p": None, "d": False, "t": now},
            ],
        )
        connection.execute(
            sa.text(
                "INSERT INTO projects (id, title, purpose, organisation, principal_investigator_id, created_by_id, "
                "created_at) "
                "VALUES ('prj-1', 'Old project', 'Kept across the upgrade', NULL, 2, 2, :t)"
            ),
            {"t": now},
        )
        audit_row = {"seq": 1, "at": now, "actor": "operator", "kind": "user.added", "subject": "sam"}
        digest = audit.event_hash(
            "0" * 64,
            seq=1,
            at=now.replace(tzinfo=UTC),
            actor="operator",
            kind="user.added",
            subject="sam",
            publishers=[],
            data={},
        )
        connection.execute(
            sa.text(
                "INSERT INTO audit_events (seq, at, actor, kind, subject, publishers, data, prev_hash, hash) "
                "VALUES (:seq, :at, :actor, :kind, :subject, '[]', '{}', :prev, :hash)"
            ),
            {**audit_row, "prev": "0" * 64, "hash": digest},
        )
        connection.execute(sa.text("UPDATE audit_head SET seq = 1, hash = :h WHERE id = 1"), {"h": digest})
    db.upgrade()
    assert db.current() == HEAD
    with db.session() as session:
        sam = session.execute(sa.select(User).where(User.username == "sam")).scalar_one()
        alice = session.execute(sa.select(User).where(User.username == "alice")).scalar_one()
        assert publishers_of(session, sam) == {"STATEC", "https://data.example.lu/org/chl"}
        assert publishers_of(session, alice) == frozenset()
        title = session.execute(sa.text("SELECT title FROM projects WHERE id = 'prj-1'")).scalar_one()
        assert title == "Old project"
        assert audit.verify(session).ok  # the chain survives the upgrade
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("users")}
    assert "publishers" not in columns
    db.downgrade("0001")  # and back, with the data
    with db.engine.connect() as connection:
        text = connection.execute(sa.text("SELECT publishers FROM users WHERE username = 'sam'")).scalar_one()
    assert set(text.split("\n")) == {"STATEC", "https://data.example.lu/org/chl"}


def test_0003_adds_pseudonymised_columns_and_keeps_decisions(db: Database) -> None:
    """Decisions and entitlements made before 0003 upgrade to "nothing pseudonymised", and back again."""
    db.upgrade("0002")
    now = datetime(2026, 11, 1, 12, 0)
    with db.engine.begin() as connection:
        tables = sa.MetaData()
        tables.reflect(bind=connection)
        t = tables.tables
        user = {"subject": "s", "issuer": "builtin", "username": "sam", "role": "steward", "disabled": False}
        connection.execute(t["users"].insert(), {**user, "id": 1, "created_at": now})
        project = {"id": "prj-1", "title": "P", "purpose": "Q", "principal_investigator_id": 1, "created_by_id": 1}
        connection.execute(t["projects"].insert(), {**project, "created_at": now})
        request = {"id": "req-1", "project_id": "prj-1", "applicant_id": 1, "state": "approved", "purpose": "Q"}
        more = {"duo_codes": [], "legal_basis": "GDPR", "duration_days": 30, "created_at": now, "updated_at": now}
        connection.execute(t["access_requests"].insert(), {**request, **more})
        item = {
            "id": 1,
            "request_id": "req-1",
            "dataset_id": "ds1",
            "dataset_iri": "https://x/ds1",
            "status": "approved",
        }
        connection.execute(
            t["request_datasets"].insert(), {**item, "publisher_names": [], "conditions": {}, "terms_accepted": True}
        )
        decision = {"request_id": "req-1", "request_dataset_id": 1, "dataset_id": "ds1", "steward_id": 1}
        more = {"decision": "approve", "reason": "ok", "columns": ["a", "b"], "end_date": now, "decided_at": now}
        connection.execute(t["decisions"].insert(), {**decision, **more})
        entitlement = {"id": "ent-1", "request_id": "req-1", "request_dataset_id": 1, "project_id": "prj-1"}
        more = {"dataset_id": "ds1", "columns": ["a", "b"], "starts_at": now, "ends_at": now}
        connection.execute(t["entitlements"].insert(), {**entitlement, **more})
    db.upgrade()
    assert db.current() == HEAD
    with db.session() as session:
        decision_row = session.execute(sa.select(Decision)).scalar_one()
        entitlement_row = session.execute(sa.select(Entitlement)).scalar_one()
        assert decision_row.pseudonymise is None and entitlement_row.pseudonymise is None
        assert decision_row.columns == ["a", "b"] and entitlement_row.columns == ["a", "b"]
        entitlement_row.pseudonymise = ["a"]
        session.commit()
    with db.session() as session:
        assert session.execute(sa.select(Entitlement.pseudonymise)).scalar_one() == ["a"]
    db.downgrade("0002")
    for table in ("decisions", "entitlements"):
        assert "pseudonymise" not in {c["name"] for c in sa.inspect(db.engine).get_columns(table)}
    with db.engine.connect() as connection:
        kept = connection.execute(sa.text("SELECT id, dataset_id FROM entitlements")).all()
        assert [tuple(r) for r in kept] == [("ent-1", "ds1")]
        assert connection.execute(sa.text("SELECT count(*) FROM decisions")).scalar_one() == 1


def test_db_upgrade_command(tmp_path: Path) -> None:
    from catalogue.nodehome import init_home

    home = tmp_path / "node"
    init_home(home)
    result = cli(home, "db", "upgrade")
    assert result.exit_code == 0 and HEAD in result.output
    assert cli(home, "db", "upgrade").exit_code == 0  # idempotent
    (home / "fedcat.toml").write_text((home / "fedcat.toml").read_text() + '\n[access]\ndatabase_url = "mysql://x/y"\n')
    assert cli(home, "db", "upgrade").exit_code == 2
