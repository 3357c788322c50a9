"""Errors of the access capability, all under `FedcatError` so they render in fedcat's one JSON shape.

`BearerError`s also carry an RFC 6750 `WWW-Authenticate` header; `access.runtime.install_access` registers
the handler that adds it.
"""

from __future__ import annotations

from typing import Any

from catalogue.errors import FedcatError


class BearerError(FedcatError):
    """A missing, invalid or insufficient bearer token (RFC 6750 section 3)."""

    status, type, title = 401, "invalid-token", "Invalid access token"
    error: str | None = "invalid_token"

    def __init__(self, message: str, *, scope: str | None = None, **extra: Any) -> None:
        super().__init__(message, **extra)
        self.scope = scope

    @property
    def www_authenticate(self) -> str:
        """The challenge: `Bearer realm="fedcat"` plus the error code, when there is one."""
        parts = ['realm="fedcat"']
        if self.error:
            detail = self.message.replace("\\", "").replace('"', "'")
            parts += [f'error="{self.error}"', f'error_description="{detail}"']
        if self.scope:
            parts.append(f'scope="{self.scope}"')
        return "Bearer " + ", ".join(parts)


class MissingToken(BearerError):
    """No credentials at all: the challenge carries no error code (RFC 6750 section 3.1)."""

    type, title = "missing-token", "Authentication required"
    error = None


class InsufficientScope(BearerError):
    """A valid token without the scope the route needs."""

    status, type, title = 403, "insufficient-scope", "Insufficient scope"
    error = "insufficient_scope"


class Forbidden(FedcatError):
    """The caller is known but not allowed to do this (wrong role, conflict of interest, ...)."""

    status, type, title = 403, "forbidden", "Forbidden"


class ConflictOfInterest(Forbidden):
    """A steward asked to decide on a request of a project they belong to."""

    type, title = "conflict-of-interest", "Conflict of interest"


class InvalidTransition(FedcatError):
    """A workflow step that the request's current state does not allow."""

    status, type, title = 409, "invalid-transition", "Not allowed in this state"


class InvalidRequest(FedcatError):
    """A well-formed body whose content cannot be accepted."""

    status, type, title = 422, "invalid-request", "Invalid request"


class PayloadTooLarge(FedcatError):
    """A request body over the configured cap."""

    status, type, title = 413, "payload-too-large", "Payload too large"


class TokenError(FedcatError):
    """A token that does not validate (raised by `access.tokens`, turned into a `BearerError` at the edge)."""

    status, type, title = 401, "invalid-token", "Invalid access token"


class IssuerUnavailable(FedcatError):
    """The external issuer's discovery document or key set could not be fetched or is not usable."""

    status, type, title = 503, "issuer-unavailable", "Identity provider unavailable"


class AuditBroken(FedcatError):
    """The audit chain does not verify."""

    status, type, title = 500, "audit-broken", "Audit log tampered with"
