"""One exception root for fedcat: each class has an HTTP status and a stable `type` slug."""

from __future__ import annotations

from typing import Any


class FedcatError(Exception):
    """Root of every error fedcat raises on purpose; rendered as one JSON shape."""

    status: int = 500
    type: str = "internal-error"
    title: str = "Internal error"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        """The JSON error body: `type`, `title`, `status`, `detail` and any extra fields."""
        return {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.message,
            **self.extra,
        }


class ConfigError(FedcatError):
    """The node's configuration is missing or invalid."""

    status, type, title = 400, "config-error", "Invalid configuration"


class NotFound(FedcatError):
    """An unknown id or name."""

    status, type, title = 404, "not-found", "Not found"


class AlreadyExists(FedcatError):
    """A name that must be unique is taken."""

    status, type, title = 409, "already-exists", "Already exists"


class UnknownExtension(FedcatError):
    """A registry lookup for a kind/name nobody registered."""

    status, type, title = 400, "unknown-extension", "Unknown extension"


class FetchError(FedcatError):
    """A source could not be fetched safely (network, HTTP status, limits, SSRF guard)."""

    status, type, title = 502, "fetch-error", "Source could not be fetched"


class ForbiddenAddress(FetchError):
    """A URL or redirect points at a loopback, private, link-local or otherwise non-public address."""

    type, title = "forbidden-address", "Address not allowed"


class ForbiddenScheme(FetchError):
    """A URL scheme other than http(s), or file:// where the operator did not allow it."""

    type, title = "forbidden-scheme", "URL scheme not allowed"


class ResponseTooLarge(FetchError):
    """A response body over the byte cap."""

    type, title = "response-too-large", "Response too large"


class DeadlineExceeded(FetchError):
    """A response that did not complete within the per-request deadline."""

    type, title = "deadline-exceeded", "Source too slow"


class HttpStatusError(FetchError):
    """A source answered with a non-success HTTP status."""

    type, title = "http-status", "Source answered with an error status"


class ParseError(FedcatError):
    """Malformed or hostile input that cannot be parsed safely."""

    status, type, title = 422, "parse-error", "Malformed input"


class HostileInput(ParseError):
    """Input refused because it could attack the parser (DOCTYPE / entities, remote JSON-LD contexts)."""

    type, title = "hostile-input", "Input refused"


class UnsupportedFormat(ParseError):
    """A serialisation format fedcat cannot read or write."""

    type, title = "unsupported-format", "Unsupported format"


class MappingError(ParseError):
    """A record that cannot be mapped to DCAT-AP (no title, no id, wrong shape); it is skipped and reported."""

    type, title = "unmappable-record", "Record cannot be mapped"


class StoreBusy(FedcatError):
    """The embedded store is held by another process (one writer per Oxigraph directory)."""

    status, type, title = 409, "store-busy", "Graph store in use"


class EmptyGather(FetchError):
    """A source that listed no records although records of it are stored: treated as a failure, not a wipe."""

    type, title = "empty-gather", "Source listed no records"
