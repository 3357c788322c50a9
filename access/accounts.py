"""Users and OAuth clients: created by the operator's CLI, read by the authorization server and the workflow."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from access.credentials import digest, hash_password, new_secret
from access.models import Client, User, UserPublisher
from access.settings import ROLES
from catalogue.errors import AlreadyExists, ConfigError, NotFound

BUILTIN = "builtin"  # the `issuer` of local accounts
# Scopes of the built-in authorization server. Roles still apply: a scope never grants what a role does not.
RESTRICTED_SCOPE = "catalogue:restricted"  # partner portals (and people) entitled to restricted metadata
API_SCOPES = ("access:request", "access:review", "audit:read", RESTRICTED_SCOPE)
OIDC_SCOPES = ("openid", "profile", "offline_access")
SCOPES = OIDC_SCOPES + API_SCOPES
OPERATOR_CLIENT = "fedcat-operator"  # the client_id of tokens minted by `fedcat token issue`


def publishers_of(session: Session, user: User) -> frozenset[str]:
    """The publishers a steward decides for."""
    rows = session.execute(sa.select(UserPublisher.publisher).where(UserPublisher.user_id == user.id))
    return frozenset(rows.scalars())


def set_publishers(session: Session, user: User, publishers: Iterable[str]) -> None:
    """Replace a user's publishers."""
    session.execute(sa.delete(UserPublisher).where(UserPublisher.user_id == user.id))
    for value in dict.fromkeys(p.strip() for p in publishers if p.strip()):
        session.add(UserPublisher(user_id=user.id, publisher=value))


def add_user(
    session: Session,
    username: str,
    *,
    role: str,
    password: str | None,
    publishers: Iterable[str] = (),
    now: datetime,
    name: str | None = None,
    email: str | None = None,
    organisation: str | None = None,
) -> User:
    """A new local account; `AlreadyExists` when the name is taken."""
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    if not username or len(username) > 150 or any(c.isspace() for c in username):
        raise ConfigError("a user name is 1 to 150 characters without spaces")
    if session.execute(sa.select(User.id).where(User.username == username)).first():
        raise AlreadyExists(f"a user named {username!r} exists")
    publishers = list(publishers)
    if role == "steward" and not publishers:
        raise ConfigError("a steward decides for at least one publisher: pass --publisher")
    user = User(
        subject=uuid.uuid4().hex,
        issuer=BUILTIN,
        username=username,
        password_hash=hash_password(password) if password else None,
        role=role,
        name=name,
        email=email,
        organisation=organisation,
        disabled=False,
        created_at=now,
    )
    session.add(user)
    session.flush()
    set_publishers(session, user, publishers)
    return user


def user_by_name(session: Session, username: str) -> User:
    """The user called `username`; `NotFound` otherwise."""
    user = session.execute(sa.select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


@dataclass(frozen=True)
class NewClient:
    """A client as created: the secret is shown once and only its hash is kept."""

    client_id: str
    client_secret: str | None
    client: Client


def add_client(
    session: Session,
    name: str,
    *,
    scopes: Iterable[str],
    redirect_uris: Iterable[str] = (),
    public: bool = False,
    now: datetime,
) -> NewClient:
    """Register an OAuth client. Confidential clients get client credentials; with redirect URIs, also the
    authorization code flow (always with PKCE) and refresh tokens. Public clients get no secret."""
    from access.oauth import valid_redirect_uri

    wanted = [s for scope in scopes for s in scope.split()]
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise ConfigError(f"unknown scopes {unknown}; scopes are {', '.join(SCOPES)}")
    uris = list(dict.fromkeys(redirect_uris))
    for uri in uris:
        if not valid_redirect_uri(uri):
            raise ConfigError(f"{uri!r} is not an acceptable redirect URI (https, or http on a loopback address)")
    if public and not uris:
        raise ConfigError("a public client needs at least one --redirect-uri")
    if session.execute(sa.select(Client.id).where(Client.name == name)).first():
        raise AlreadyExists(f"a client named {name!r} exists")
    grants = [] if public else ["client_credentials"]
    if uris:
        grants += ["authorization_code", "refresh_token"]
    client_id = f"{'pub' if public else 'cc'}-{new_secret(12)}"
    secret = None if public else new_secret(32)
    client = Client(
        client_id=client_id,
        name=name,
        secret_hash=digest(secret) if secret else None,
        redirect_uris=uris,
        scopes=" ".join(dict.fromkeys(wanted)),
        grant_types=" ".join(grants),
        disabled=False,
        created_at=now,
    )
    session.add(client)
    session.flush()
    return NewClient(client_id, secret, client)
