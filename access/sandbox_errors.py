"""What can go wrong in a project sandbox, each with its HTTP status and stable `type`."""

from __future__ import annotations

from typing import ClassVar

from catalogue.errors import FedcatError


class SandboxNotFound(FedcatError):
    """No entitlement was ever materialised for this project."""

    status, type, title = 404, "sandbox-not-found", "No sandbox for this project"


class SandboxRevoked(FedcatError):
    """The project's access was revoked or has expired."""

    status, type, title = 403, "sandbox-revoked", "Access revoked or expired"


class EntitlementInvalid(FedcatError):
    """An approval the sandbox cannot turn into views (unknown column, file outside the hosted data, bad filter)."""

    status, type, title = 422, "invalid-entitlement", "Approval cannot be materialised"


class QueryTimeout(FedcatError):
    """The query ran past the wall-clock timeout and was interrupted.

    503 rather than 408: 408 says the *client* was too slow sending its request, and some clients and proxies
    silently resend on 408, which would rerun an expensive query. 503 with Retry-After is what the node's SPARQL
    endpoint answers for the same situation, and a timeout on two shared cores can depend on load.
    """

    status, type, title = 503, "query-timeout", "Query timed out"
    retry_after: ClassVar[int] = 1


class MemoryLimit(FedcatError):
    """The query needed more memory than the sandbox allows; the service is unaffected.

    422: unlike a timeout, this does not depend on load, the same query fails the same way until it is changed.
    """

    status, type, title = 422, "memory-limit", "Query needs too much memory"


class SandboxBusy(FedcatError):
    """The project's worker stayed busy with an earlier query for longer than the timeout."""

    status, type, title = 429, "sandbox-busy", "Project sandbox busy"
    retry_after: ClassVar[int] = 1


class QueryFailed(FedcatError):
    """DuckDB refused the query (unknown column, type mismatch, division by zero, ...)."""

    status, type, title = 400, "query-failed", "Query failed"


class SandboxUnavailable(FedcatError):
    """The project's worker could not start or died while running the query."""

    status, type, title = 503, "sandbox-unavailable", "Sandbox unavailable"


class AuditUnavailable(FedcatError):
    """The audit hook failed: no result leaves without its audit record."""

    status, type, title = 503, "audit-unavailable", "Audit log unavailable"
