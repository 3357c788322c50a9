"""`fedcat sandbox query PROJECT SQL [--as USER] [--format json|csv]`: the operator's way into a project sandbox.

The same service as the API (`access.sandbox_service`): the views follow the project's active entitlements,
the output checks apply, and the query is written to the audit log. With `--as USER` the user must be a member
of the project (and is the recorded actor); without it the actor is `operator`.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from catalogue.cli import HomeOption, app, fail, settings_for
from catalogue.errors import FedcatError, NotFound

sandbox_app = typer.Typer(help="Project sandboxes: query approved data.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")


@sandbox_app.command("query")
def sandbox_query(
    project: Annotated[str, typer.Argument(help="The project id.")],
    sql: Annotated[str, typer.Argument(help="One SELECT over the project's views.")],
    as_user: Annotated[str | None, typer.Option("--as", help="Run as this project member.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="json or csv.")] = "json",
    home: HomeOption = None,
) -> None:
    """Run one SQL query in a project's sandbox and print the (output-checked) result."""
    from access.accounts import user_by_name
    from access.runtime import AccessRuntime
    from access.sandbox_service import SandboxService, is_member

    if fmt not in {"json", "csv"}:
        fail(FedcatError(f"unknown format {fmt!r}; use json or csv"))
    runtime = AccessRuntime(settings_for(home))
    service = SandboxService(runtime)
    try:
        actor = "operator"
        if as_user is not None:
            with runtime.db.session() as session:
                user = user_by_name(session, as_user)
                if not is_member(session, project, user.id):
                    raise NotFound(f"no project with id {project!r}")
                actor = f"user:{user.username}"
        result = service.query(project, sql, actor=actor, fmt=fmt)
        if fmt == "json":
            sys.stdout.write(json.dumps(result.to_json(), indent=2, default=str) + "\n")
        else:
            sys.stdout.write((result.data or b"").decode())
    except FedcatError as exc:
        fail(exc)
    finally:
        service.close()
        runtime.close()
