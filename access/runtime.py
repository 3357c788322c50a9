"""The access capability of one running node: database, keys, token issuer and validator, clock.

Built lazily on first use, so apps and commands that never touch access pay nothing for it.
`install_access(app)` hangs it on `app.state.access`, renders `BearerError`s with their RFC 6750
`WWW-Authenticate` challenge, and closes it when the app shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from access.db import Database
from access.errors import BearerError
from access.jwks import JwksCache
from access.keys import KeyRing
from access.models import RevokedToken
from access.settings import AccessSettings
from access.tokens import LocalKeys, Principal, TokenIssuer, TokenValidator, principal_from_claims
from catalogue.config import Settings

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


class RevokedJtis:
    """Revoked access tokens, read from the database at most every `refresh_every` seconds.

    Keeps the per-request check a set lookup; a revocation made by another process is seen within that time.
    """

    def __init__(self, db: Database, clock: Callable[[], datetime], refresh_every: float = 2.0) -> None:
        self.db = db
        self.clock = clock
        self.refresh_every = refresh_every
        self._jtis: set[str] = set()
        self._loaded = float("-inf")
        self._lock = threading.Lock()

    def __call__(self, jti: str) -> bool:
        if self.stale():
            self.refresh()
        return jti in self._jtis

    def stale(self) -> bool:
        """True when the next check would read the database (async callers refresh in a thread first)."""
        return time.monotonic() - self._loaded >= self.refresh_every

    def refresh(self) -> None:
        """Reread the revoked tokens, without a transaction: a writer holding the lock never delays it."""
        with self._lock:
            if self.stale():
                with self.db.read() as connection:
                    rows = connection.execute(sa.select(RevokedToken.jti).where(RevokedToken.expires_at > self.clock()))
                    self._jtis = set(rows.scalars())
                self._loaded = time.monotonic()

    def add(self, jti: str) -> None:
        self._jtis.add(jti)


class AccessRuntime:
    """Everything access needs at run time, opened on first use."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.node = settings
        self.settings: AccessSettings = settings.access
        self.clock = clock  # tests replace it to move time; tokens and expiry follow it
        self.transport = transport  # for the external issuer's discovery and JWKS fetches
        # Reentrant: building the validator opens the database, and both happen under this lock.
        self._lock = threading.RLock()
        self._db: Database | None = None
        self._ring: KeyRing | None = None
        self._issuer: TokenIssuer | None = None
        self._validator: TokenValidator | None = None
        self.jwks: JwksCache | None = None

    def now(self) -> datetime:
        return self.clock()

    def epoch(self) -> int:
        return int(self.clock().timestamp())

    @property
    def builtin(self) -> bool:
        return self.settings.issuer_mode == "builtin"

    @property
    def issuer_url(self) -> str:
        return self.settings.issuer_url(self.node.base)

    @property
    def audience(self) -> str:
        return self.settings.audience_value(self.node.base)

    @property
    def db(self) -> Database:
        if self._db is None:
            with self._lock:
                if self._db is None:
                    db = Database(self.settings.database(self.node.home))
                    if self.settings.auto_migrate:
                        db.upgrade()
                    self._db = db
        return self._db

    @property
    def ring(self) -> KeyRing:
        if self._ring is None:
            grace = self.settings.access_token_seconds + self.settings.leeway_seconds
            self._ring = KeyRing(self.node.home / "keys", grace_seconds=grace, clock=self.clock)
        return self._ring

    @property
    def issuer(self) -> TokenIssuer:
        if self._issuer is None:
            self._issuer = TokenIssuer(
                self.ring,
                issuer=self.issuer_url,
                audience=self.audience,
                access_seconds=self.settings.access_token_seconds,
                id_seconds=self.settings.id_token_seconds,
                clock=self.epoch,
            )
        return self._issuer

    @property
    def validator(self) -> TokenValidator:
        if self._validator is None:
            with self._lock:
                if self._validator is None:
                    if self.builtin:
                        keys: Any = LocalKeys(self.ring)
                    else:
                        self.jwks = JwksCache(
                            self.issuer_url,
                            algorithms=self.settings.algorithms,
                            cooldown=self.settings.jwks_cooldown_seconds,
                            max_age=self.settings.jwks_max_age_seconds,
                            transport=self.transport,
                        )
                        keys = self.jwks
                    self._validator = TokenValidator(
                        keys,
                        issuer=self.issuer_url,
                        audience=self.audience,
                        algorithms=self.settings.algorithms,
                        accepted_types=self.settings.accepted_token_types,
                        leeway=self.settings.leeway_seconds,
                        clock=self.epoch,
                        is_revoked=RevokedJtis(self.db, self.clock) if self.builtin else None,
                    )
        return self._validator

    def principal(self, claims: dict[str, Any]) -> Principal:
        """The principal of validated claims (roles mapped in external mode)."""
        s = self.settings
        if self.builtin:
            return principal_from_claims(claims)
        return principal_from_claims(
            claims,
            role_claim=s.role_claim,
            role_map=s.role_map,
            publisher_claim=s.publisher_claim,
            username_claim=s.username_claim,
        )

    def blocking_work_due(self) -> bool:
        """True when validating the next token would touch the disk or database (first use, stale revocations).

        The token check runs in the event loop; this tells it to run that one check in a worker thread instead.
        """
        if self._validator is None:
            return True
        revoked = self._validator.is_revoked
        return isinstance(revoked, RevokedJtis) and revoked.stale()

    def revoke_access_token(self, session: Session, claims: dict[str, Any]) -> None:
        """Refuse an access token from now until it expires."""
        from access.oauth import revoke_jti

        jti = claims.get("jti")
        if not isinstance(jti, str):
            return
        revoke_jti(session, jti, datetime.fromtimestamp(int(claims["exp"]), UTC), self.now())
        revoked = self.validator.is_revoked
        if isinstance(revoked, RevokedJtis):
            revoked.add(jti)

    def close(self) -> None:
        """Release the database pool and the HTTP client."""
        if self._db is not None:
            self._db.close()
        if self.jwks is not None:
            self.jwks.close()


def _bearer_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BearerError)
    return JSONResponse(
        exc.to_dict(),
        status_code=exc.status,
        media_type="application/problem+json",
        headers={"WWW-Authenticate": exc.www_authenticate, "Cache-Control": "no-store"},
    )


async def _sweep_sandboxes(app: Any) -> None:
    """Every `[access.sandbox] sweep_seconds`, take the views of expired or revoked entitlements away.

    Queries already refuse them by the clock; this makes the views go (and running queries stop) even when
    nobody queries. The sweep itself blocks (database, files, worker processes), so it runs in a thread.
    """
    interval = app.state.access.settings.sandbox.sweep_seconds
    if interval <= 0:
        return
    from access.sandbox_service import service_of  # DuckDB and pyarrow: only once a sweep is due

    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(service_of(app).sweep)
        except Exception:  # a failed sweep is logged and retried at the next tick; the app stays up
            log.exception("the periodic sandbox sweep failed")


def install_access(app: FastAPI) -> None:
    """Attach the access runtime to `app` (called once by `create_app`)."""
    app.state.access = AccessRuntime(app.state.settings)
    app.add_exception_handler(BearerError, _bearer_error)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        async with inner(application) as state:
            sweeper = asyncio.create_task(_sweep_sandboxes(application), name="fedcat-sandbox-sweep")
            try:
                yield state
            finally:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
                application.state.access.close()

    app.router.lifespan_context = lifespan
