"""`fedcat users add`, `fedcat clients add`, `fedcat token issue`, `fedcat keys rotate|list`, `fedcat db upgrade`,
`fedcat audit verify`: the operator's side of identity and access."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from catalogue.cli import HomeOption, app, err, fail, out, settings_for
from catalogue.errors import ConfigError, FedcatError

users_app = typer.Typer(help="Local user accounts (built-in issuer).", no_args_is_help=True)
clients_app = typer.Typer(help="OAuth clients: partner portals, the web UI, the CLI.", no_args_is_help=True)
token_app = typer.Typer(
    help="Mint tokens with the node's key (operator tool for scripts and tests).", no_args_is_help=True
)
keys_app = typer.Typer(help="The node's token signing keys.", no_args_is_help=True)
db_app = typer.Typer(help="The workflow database.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(clients_app, name="clients")
app.add_typer(token_app, name="token")
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")


def _runtime(home: object) -> object:
    from access.runtime import AccessRuntime

    return AccessRuntime(settings_for(home))  # type: ignore[arg-type]


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="The login name.")],
    role: Annotated[str, typer.Option("--role", help="scientist, steward or admin.")],
    publisher: Annotated[
        list[str] | None,
        typer.Option("--publisher", help="A publisher (name or IRI) the steward decides for; repeatable."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Full name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="E-mail address.")] = None,
    home: HomeOption = None,
) -> None:
    """Add a user; the password is read from the first line of standard input and stored with Argon2id."""
    from access.accounts import add_user
    from access.credentials import MIN_PASSWORD
    from access.runtime import AccessRuntime

    try:
        runtime = AccessRuntime(settings_for(home))
        password = typer.get_text_stream("stdin").readline().rstrip("\r\n")
        if len(password) < MIN_PASSWORD:
            raise ConfigError(f"give a password of at least {MIN_PASSWORD} characters on standard input")
        with runtime.db.session() as session:
            user = add_user(
                session,
                username,
                role=role,
                password=password,
                publishers=publisher or [],
                now=runtime.now(),
                name=name,
                email=email,
            )
            from access import audit

            audit.record(
                session,
                kind="user.added",
                actor="operator",
                at=runtime.now(),
                subject=username,
                publishers=publisher or [],
                data={"role": role, "publishers": publisher or []},
            )
            subject = user.subject
        runtime.close()
    except FedcatError as exc:
        fail(exc)
    out.print(f"added {role} {username} (sub {subject})")


@clients_app.command("add")
def clients_add(
    name: Annotated[str, typer.Argument(help="A unique name for the client.")],
    scope: Annotated[list[str], typer.Option("--scope", help="Scopes it may ask for; repeatable or space-separated.")],
    redirect_uri: Annotated[
        list[str] | None,
        typer.Option("--redirect-uri", help="Enables the authorization code flow (PKCE); repeatable."),
    ] = None,
    public: Annotated[bool, typer.Option("--public", help="A public client (browser, CLI): no secret.")] = False,
    home: HomeOption = None,
) -> None:
    """Register an OAuth client and print its client id and (for confidential clients) its secret, once."""
    from access.accounts import add_client
    from access.runtime import AccessRuntime

    try:
        runtime = AccessRuntime(settings_for(home))
        with runtime.db.session() as session:
            created = add_client(
                session, name, scopes=scope, redirect_uris=redirect_uri or [], public=public, now=runtime.now()
            )
            from access import audit

            audit.record(
                session,
                kind="client.added",
                actor="operator",
                at=runtime.now(),
                subject=created.client_id,
                data={"name": name, "scopes": created.client.scopes, "grants": created.client.grant_types},
            )
        runtime.close()
    except FedcatError as exc:
        fail(exc)
    typer.echo(f"client_id={created.client_id}")
    if created.client_secret:
        typer.echo(f"client_secret={created.client_secret}")
        err.print("the secret is shown only now; fedcat keeps only its hash", highlight=False)


@token_app.command("issue")
def token_issue(
    username: Annotated[str, typer.Argument(help="The user the token speaks for.")],
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="Scopes (default: all API scopes); repeatable.")
    ] = None,
    lifetime: Annotated[int | None, typer.Option("--lifetime", help="Seconds (default: the configured).")] = None,
    home: HomeOption = None,
) -> None:
    """Print a bare access token for USERNAME, signed with the node's current key."""
    from access import audit
    from access.accounts import API_SCOPES, OPERATOR_CLIENT, SCOPES, publishers_of, user_by_name
    from access.runtime import AccessRuntime

    try:
        runtime = AccessRuntime(settings_for(home))
        if not runtime.builtin:
            raise ConfigError("this node trusts an external issuer; ask it for tokens")
        scopes = [s for value in (scope or API_SCOPES) for s in value.split()]
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown:
            raise ConfigError(f"unknown scopes {unknown}; scopes are {', '.join(SCOPES)}")
        with runtime.db.session() as session:
            user = user_by_name(session, username)
            if user.disabled:
                raise ConfigError(f"{username} is disabled")
            token, claims = runtime.issuer.access_token(
                subject=user.subject,
                client_id=OPERATOR_CLIENT,
                scope=" ".join(dict.fromkeys(scopes)),
                roles=[user.role],
                publishers=publishers_of(session, user),
                username=user.username,
                lifetime=lifetime,
            )
            audit.record(
                session,
                kind="login.operator_token",
                actor="operator",
                at=runtime.now(),
                subject=username,
                data={"scope": claims["scope"], "jti": claims["jti"], "exp": claims["exp"]},
            )
        runtime.close()
    except FedcatError as exc:
        fail(exc)
    sys.stdout.write(token + "\n")


