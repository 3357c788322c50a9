"""Catalogue pages: search, the dataset page, the operator's sources and the SPARQL page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from access.datasets import lookup
from catalogue.api.deps import SettingsDep, search_index
from catalogue.api.negotiation import choose, requested_languages
from catalogue.api.routers import datasets as dataset_routes
from catalogue.api.routers.pages.common import (
    conditions_of,
    stores,
)
from catalogue.config import Settings
from catalogue.dataset_view import build_view
from catalogue.datasets import load_dataset
from catalogue.export import FORMATS
from catalogue.index import IndexUnavailable
from catalogue.search import PUBLIC, InvalidSearch, preferred_languages, search
from catalogue.sparql_protocol import SparqlError, read_operation
from catalogue.store import GraphStore
from catalogue.web import render
from catalogue.web import sparql_page as sparql_page_kit
from catalogue.web.operator import source_statuses
from catalogue.web.routing import (
    PAGE_VARY,
    PageRoute,
    SessionRoute,
    context,
    languages,
    load_session,
    page,
    page_language,
    require,
    store_session,
    web_of,
)
from catalogue.web.search_page import PAGE_SIZE, SearchState, snippet
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
    store = stores(request, restricted)
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
                "conditions": conditions_of(info),
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


# -- operator --------------------------------------------------------------------------------------------------


@router.get("/operator")
def operator(request: Request, settings: SettingsDep) -> Response:
    """Sources with their last runs, errors, counts and quality (admins)."""
    require(request, "audit:read", "admin")
    statuses = source_statuses(settings, stores(request, False))
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
