"""The pages people use: search, dataset pages, signing in, projects, access requests, the steward's queue,
the operator's sources and the SPARQL page.

Every route is thin: it calls what the JSON API calls (`catalogue.search.search`, `load_dataset` and
`build_view`, the `access.workflow` functions inside `access.deps.unit`, the quality report readers) and
renders a template from `catalogue/web/templates`. Forms are plain HTML POSTs carrying a CSRF token; the
session, CSRF and error pages are `catalogue.web.routing`'s, the sign-in flow `catalogue.web.session`'s.
`install(app)` adds the router and the security headers middleware.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from access import audit, workflow
from access.conditions import MUST_DECLARE, duo
from access.datasets import DatasetInfo, lookup
from access.deps import unit
from access.errors import InvalidRequest
from access.models import AccessRequest, Project
from access.sandbox_service import after_revocation, hosted_columns
from access.tokens import Principal
from catalogue.api.deps import SettingsDep
from catalogue.api.negotiation import choose, requested_languages
from catalogue.api.routers import datasets as dataset_routes
from catalogue.api.routers.search import _index as search_index  # the one index the app opened
from catalogue.config import Settings
from catalogue.dataset_view import build_view
from catalogue.datasets import load_dataset
from catalogue.errors import FedcatError, NotFound
from catalogue.export import FORMATS
from catalogue.index import IndexUnavailable
from catalogue.search import PUBLIC, InvalidSearch, preferred_languages, search
from catalogue.sparql_protocol import SparqlError, read_operation
from catalogue.store import GraphStore
from catalogue.web import render, workspace
from catalogue.web import sparql_page as sparql_page_kit
from catalogue.web.operator import source_statuses
from catalogue.web.routing import (
    PAGE_VARY,
    PageRoute,
    SessionRoute,
    context,
    form_of,
    kit,
    languages,
    load_session,
    page,
    page_language,
    require,
    store_session,
    web_of,
)
from catalogue.web.search_page import PAGE_SIZE, SearchState, snippet
from catalogue.web.security import SecurityHeaders
from catalogue.web.session import SignInFailed, begin, complete, end, safe_next
from catalogue.web.sparql_page import wants_page
from quality.report import data_section, hosted_section, metadata_section
from quality.terms import metadata_quality_graph

router = APIRouter(route_class=PageRoute, include_in_schema=False)
# The dataset page keeps the API's JSON errors (its 404 is the same for missing and restricted records).
dataset_router = APIRouter(route_class=SessionRoute, include_in_schema=False)
FACET_ORDER = (
    "theme",
    "publisher",
    "access_rights",
    "format",
    "hosted",
    "quality_band",
    "language",
    "licence",
    "keyword",
    "source",
    "protection_type",
)
FACET_VALUES_SHOWN = 8
AUDIT_PAGE = 50


def install(app: FastAPI) -> None:
    """Serve the pages (ahead of the API's `/datasets/{id}`, which the richer page replaces for people)."""
    app.include_router(router)
    app.include_router(dataset_router)
    app.add_middleware(SecurityHeaders)


# -- helpers ---------------------------------------------------------------------------------------------------


def _stores(request: Request, restricted: bool) -> GraphStore:
    state = request.app.state
    store: GraphStore = state.full_store if restricted else state.store
    return store


def _label(info: DatasetInfo) -> str:
    return info.title or info.dataset_id


def _columns_of(store: GraphStore, settings: Settings, dataset_id: str) -> list[str]:
    """The hosted data's columns, as its last validation recorded them."""
    data = data_section(store, settings, dataset_id)
    return [str(c["column"]) for c in (data or {}).get("columns", []) if c.get("column")]


def _duo_options() -> dict[str, list[dict[str, str]]]:
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


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# -- search ----------------------------------------------------------------------------------------------------


@router.get("/")
@router.get("/search")
def search_page(request: Request, settings: SettingsDep) -> Response:
    """Search with facets, snippets and quality badges; the URL holds the whole state."""
    state = SearchState.from_params(request.query_params.multi_items())
    lang = page_language(request, state.lang)
    web = web_of(request)
    restricted = web is not None and web.sees_restricted
    result, problem = None, None
    try:
        languages_wanted = preferred_languages(state.lang, request.headers.get("accept-language"))
        result = search(
            search_index(request),
            state.query(languages_wanted),
            visibility=("public", "restricted") if restricted else PUBLIC,
        )
    except (InvalidSearch, IndexUnavailable) as exc:
        problem = exc
    items = []
    for item in result.items if result else []:
        items.append(
            {
                **item,
                "href": f"/datasets/{item['id']}" + (f"?lang={state.lang}" if state.lang else ""),
                "snippet": snippet(item.get("description") or "", state.text),
                "band": item["quality_band"],  # from the index: no store query per hit
            }
        )
    facets = []
    for name in FACET_ORDER:
        values = result.facets.get(name, []) if result else []
        shown = [v for v in values if v.count > 0][:FACET_VALUES_SHOWN]
        shown += [v for v in values if state.selected(name, v.value) and v not in shown]
        if shown:
            facets.append(
                {
                    "name": name,
                    "values": [
                        {
                            "label": v.label,
                            "count": v.count,
                            "selected": state.selected(name, v.value),
                            "href": state.toggle(name, v.value),
                        }
                        for v in shown
                    ],
                }
            )
    pages = min(-(-result.total // PAGE_SIZE), 10_000 // PAGE_SIZE) if result else 0
    body = render(
        "search.html",
        language=lang,
        **context(
            request,
            lang,
            lang_links=languages(request, lang, state.with_lang),
            state=state,
            result=result,
            problem=problem,
            items=items,
            facets=facets,
            pages=pages,
            page_numbers=[n for n in range(1, pages + 1) if abs(n - state.page) <= 2 or n in (1, pages)],
            sorts=[(s, state.with_sort(s), s == state.sort) for s in ("relevance", "modified", "title")],
            restricted=restricted,
        ),
    )
    return HTMLResponse(body, headers={"Content-Language": lang, "Vary": PAGE_VARY})


# -- dataset page ----------------------------------------------------------------------------------------------


def _quality(store: GraphStore, settings: Settings, dataset_id: str) -> dict[str, Any]:
    """The quality panel: MQA score with the criteria missed, SHACL status, data profile summary."""
    mqa, shacl = metadata_section(store, metadata_quality_graph(settings.base, dataset_id))
    return {"mqa": mqa, "shacl": shacl, "data": data_section(store, settings, dataset_id)}


def _conditions(info: DatasetInfo) -> dict[str, Any]:
    vocab = duo()
    conditions = info.conditions
    return {
        "duo": [{"id": c, "label": vocab.label(c) if c in vocab.terms else c} for c in conditions.duo],
        "purposes": [c.__dict__ for c in conditions.purposes],
        "other": conditions.other,
    }


@dataset_router.get("/datasets/{dataset_id}")
def dataset_page(
    dataset_id: str,
    request: Request,
    settings: SettingsDep,
    fmt: dataset_routes.FormatQ = None,
    lang: dataset_routes.LangQ = None,
) -> Response:
    """The dataset page with quality, access conditions and "request access"; RDF as the API serves it.

    Signed-in users also see restricted records (the datasets one requests access to). Errors keep the API's
    JSON shape, so a restricted or missing record answers the same 404 as before.
    """
    accept = request.headers.get("accept")
    chosen = fmt or choose(accept, dataset_routes.PAGE_OFFERS)
    if chosen != "html":
        return dataset_routes.dataset_page(dataset_id, request, settings, request.app.state.store, fmt, lang)
    web = web_of(request)
    restricted = web is not None and web.sees_restricted
    store = _stores(request, restricted)
    record = load_dataset(store, settings, dataset_id, include_restricted=restricted)
    view = build_view(record, requested_languages(lang, request.headers.get("accept-language")))
    info = lookup(store, dataset_id)
    hosted = hosted_section(store, settings, dataset_id)
    may_request = info.restricted and web is not None and web.has_role("scientist", "steward", "admin")
    body = render(
        "dataset.html",
        language=view.language,
        **context(
            request,
            view.language,
            view=view,
            formats={f: media for f, (_, media) in FORMATS.items()},
            format_names=dataset_routes.FORMAT_NAMES,
            quality=_quality(store, settings, dataset_id),
            access={
                "restricted": info.restricted,
                "hosted": hosted,
                "conditions": _conditions(info),
                "request_url": "/requests/new?" + urlencode({"dataset": dataset_id}),
                "may_request": may_request,
            },
        ),
    )
    headers = {
        "Vary": "Accept, Accept-Language, Cookie",
        "Link": dataset_routes.alternates(dataset_id, "html"),
        **dataset_routes.HTML_HEADERS,  # this page needs no script at all: its policy allows none
        "Content-Language": view.language,
    }
    return HTMLResponse(body, headers=headers)


# -- signing in and out ----------------------------------------------------------------------------------------


@router.get("/signin")
def signin(request: Request) -> Response:
    """Start the authorization code flow (PKCE) at the node's issuer; come back to `next` afterwards."""
    target = safe_next(request.query_params.get("next"))
    if web_of(request) is not None:
        return _see_other(target)
    web_kit = kit(request.app)
    url, flow = begin(web_kit.client(), target)
    response = _see_other(url)
    jar = web_kit.jar
    response.set_cookie(jar.flow_name, jar.seal(flow), **{**jar.options(600), "path": "/oauth/callback"})
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/oauth/callback")
def oauth_callback(request: Request) -> Response:
    """The client side of the flow: check `state`, redeem the code, open the session."""
    web_kit = kit(request.app)
    jar = web_kit.jar
    params = request.query_params
    if params.get("error"):
        raise SignInFailed(params.get("error_description") or params["error"])
    flow = jar.open(request.cookies.get(jar.flow_name), 600)
    session = complete(web_kit.runtime, web_kit.client(), flow, params.get("code", ""), params.get("state", ""))
    response = _see_other(safe_next((flow or {}).get("next")))
    response.set_cookie(jar.session_name, jar.seal(session.to_cookie()), **jar.options(web_kit.session_seconds))
    response.delete_cookie(jar.flow_name, path="/oauth/callback", secure=jar.secure, httponly=True, samesite="lax")
    request.state.web_written = True
    return response


@router.post("/signout")
def signout(request: Request) -> Response:
    """Revoke the session's tokens and forget the session."""
    web_kit = kit(request.app)
    web = web_of(request)
    if web is not None:
        end(web_kit.runtime, web_kit.client(), web)
    response = _see_other("/")
    jar = web_kit.jar
    response.delete_cookie(jar.session_name, path="/", secure=jar.secure, httponly=True, samesite="lax")
    request.state.web_written = True
    return response


# -- projects and the workspace --------------------------------------------------------------------------------


def _applicant(request: Request) -> Principal:
    return require(request, "access:request", "scientist", "steward", "admin")[1]


@router.get("/projects")
def projects(request: Request) -> Response:
    """My projects, with their requests."""
    principal = _applicant(request)
    with unit(request, principal) as (ctx, actor):
        found = [workflow.project_view(ctx, p) for p in workflow.list_projects(ctx, actor)]
        requests_by_project: dict[str, list[dict[str, Any]]] = {}
        for r in workflow.list_requests(ctx, actor):
            requests_by_project.setdefault(r.project_id, []).append(workflow.summary(ctx, r))
    lang = page_language(request)
    return page(request, "projects.html", lang=lang, projects=found, requests=requests_by_project)


def _project_form(request: Request, values: dict[str, str], error: str | None, status: int = 200) -> Response:
    return page(request, "project_new.html", lang=page_language(request), values=values, error=error, status=status)


@router.get("/projects/new")
def project_new(request: Request) -> Response:
    """The new project form."""
    _applicant(request)
    return _project_form(request, {"next": safe_next(request.query_params.get("next") or "/projects")}, None)


@router.post("/projects/new")
def project_create(request: Request) -> Response:
    """Create the project, then go on to where the user came from (a request form) or to its workspace."""
    principal = _applicant(request)
    form = form_of(request)
    values = {k: str(form.get(k) or "") for k in ("title", "purpose", "organisation", "members", "next")}
    try:
        body = workflow.ProjectIn(
            title=values["title"],
            purpose=values["purpose"],
            organisation=values["organisation"] or None,
            members=[m for m in values["members"].replace(",", " ").split() if m],
        )
        with unit(request, principal) as (ctx, actor):
            project = workflow.create_project(ctx, actor, body)
            project_id = project.id
    except ValidationError as exc:
        return _project_form(request, values, _validation_message(exc), 422)
    except InvalidRequest as exc:
        return _project_form(request, values, exc.message, 422)
    target = safe_next(values["next"]) if values["next"] not in ("", "/projects") else f"/projects/{project_id}"
    if target.startswith("/requests/new"):
        target += ("&" if "?" in target else "?") + urlencode({"project": project_id})
    return _see_other(target)


def _workspace_data(request: Request, principal: Principal, project_id: str) -> dict[str, Any]:
    with unit(request, principal) as (ctx, actor):
        project = workflow.project_view(ctx, workflow.get_project(ctx, actor, project_id))
        mine = [workflow.summary(ctx, r) for r in workflow.list_requests(ctx, actor) if r.project_id == project_id]
        active = [
            {
                "dataset_id": e.dataset_id,
                "columns": e.columns,
                "row_filter": e.row_filter,
                "ends_at": e.ends_at.isoformat(),
                "request_id": e.request_id,
            }
            for e in workflow.active_entitlements(ctx.session, project_id, ctx.now)
        ]
    return {"project": project, "requests": mine, "active": active}


def _examples(views: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for view in views:
        name = str(view.get("name", ""))
        columns = [str(c.get("name")) for c in view.get("columns", []) if isinstance(c, dict)]
        if view.get("access_mode") == "aggregate-only" and columns:
            key = next((c for c in columns if c in ("canton", "sex", "commune", "hospital")), columns[0])
            sql = f"SELECT {key}, count(*) AS n\nFROM {name}\nGROUP BY {key}\nORDER BY {key}"
        else:
            sql = f"SELECT *\nFROM {name}\nLIMIT 20"
        out.append({"view": name, "sql": sql})
    return out


async def _workspace(
    request: Request,
    project_id: str,
    *,
    sql: str = "",
    outcome: workspace.QueryOutcome | None = None,
    status: int = 200,
) -> Response:
    web, principal = require(request, "access:request", "scientist", "steward", "admin")
    data = await run_in_threadpool(_workspace_data, request, principal, project_id)
    settings: Settings = request.app.state.settings
    unavailable = not workspace.available(request.app)
    views: list[dict[str, Any]] = []
    if not unavailable and data["active"]:
        views = await workspace.views(request.app, settings.base, web.access_token, project_id)
    examples = _examples(views)
    if not sql:
        sql = request.query_params.get("sql") or (examples[0]["sql"] if examples else "")
    return page(
        request,
        "workspace.html",
        lang=page_language(request),
        status=status,
        scripts=True,
        unavailable=unavailable,
        views=views,
        examples=examples,
        sql=sql,
        outcome=outcome,
        suppressed=outcome.suppressed_cells() if outcome else set(),
        **data,
    )


@router.get("/projects/{project_id}")
async def project_workspace(request: Request, project_id: str) -> Response:
    """A project: its requests, its active approvals and a SQL console over its views."""
    return await _workspace(request, project_id)


@router.post("/projects/{project_id}/query")
async def project_query(request: Request, project_id: str) -> Response:
    """Run the console's SQL: a results table on the page, or the result as a CSV download."""
    web, principal = require(request, "access:request", "scientist", "steward", "admin")
    await run_in_threadpool(_workspace_data, request, principal, project_id)  # 404 for other people's projects
    form = form_of(request)
    sql = str(form.get("sql") or "").strip()
    fmt = "csv" if form.get("format") == "csv" else "json"
    if not sql:
        return await _workspace(request, project_id, status=422)
    settings: Settings = request.app.state.settings
    outcome = await workspace.query(request.app, settings.base, web.access_token, project_id, sql, fmt)
    if outcome.ok and fmt == "csv":
        headers = {"Content-Disposition": f'attachment; filename="{project_id}-query.csv"'}
        for name in ("fedcat-suppressed-cells", "fedcat-results-truncated"):
            if name in outcome.headers:
                headers[name] = outcome.headers[name]
        return Response(outcome.content, media_type="text/csv; charset=utf-8", headers=headers)
    status = 200 if outcome.ok else outcome.status
    return await _workspace(request, project_id, sql=sql, outcome=outcome, status=status)


# -- access requests -------------------------------------------------------------------------------------------


@router.get("/requests")
def requests_list(request: Request) -> Response:
    """My requests with their state."""
    principal = _applicant(request)
    with unit(request, principal) as (ctx, actor):
        titles = {p.id: p.title for p in workflow.list_projects(ctx, actor)}
        found = [workflow.summary(ctx, r) for r in workflow.list_requests(ctx, actor)]
    return page(request, "requests.html", lang=page_language(request), requests=found, titles=titles)


def _request_form(
    request: Request,
    principal: Principal,
    dataset_ids: list[str],
    values: dict[str, Any],
    error: str | None,
    status: int = 200,
) -> Response:
    settings: Settings = request.app.state.settings
    store = _stores(request, True)
    datasets = []
    for dataset_id in dict.fromkeys(dataset_ids):
        try:
            info = lookup(store, dataset_id)
        except NotFound:
            continue
        datasets.append(
            {
                "id": dataset_id,
                "title": _label(info),
                "publisher": info.publisher_name or info.publisher_iri or "",
                "restricted": info.restricted,
                "conditions": _conditions(info),
                "columns": _columns_of(store, settings, dataset_id),
            }
        )
    with unit(request, principal) as (ctx, actor):
        projects = [workflow.project_view(ctx, p) for p in workflow.list_projects(ctx, actor)]
    access = settings.access
    back = [("dataset", d) for d in dataset_ids]
    return page(
        request,
        "request_new.html",
        lang=page_language(request),
        status=status,
        datasets=datasets,
        projects=projects,
        values=values,
        error=error,
        duo_options=_duo_options(),
        default_days=access.default_entitlement_days,
        max_days=access.max_entitlement_days,
        new_project_url="/projects/new?" + urlencode({"next": "/requests/new?" + urlencode(back)}),
    )


@router.get("/requests/new")
def request_new(request: Request) -> Response:
    """The access request form for the datasets in `?dataset=`."""
    principal = _applicant(request)
    dataset_ids = request.query_params.getlist("dataset")
    values = {"project": request.query_params.get("project", ""), "columns": {}, "modifiers": [], "accept": []}
    return _request_form(request, principal, dataset_ids, values, None)


@router.post("/requests/new")
def request_create(request: Request) -> Response:
    """Create the request as a draft, and submit it unless the user saved a draft."""
    principal = _applicant(request)
    form = form_of(request)
    dataset_ids = [str(d) for d in form.getlist("dataset")]
    columns = {d: [str(c) for c in form.getlist(f"columns:{d}")] for d in dataset_ids}
    values: dict[str, Any] = {
        "project": str(form.get("project") or ""),
        "purpose": str(form.get("purpose") or ""),
        "permission": str(form.get("permission") or ""),
        "modifiers": [str(m) for m in form.getlist("modifier")],
        "legal_basis": str(form.get("legal_basis") or ""),
        "duration_days": str(form.get("duration_days") or ""),
        "accept": [str(a) for a in form.getlist("accept")],
        "columns": columns,
    }
    try:
        body = workflow.RequestIn(
            project_id=values["project"],
            datasets=dataset_ids,
            columns={d: c for d, c in columns.items() if c},
            purpose=values["purpose"],
            duo_codes=[c for c in [values["permission"], *values["modifiers"]] if c],
            legal_basis=values["legal_basis"],
            duration_days=int(values["duration_days"]) if values["duration_days"].isdigit() else None,
            accept_terms=values["accept"],
        )
        with unit(request, principal) as (ctx, actor):
            created = workflow.create_request(ctx, actor, body)
            if form.get("action") != "draft":
                workflow.submit(ctx, actor, created.id)
            request_id = created.id
    except ValidationError as exc:
        return _request_form(request, principal, dataset_ids, values, _validation_message(exc), 422)
    except (InvalidRequest, NotFound) as exc:
        return _request_form(request, principal, dataset_ids, values, exc.message, 422)
    return _see_other(f"/requests/{request_id}")


def _member(ctx: workflow.Context, actor: workflow.Actor, project_id: str) -> bool:
    """True when the actor belongs to the project (admins see every project without belonging to it)."""
    try:
        project = workflow.get_project(ctx, actor, project_id)
    except NotFound:
        return False
    return actor.user.username in workflow.project_view(ctx, project)["members"]


def _request_view(request: Request, principal: Principal, request_id: str) -> tuple[dict[str, Any], bool]:
    with unit(request, principal) as (ctx, actor):
        view = workflow.request_view(ctx, actor, workflow.get_request(ctx, actor, request_id))
        return view, _member(ctx, actor, view["project"]["id"])


def _request_page(request: Request, request_id: str, error: str | None = None, status: int = 200) -> Response:
    principal = _applicant(request)
    view, member = _request_view(request, principal, request_id)
    return page(
        request,
        "request.html",
        lang=page_language(request),
        status=status,
        req=view,
        member=member,
        error=error,
        duo_options=_duo_options(),
    )


@router.get("/requests/{request_id}")
def request_detail(request: Request, request_id: str) -> Response:
    """A request: state, datasets and their conditions check, decisions, access and history."""
    return _request_page(request, request_id)


def _request_step(request: Request, request_id: str, step: str) -> Response:
    principal = _applicant(request)
    form = form_of(request)
    try:
        with unit(request, principal) as (ctx, actor):
            if step == "submit":
                workflow.submit(ctx, actor, request_id)
            elif step == "withdraw":
                workflow.withdraw(ctx, actor, request_id, str(form.get("reason") or "") or None)
            else:
                codes = [str(form.get("permission") or ""), *[str(m) for m in form.getlist("modifier")]]
                days = str(form.get("duration_days") or "")
                update = workflow.RequestUpdate(
                    purpose=str(form.get("purpose") or "") or None,
                    duo_codes=[c for c in codes if c],
                    legal_basis=str(form.get("legal_basis") or "") or None,
                    duration_days=int(days) if days.isdigit() else None,
                )
                workflow.update_request(ctx, actor, request_id, update)
    except ValidationError as exc:
        return _request_page(request, request_id, _validation_message(exc), 422)
    except FedcatError as exc:
        if exc.status == 404:
            raise
        return _request_page(request, request_id, exc.message, exc.status)
    return _see_other(f"/requests/{request_id}")


@router.post("/requests/{request_id}/submit")
def request_submit(request: Request, request_id: str) -> Response:
    """Send a draft or returned request to the stewards."""
    return _request_step(request, request_id, "submit")


@router.post("/requests/{request_id}/withdraw")
def request_withdraw(request: Request, request_id: str) -> Response:
    """Take a request back (ending its access, if any)."""
    return _request_step(request, request_id, "withdraw")


@router.post("/requests/{request_id}/edit")
def request_edit(request: Request, request_id: str) -> Response:
    """Change a draft or returned request's purpose, DUO codes, legal basis or duration."""
    return _request_step(request, request_id, "edit")


# -- stewards --------------------------------------------------------------------------------------------------


def _steward(request: Request) -> Principal:
    return require(request, "access:review", "steward")[1]


def _approved_for(ctx: workflow.Context, actor: workflow.Actor) -> list[dict[str, Any]]:
    """Approved requests with active access to the steward's datasets (what they may revoke), newest first."""
    ids = ctx.session.execute(
        sa.select(AccessRequest.id)
        .where(AccessRequest.state == "approved")
        .order_by(AccessRequest.updated_at.desc())
        .limit(200)
    ).scalars()
    out = []
    for request_id in ids:
        try:
            view = workflow.request_view(ctx, actor, workflow.get_request(ctx, actor, request_id))
        except NotFound:
            continue
        mine = {d["dataset_id"] for d in view["datasets"] if d["yours_to_decide"]}
        live = [e for e in view["entitlements"] if e["state"] == "active" and e["dataset_id"] in mine]
        if live:
            out.append({"id": view["id"], "project": view["project"], "entitlements": live})
    return out


@router.get("/steward")
def steward_queue(request: Request) -> Response:
    """The queue: submitted requests for the steward's publishers, with SLA age; filters in the URL."""
    principal = _steward(request)
    params = request.query_params
    text = (params.get("q") or "").strip().casefold()
    overdue_only = params.get("overdue") == "yes"
    publisher = params.get("publisher") or ""
    order = params.get("order") if params.get("order") in ("oldest", "newest") else "oldest"
    with unit(request, principal) as (ctx, actor):
        queue = workflow.queue(ctx, actor)
        titles = {}
        for entry in queue["requests"]:
            project = ctx.session.get(Project, entry["project_id"])
            titles[entry["project_id"]] = project.title if project else entry["project_id"]
        approved = _approved_for(ctx, actor)
        publishers = sorted(actor.publishers)

    def keep(entry: dict[str, Any]) -> bool:
        haystack = " ".join(
            [entry["id"], entry["project_id"], titles.get(entry["project_id"], "")]
            + [f"{d['dataset_id']} {d['title'] or ''}" for d in entry["datasets"]]
        ).casefold()
        if text and text not in haystack:
            return False
        if overdue_only and not entry["overdue"]:
            return False
        return not publisher or any(
            publisher.casefold() == (d["publisher"] or "").casefold() for d in entry["datasets"]
        )

    shown = [e for e in queue["requests"] if keep(e)]
    if order == "newest":
        shown.reverse()
    return page(
        request,
        "steward.html",
        lang=page_language(request),
        queue=queue,
        shown=shown,
        titles=titles,
        approved=approved,
        publishers=publishers,
        filters={"q": params.get("q") or "", "overdue": overdue_only, "publisher": publisher, "order": order},
    )


def _steward_page(request: Request, request_id: str, error: str | None = None, status: int = 200) -> Response:
    principal = _steward(request)
    settings: Settings = request.app.state.settings
    store = _stores(request, True)
    with unit(request, principal) as (ctx, actor):
        view = workflow.request_view(ctx, actor, workflow.get_request(ctx, actor, request_id))
        conflict = _member(ctx, actor, view["project"]["id"])
    # The columns offered for narrowing and pseudonymising: requested, else validated, else the hosted file's.
    columns = {
        d["dataset_id"]: d["columns"]
        or _columns_of(store, settings, d["dataset_id"])
        or hosted_columns(settings, d["dataset_id"])
        or []
        for d in view["datasets"]
    }
    return page(
        request,
        "steward_request.html",
        lang=page_language(request),
        status=status,
        req=view,
        conflict=conflict,
        columns=columns,
        error=error,
        today=date.today().isoformat(),
    )


@router.get("/steward/requests/{request_id}")
def steward_request(request: Request, request_id: str) -> Response:
    """A request as its steward sees it: purpose against conditions, decision and revocation forms."""
    return _steward_page(request, request_id)


@router.post("/steward/requests/{request_id}/decision")
def steward_decide(request: Request, request_id: str) -> Response:
    """Approve (narrowed by columns, rows or end date; identifiers pseudonymised), reject or return one dataset."""
    principal = _steward(request)
    form = form_of(request)
    dataset = str(form.get("dataset") or "")
    decision = str(form.get("decision") or "")
    chosen = [str(c) for c in form.getlist("columns")]
    offered = [str(c) for c in form.getlist("offered")]
    narrowed = decision == "approve" and bool(offered) and set(chosen) != set(offered)
    hidden = [str(c) for c in form.getlist("pseudonymise")] if decision == "approve" else []
    end_date = str(form.get("end_date") or "")
    row_filter = str(form.get("row_filter") or "").strip()
    try:
        body = workflow.DecisionIn(
            decision=decision,  # type: ignore[arg-type]
            reason=str(form.get("reason") or ""),
            datasets=[dataset] if dataset else None,
            columns={dataset: chosen} if narrowed and dataset else None,
            row_filter=row_filter if decision == "approve" and row_filter else None,
            end_date=date.fromisoformat(end_date) if decision == "approve" and end_date else None,
            pseudonymise={dataset: hidden} if hidden and dataset else None,
        )
        if narrowed and not chosen:
            raise InvalidRequest("an approval keeps at least one column; reject the request instead")
        with unit(request, principal) as (ctx, actor):
            workflow.decide(ctx, actor, request_id, body)
    except ValidationError as exc:
        return _steward_page(request, request_id, _validation_message(exc), 422)
    except ValueError as exc:
        return _steward_page(request, request_id, str(exc), 422)
    except FedcatError as exc:
        if exc.status == 404:
            raise
        return _steward_page(request, request_id, exc.message, exc.status)
    return _see_other(f"/steward/requests/{request_id}")


@router.post("/steward/requests/{request_id}/revoke")
def steward_revoke(request: Request, request_id: str) -> Response:
    """End a request's active access to the steward's datasets, with a reason."""
    principal = _steward(request)
    form = form_of(request)
    dataset = str(form.get("dataset") or "")
    try:
        body = workflow.ReasonIn(reason=str(form.get("reason") or "") or None, datasets=[dataset] if dataset else None)
        with unit(request, principal) as (ctx, actor):
            project_id = workflow.revoke(ctx, actor, request_id, body).project_id
        after_revocation(request.app, project_id)  # the project's views go now, not at the next sweep
    except ValidationError as exc:
        return _steward_page(request, request_id, _validation_message(exc), 422)
    except FedcatError as exc:
        if exc.status == 404:
            raise
        return _steward_page(request, request_id, exc.message, exc.status)
    return _see_other(f"/steward/requests/{request_id}")


@router.get("/steward/audit")
def steward_audit(request: Request) -> Response:
    """The audit trail of the steward's datasets (everything, for admins), oldest first, paged."""
    web, principal = require(request, "audit:read", "steward", "admin")
    params = request.query_params
    after = int(params["after"]) if (params.get("after") or "").isdigit() else 0
    kind = (params.get("kind") or "").strip()[:64] or None
    with unit(request, principal) as (ctx, actor):
        scope = None if actor.role == "admin" else actor.publishers
        found = audit.events(ctx.session, publishers=scope, after=after, limit=AUDIT_PAGE, kind=kind)
        events = [audit.as_dict(e) for e in found]
    next_url = None
    if len(events) == AUDIT_PAGE:
        next_url = "/steward/audit?" + urlencode({"after": events[-1]["seq"], **({"kind": kind} if kind else {})})
    return page(
        request,
        "audit.html",
        lang=page_language(request),
        events=events,
        kind=kind or "",
        next_url=next_url,
        admin=web.has_role("admin"),
    )


# -- operator --------------------------------------------------------------------------------------------------


@router.get("/operator")
def operator(request: Request, settings: SettingsDep) -> Response:
    """Sources with their last runs, errors, counts and quality (admins)."""
    require(request, "audit:read", "admin")
    statuses = source_statuses(settings, _stores(request, False))
    return page(request, "operator.html", lang=page_language(request), sources=statuses)


# -- SPARQL ----------------------------------------------------------------------------------------------------


async def sparql_page(request: Request) -> Response:
    """The SPARQL page on `/sparql` for browsers: an editor, example queries and the results as a table."""
    await load_session(request)
    endpoint = request.app.state.sparql
    lang = page_language(request)
    text = request.query_params.get("query") or ""
    result: dict[str, Any] | None = None
    failure: SparqlError | None = None
    truncated = False
    status = 200
    if text.strip():
        try:
            operation = read_operation(
                "GET", None, request.query_params.multi_items(), b"", endpoint.limits.max_query_bytes
            )
            answer, content = await endpoint.query(operation, sparql_page_kit.ACCEPT)
            truncated = answer.truncated
            if answer.media_type.startswith("application/sparql-results+json"):
                result = sparql_page_kit.results_table(content)
            else:
                result = {"graph": content.decode("utf-8", "replace")}
        except SparqlError as exc:
            failure, status = exc, exc.status
    examples = [
        {"key": key, "query": query, "href": "/sparql?" + urlencode({"query": query})}
        for key, query in sparql_page_kit.EXAMPLES
    ]
    response = page(
        request,
        "sparql.html",
        lang=lang,
        status=status,
        scripts=True,
        query=text or sparql_page_kit.EXAMPLES[0][1],
        ran=bool(text.strip()),
        result=result,
        failure=failure,
        truncated=truncated,
        examples=examples,
        limits=endpoint.limits,
    )
    store_session(request, response)
    return response


__all__ = ["install", "router", "sparql_page", "wants_page"]
