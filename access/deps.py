"""FastAPI dependencies for authentication and authorization, as `Annotated` aliases.

`CurrentUser` needs a valid bearer token (401 with an RFC 6750 challenge otherwise); `OptionalPrincipal` is
None without an Authorization header but still refuses a bad token, so a caller with a broken token is told
instead of silently served the anonymous view. `scoped(...)` adds a scope (403 insufficient_scope) and role
(403 forbidden) requirement. Validation runs in the event loop (an RS256 verify is tens of microseconds); only
an external issuer's JWKS fetch moves to a worker thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from access import actors
from access.datasets import lookup
from access.errors import BearerError, Forbidden, InsufficientScope, MissingToken, TokenError
from access.jwks import KeyFetchNeeded
from access.runtime import AccessRuntime
from access.sandbox_service import hosted_columns
from access.tokens import Principal


def runtime_of(request: Request) -> AccessRuntime:
    """The node's access runtime."""
    return request.app.state.access


async def optional_principal(request: Request) -> Principal | None:
    """The caller's principal from an `Authorization: Bearer` token (None without one); a bad token is a 401."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise BearerError("send the access token as 'Authorization: Bearer <token>'")
    runtime = runtime_of(request)
    try:
        if runtime.blocking_work_due():  # opening the database, rereading revocations: never in the event loop
            claims = await run_in_threadpool(runtime.validator.validate, token)
        else:
            try:
                claims = runtime.validator.validate(token, allow_fetch=False)
            except KeyFetchNeeded:
                claims = await run_in_threadpool(runtime.validator.validate, token)
    except TokenError as exc:
        raise BearerError(exc.message) from exc
    principal = runtime.principal(claims)
    request.state.principal = principal
    return principal


async def _required(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise MissingToken("this needs an access token")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentUser = Annotated[Principal, Depends(_required)]


def scoped(*scopes: str, roles: tuple[str, ...] = ()) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency requiring every scope in `scopes` and, when given, one of `roles`."""

    async def check(principal: CurrentUser) -> Principal:
        missing = [s for s in scopes if s not in principal.scopes]
        if missing:
            raise InsufficientScope(f"this needs the scope {' '.join(missing)}", scope=" ".join(scopes))
        if roles and not (principal.roles & set(roles)):
            raise Forbidden(f"this is for {' or '.join(roles)}s")
        return principal

    return check


Applicant = Annotated[Principal, Depends(scoped("access:request", roles=("scientist", "steward", "admin")))]
Steward = Annotated[Principal, Depends(scoped("access:review", roles=("steward",)))]
Reviewer = Annotated[Principal, Depends(scoped("access:review", roles=("steward", "admin")))]
Auditor = Annotated[Principal, Depends(scoped("audit:read", roles=("steward", "admin")))]


@contextmanager
def unit(request: Request, principal: Principal) -> Iterator[tuple[actors.Context, actors.Actor]]:
    """One transaction of workflow work on behalf of `principal`: committed when the block ends."""
    runtime = runtime_of(request)
    store = request.app.state.full_store
    with runtime.db.session() as session:
        now = runtime.now()
        ctx = actors.Context(
            session,
            now,
            runtime.settings,
            lambda dataset_id: lookup(store, dataset_id),
            hosted_columns=lambda dataset_id: hosted_columns(runtime.node, dataset_id),
        )
        actor = actors.resolve_actor(session, principal, runtime.settings, now)
        yield ctx, actor