@keys_app.command("rotate")
def keys_rotate(home: HomeOption = None) -> None:
    """Make a new signing key current; older keys keep verifying until their tokens have expired."""
    from access.runtime import AccessRuntime

    try:
        runtime = AccessRuntime(settings_for(home))
        kid = runtime.ring.rotate()
    except FedcatError as exc:
        fail(exc)
    out.print(f"signing with key {kid}")


@keys_app.command("list")
def keys_list(home: HomeOption = None) -> None:
    """List the signing keys, newest last."""
    from access.runtime import AccessRuntime

    try:
        runtime = AccessRuntime(settings_for(home))
        infos = runtime.ring.infos()
    except FedcatError as exc:
        fail(exc)
    for info in infos:
        state = f"retired {info.retired.isoformat()}" if info.retired else "current"
        typer.echo(f"{info.kid}\tcreated {info.created.isoformat()}\t{state}")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Option("--revision", help="Target revision.")] = "head",
    home: HomeOption = None,
) -> None:
    """Run the database migrations (SQLite by default, or access.database_url)."""
    from access.db import Database

    try:
        settings = settings_for(home)
        db = Database(settings.access.database(settings.home))
        try:
            db.upgrade(revision)
            current = db.current()
        finally:
            db.close()
    except FedcatError as exc:
        fail(exc)
    except Exception as exc:  # a database that cannot be reached or migrated: say so, exit non-zero
        err.print(f"[bold red]error[/] could not upgrade the database: {exc}", highlight=False)
        raise typer.Exit(1) from exc
    out.print(f"database at revision {current}")


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        str | None, typer.Option("--anchor", help="SEQ:HASH recorded earlier; the chain must still contain it.")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Check the audit chain; exit 1 and name the first bad event when anything was edited, removed or reordered."""
    from access import audit
    from access.runtime import AccessRuntime

    try:
        pinned = None
        if anchor:
            seq, _, digest = anchor.partition(":")
            if not seq.isdigit() or len(digest) != 64:
                raise ConfigError("--anchor takes SEQ:HASH (the hash as printed by a previous verify)")
            pinned = (int(seq), digest)
        runtime = AccessRuntime(settings_for(home))
        with runtime.db.session() as session:
            result = audit.verify(session, anchor=pinned)
        runtime.close()
    except FedcatError as exc:
        fail(exc)
    if not result.ok:
        err.print(f"[bold red]audit chain broken[/] at event {result.first_bad}: {result.problem}", highlight=False)
        raise typer.Exit(1)
    typer.echo(f"audit chain intact: {result.events} events; head {result.head_seq}:{result.head_hash}")
