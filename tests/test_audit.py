"""The hash-chained audit log: any edit, removal or reordering is found and the first bad event named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from access import audit
from access.db import Database
from access.models import AuditEvent
from tests.access_support import cli
from tests.pg import postgres  # noqa: F401  (the session's PostgreSQL server fixture)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    url = (
        request.getfixturevalue("postgres").database()
        if request.param == "postgresql"
        else f"sqlite:///{tmp_path}/a.db"
    )
    database = Database(url)
    database.upgrade()
    start = datetime(2027, 3, 1, tzinfo=UTC)
    with database.session() as session:
        for i in range(1, 11):
            audit.record(
                session,
                kind="request.transition",
                actor=f"user:u{i}",
                at=start + timedelta(minutes=i),
                subject=f"req-{i}",
                publishers=["STATEC"],
                data={"from": "draft", "to": "submitted", "n": i, "text": "Ünïcode ✓"},
            )
    yield database
    database.close()


def check(db: Database) -> audit.Verification:
    with db.session() as session:
        return audit.verify(session)


def test_an_untouched_chain_verifies(db: Database) -> None:
    result = check(db)
    assert result.ok and result.events == 10 and result.head_seq == 10 and result.first_bad is None


def test_an_edited_event_is_named(db: Database) -> None:
    with db.session() as session:
        session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 4).values(actor="user:someone-else"))
    result = check(db)
    assert not result.ok and result.first_bad == 4 and "altered" in (result.problem or "")


def test_edited_data_with_a_recomputed_hash_breaks_the_next_link(db: Database) -> None:
    with db.session() as session:
        event = session.get(AuditEvent, 6)
        assert event is not None
        forged = {**event.data, "to": "approved"}
        event.data = forged
        event.hash = audit.event_hash(
            event.prev_hash,
            seq=6,
            at=event.at,
            actor=event.actor,
            kind=event.kind,
            subject=event.subject,
            publishers=event.publishers,
            data=forged,
        )
    result = check(db)
    assert not result.ok and result.first_bad == 7 and "does not follow" in (result.problem or "")


def test_a_removed_event_is_named(db: Database) -> None:
    with db.session() as session:
        session.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 3))
    result = check(db)
    assert not result.ok and result.first_bad == 3 and "missing" in (result.problem or "")


def test_removing_the_last_events_shows_against_the_head(db: Database) -> None:
    with db.session() as session:
        session.execute(sa.delete(AuditEvent).where(AuditEvent.seq >= 9))
    result = check(db)
    assert not result.ok and result.first_bad == 9 and "removed" in (result.problem or "")


def test_reordered_events_are_named(db: Database) -> None:
    with db.session() as session:
        five, eight = session.get(AuditEvent, 5), session.get(AuditEvent, 8)
        assert five is not None and eight is not None
        fields = ("at", "actor", "kind", "subject", "publishers", "data", "prev_hash", "hash")
        a, b = ({f: getattr(e, f) for f in fields} for e in (five, eight))
        for f in fields:
            setattr(five, f, b[f])
            setattr(eight, f, a[f])
    result = check(db)
    assert not result.ok and result.first_bad == 5


def test_an_anchor_catches_a_rewritten_chain(db: Database) -> None:
    with db.session() as session:
        head = audit.verify(session)
        assert audit.verify(session, anchor=(head.head_seq, head.head_hash)).ok
        assert not audit.verify(session, anchor=(head.head_seq, "0" * 64)).ok


def test_audit_verify_command_exit_codes(tmp_path: Path) -> None:
    from catalogue.nodehome import init_home

    home = tmp_path / "node"
    init_home(home)
    for name in ("alice", "bob", "carol"):
        assert cli(home, "users", "add", name, "--role", "scientist", input="long enough password\n").exit_code == 0
    ok = cli(home, "audit", "verify")
    assert ok.exit_code == 0 and "3 events" in ok.output
    head = ok.output.strip().rsplit(" ", 1)[-1]
    assert cli(home, "audit", "verify", "--anchor", head).exit_code == 0
    db = Database(f"sqlite:///{home}/fedcat.db")
    with db.session() as session:
        session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 2).values(subject="mallory"))
    db.close()
    broken = cli(home, "audit", "verify")
    assert broken.exit_code == 1 and "event 2" in broken.output
    assert cli(home, "audit", "verify", "--anchor", "nonsense").exit_code == 2
