"""Settings of the access capability: who issues tokens, for whom, how long things last, where state lives.

They sit under `[access]` in `fedcat.toml` (`FEDCAT_ACCESS__ISSUER_MODE=external`, ...). In `builtin` mode the node
is its own OAuth 2.0 / OIDC authorization server; in `external` mode it trusts one external OIDC provider
(Keycloak, ...) found through discovery, and maps that provider's role claim onto fedcat's roles.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

if TYPE_CHECKING:
    from access.outputs import DisclosureRules

Role = Literal["scientist", "steward", "admin"]
ROLES: tuple[Role, ...] = ("scientist", "steward", "admin")
# Only asymmetric signatures: a symmetric algorithm would let anyone holding the public key forge tokens.
ASYMMETRIC = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")


class SandboxLimits(BaseModel):
    """Resource and disclosure limits of sandboxed queries: `[access.sandbox]` in `fedcat.toml`.

    `FEDCAT_ACCESS__SANDBOX__MAX_ROWS=500` and the like override them per process.
    """

    memory_limit: str = "1GB"  # per project worker (DuckDB's own limit; no spilling to disk)
    threads: int = Field(default=2, ge=1)
    timeout_seconds: float = Field(default=10.0, gt=0)  # wall clock per query, then `con.interrupt()`
    grace_seconds: float = Field(default=2.0, gt=0)  # after the interrupt, before the worker is killed
    max_rows: int = Field(default=10_000, ge=1)  # per response; `truncated` says when rows were cut
    max_result_bytes: int = Field(default=64 * 2**20, ge=1024)  # Arrow bytes per response, cut at a row boundary
    suppression_threshold: int = Field(default=10, ge=1)  # ACRO's safe_threshold
    nk_n: int = Field(default=2, ge=1)  # ACRO's safe_nk_n
    nk_k: float = Field(default=0.9, gt=0, le=1)  # ACRO's safe_nk_k
    p_ratio: float = Field(default=0.1, ge=0)  # ACRO's safe_pratio_p
    rounding_base: int = Field(default=0, ge=0)  # 5 rounds counts like OpenSAFELY; 0 keeps them exact
    max_sql_bytes: int = Field(default=65_536, ge=1)
    max_workers: int = Field(default=8, ge=1)  # live worker processes; the least recently used idle one stops
    startup_seconds: float = Field(default=15.0, gt=0)  # for a worker process to start
    warm_spare: bool = True  # keep one worker process started ahead of the next approval
    # How often the web process revokes sandboxes whose entitlements expired or were revoked, so views go even
    # when nobody queries; 0 turns the sweep off (queries still refuse expired access by the clock).
    sweep_seconds: float = Field(default=60.0, ge=0)

    @field_validator("memory_limit")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not _MEMORY.match(value.strip()):
            raise ValueError("a memory limit looks like 512MB or 1GB")
        return value.strip()

    @property
    def rules(self) -> DisclosureRules:
        """The output-check rules these limits describe."""
        from access.outputs import DisclosureRules  # pyarrow: only when a sandbox runs, not when settings load

        return DisclosureRules(
            threshold=self.suppression_threshold,
            nk_n=self.nk_n,
            nk_k=self.nk_k,
            p_ratio=self.p_ratio,
            rounding_base=self.rounding_base,
        )


class AccessSettings(BaseModel):
    """Identity, tokens, the access-request workflow and its database."""

    issuer_mode: Literal["builtin", "external"] = "builtin"
    issuer: str | None = None  # builtin: defaults to the node's base_url; external: the provider's issuer URL
    audience: str | None = None  # the `aud` our resource server accepts; defaults to the node's base_url
    algorithms: list[str] = ["RS256"]  # the allow-list; anything else is refused before a key is looked at
    accepted_token_types: list[str] = ["at+jwt", "application/at+jwt"]  # RFC 9068 `typ`; ID tokens are "JWT"
    leeway_seconds: int = Field(default=30, ge=0, le=300)  # clock skew tolerated on exp / nbf / iat
    # External-issuer mode: where roles, publishers and the user name are read from (dotted claim paths).
    role_claim: str = "roles"
    role_map: dict[str, Role] = {}  # external role value -> fedcat role; fedcat's own role names always map
    publisher_claim: str | None = "publishers"
    username_claim: str = "preferred_username"
    jwks_cooldown_seconds: float = Field(default=60.0, ge=0)  # at most one JWKS fetch per cooldown on unknown kid
    jwks_max_age_seconds: float = Field(default=3600.0, gt=0)  # a known key set is refetched after this long
    # Lifetimes: access tokens live minutes, not days.
    access_token_seconds: int = Field(default=300, ge=30, le=3600)
    id_token_seconds: int = Field(default=300, ge=30, le=3600)
    refresh_token_seconds: int = Field(default=12 * 3600, ge=60)
    auth_code_seconds: int = Field(default=60, ge=10, le=600)
    # The workflow.
    default_entitlement_days: int = Field(default=90, ge=1)
    max_entitlement_days: int = Field(default=730, ge=1)
    sla_days: float = Field(default=10.0, gt=0)  # time to first decision a steward is held to
    database_url: str | None = None  # default sqlite:///<home>/fedcat.db
    auto_migrate: bool = True  # bring the schema to head when the node opens its database
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)  # JSON and form bodies of the access routes
    sandbox: SandboxLimits = SandboxLimits()  # `[access.sandbox]`: limits of the project sandboxes

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, value: list[str]) -> list[str]:
        bad = [a for a in value if a not in ASYMMETRIC]
        if bad or not value:
            raise ValueError(f"only asymmetric signature algorithms may be allowed, not {bad or 'none'}")
        return value

    @model_validator(mode="after")
    def _external_needs_issuer(self) -> AccessSettings:
        if self.issuer_mode == "external" and not (self.issuer and self.audience):
            raise ValueError("external issuer mode needs access.issuer and access.audience")
        return self

    def issuer_url(self, base: str) -> str:
        """The `iss` our tokens carry (builtin) or that we accept (external)."""
        return (self.issuer or base).rstrip("/")

    def audience_value(self, base: str) -> str:
        """The `aud` our resource server requires."""
        return self.audience or base.rstrip("/")

    def database(self, home: Path) -> str:
        """The SQLAlchemy URL of the workflow database."""
        return self.database_url or f"sqlite:///{home.resolve() / 'fedcat.db'}"
