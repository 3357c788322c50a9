"""What the page modules share: the store a viewer may read, form helpers, DUO options, conditions."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse

from access import actors, request_views
from access.conditions import MUST_DECLARE, duo
from access.datasets import DatasetInfo
from access.tokens import Principal
from catalogue.config import Settings
from catalogue.errors import FedcatError, NotFound
from catalogue.store import GraphStore
from catalogue.web.routing import require
from quality.report import data_section


def stores(request: Request, restricted: bool) -> GraphStore:
    """The store with restricted records (for signed-in viewers who may see them) or the public one."""
    state = request.app.state
    store: GraphStore = state.full_store if restricted else state.store
    return store


def label(info: DatasetInfo) -> str:
    """A dataset's title, or its id when it has none."""
    return info.title or info.dataset_id


def columns_of(store: GraphStore, settings: Settings, dataset_id: str) -> list[str]:
    """The hosted data's columns, as its last validation recorded them."""
    data = data_section(store, settings, dataset_id)
    return [str(c["column"]) for c in (data or {}).get("columns", []) if c.get("column")]


def duo_options() -> dict[str, list[dict[str, str]]]:
    """DUO data use permissions (one is the purpose) and the modifiers an applicant can declare."""
    vocab = duo()
    permissions = [
        {"id": t.id, "shorthand": t.shorthand or "", "label": t.label}
        for t in sorted(vocab.terms.values(), key=lambda t: t.id)
        if vocab.is_permission(t.id)
    ]
    modifiers = [
        {"id": t.id, "shorthand": t.shorthand or "", "label": t.label}
        for t in sorted(vocab.terms.values(), key=lambda t: t.id)
        if t.shorthand in MUST_DECLARE
    ]
    return {"permissions": permissions, "modifiers": modifiers}


def validation_message(exc: ValidationError) -> str:
    """A form's validation errors in one line, field by field."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


def form_error(exc: Exception) -> tuple[str, int]:
    """What a form shows for a step that failed: (message, status). A 404 or an unexpected error propagates."""
    if isinstance(exc, ValidationError):
        return validation_message(exc), 422
    if isinstance(exc, FedcatError) and exc.status != 404:
        return exc.message, exc.status
    if isinstance(exc, ValueError) and not isinstance(exc, FedcatError):
        return str(exc), 422
    raise exc


def see_other(url: str) -> RedirectResponse:
    """Redirect after a form POST (303: the browser follows with a GET)."""
    return RedirectResponse(url, status_code=303)


def conditions_of(info: DatasetInfo) -> dict[str, Any]:
    """A dataset's access conditions with DUO labels, as the templates show them."""
    vocab = duo()
    conditions = info.conditions
    return {
        "duo": [{"id": c, "label": vocab.label(c) if c in vocab.terms else c} for c in conditions.duo],
        "purposes": [c.__dict__ for c in conditions.purposes],
        "other": conditions.other,
    }


def applicant(request: Request) -> Principal:
    """The signed-in user who may request access (403 or sign-in otherwise)."""
    return require(request, "access:request", "scientist", "steward", "admin")[1]


def is_member(ctx: actors.Context, actor: actors.Actor, project_id: str) -> bool:
    """True when the actor belongs to the project (admins see every project without belonging to it)."""
    try:
        project = actors.get_project(ctx, actor, project_id)
    except NotFound:
        return False
    return actor.user.username in request_views.project_view(ctx, project)["members"]
