"""The append-only, hash-chained audit log.

Each event's hash covers its own content and the previous event's hash, so editing, removing or reordering
any event breaks the chain at that event, and `verify` names the first event that does not check out. The
one-row `audit_head` table holds the last sequence number and hash: appenders lock it (so concurrent writers
append one after another, on SQLite and PostgreSQL alike), and `verify` compares it with the last event, so
cutting events off the end shows too. An attacker able to rewrite the whole table and the head can forge a
consistent chain; `fedcat audit verify` prints the head hash so operators can anchor it elsewhere
(`--anchor SEQ:HASH` checks against such an anchor).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from access.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    """The one JSON text of a value that hashes are computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    actor: str,
    kind: str,
    subject: str | None,
    publishers: Iterable[str],
    data: dict[str, Any],
) -> str:
    """SHA-256 over the previous hash and the event's canonical content."""
    content = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "kind": kind,
        "subject": subject,
        "publishers": sorted(publishers),
        "data": data,
    }
    return hashlib.sha256((prev_hash + "\n" + canonical(content)).encode()).hexdigest()


def record(
    session: Session,
    *,
    kind: str,
    actor: str,
    at: datetime,
    subject: str | None = None,
    publishers: Collection[str] = (),
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (so it commits or rolls back with what it records)."""
    head = session.execute(sa.select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    payload = json.loads(canonical(data or {}))  # exactly what will come back from the database
    seq = head.seq + 1
    pubs = sorted(set(publishers))
    digest = event_hash(
        head.hash, seq=seq, at=at, actor=actor, kind=kind, subject=subject, publishers=pubs, data=payload
    )
    event = AuditEvent(
        seq=seq,
        at=at,
        actor=actor,
        kind=kind,
        subject=subject,
        publishers=pubs,
        data=payload,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(event)
    head.seq, head.hash = seq, digest
    session.flush()
    return event


@dataclass(frozen=True)
class Verification:
    """The outcome of checking the chain."""

    ok: bool
    events: int
    head_seq: int
    head_hash: str
    first_bad: int | None = None  # the sequence number of the first event that does not check out
    problem: str | None = None


def _recompute(prev: str, event: AuditEvent) -> str:
    return event_hash(
        prev,
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        kind=event.kind,
        subject=event.subject,
        publishers=event.publishers,
        data=event.data,
    )


def _problem(event: AuditEvent, expected: int, prev: str, anchor: tuple[int, str] | None) -> str | None:
    if event.seq != expected:
        return f"event {expected} is missing (the chain goes on at event {event.seq})"
    if event.prev_hash != prev:
        return f"event {event.seq} ({event.kind}) does not follow event {event.seq - 1}: moved or reordered"
    if _recompute(prev, event) != event.hash:
        return f"event {event.seq} ({event.kind}) was altered"
    if anchor is not None and event.seq == anchor[0] and event.hash != anchor[1]:
        return f"event {event.seq} does not match the anchor"
    return None


def verify(session: Session, *, anchor: tuple[int, str] | None = None) -> Verification:
    """Walk the chain from the start; stop at the first event that is missing, moved or altered."""
    prev, expected, count = GENESIS, 1, 0
    rows = session.execute(sa.select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000))
    for event in rows.scalars():
        count += 1
        problem = _problem(event, expected, prev, anchor)
        if problem is not None:
            return Verification(False, count, event.seq, event.hash, min(expected, event.seq), problem)
        prev, expected = event.hash, expected + 1
    last = expected - 1
    head = session.execute(sa.select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    if head.seq != last or head.hash != prev:
        problem = f"event {last + 1} and after were removed (the head is at {head.seq})"
        return Verification(False, count, last, prev, last + 1, problem)
    if anchor is not None and anchor[0] > last:
        return Verification(False, count, last, prev, anchor[0], f"event {anchor[0]} (the anchor) is missing")
    return Verification(True, count, last, prev)


def events(
    session: Session,
    *,
    publishers: Collection[str] | None = None,
    after: int = 0,
    limit: int = 100,
    kind: str | None = None,
) -> list[AuditEvent]:
    """Events after sequence number `after`, oldest first; only those about `publishers` when given."""
    query = sa.select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq)
    if kind:
        query = query.where(AuditEvent.kind == kind)
    if publishers is None:
        return list(session.execute(query.limit(limit)).scalars())
    wanted = {p.casefold() for p in publishers}  # as the workflow matches stewards: name or IRI, any case
    out: list[AuditEvent] = []
    # Publisher lists are JSON, filtered here; batches keep the scan bounded in memory.
    for event in session.execute(query.execution_options(yield_per=500)).scalars():
        if wanted & {p.casefold() for p in event.publishers}:
            out.append(event)
            if len(out) >= limit:
                break
    return out


def as_dict(event: AuditEvent) -> dict[str, Any]:
    """The JSON view of an event."""
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "kind": event.kind,
        "subject": event.subject,
        "publishers": event.publishers,
        "data": event.data,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
