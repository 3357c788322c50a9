"""`GET /api/datasets`: dataset search with facets; a thin layer over `catalogue.search`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from catalogue.api.deps import SeesRestricted, search_index
from catalogue.index_schema import FACETS
from catalogue.search import (
    MAX_PAGE_SIZE,
    MAX_QUERY_CHARS,
    PUBLIC,
    SORTS,
    SearchQuery,
    UnknownFacet,
    preferred_languages,
    search,
)

router = APIRouter(tags=["search"])
PARAMS = {"q", "lang", "sort", "page", "page_size", "facets"}

Facet = Annotated[list[str], Query(description="Facet filter; repeat for OR within the facet.")]


@router.get(
    "/api/datasets",
    summary="Search datasets",
    response_class=JSONResponse,
    responses={200: {"description": "`total`, `page`, `page_size`, `lang`, `match`, `items` and `facets`."}},
)
def datasets(
    request: Request,
    sees_restricted: SeesRestricted,
    q: Annotated[
        str, Query(description=f'Words, "phrases", prefix*, -excluded (at most {MAX_QUERY_CHARS} chars).')
    ] = "",
    lang: Annotated[str | None, Query(description="Display language (overrides Accept-Language).")] = None,
    sort: Annotated[str, Query(description=" | ".join(SORTS), json_schema_extra={"enum": list(SORTS)})] = "relevance",
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    facets: Annotated[bool, Query(description="false skips the facet counts (cheaper when paging).")] = True,
    accept_language: Annotated[str | None, Header()] = None,
    theme: Facet = [],  # noqa: B006 - FastAPI copies defaults per request
    publisher: Facet = [],  # noqa: B006
    format: Facet = [],  # noqa: B006
    licence: Facet = [],  # noqa: B006
    access_rights: Facet = [],  # noqa: B006
    keyword: Facet = [],  # noqa: B006
    language: Facet = [],  # noqa: B006
    source: Facet = [],  # noqa: B006
    protection_type: Facet = [],  # noqa: B006
    hosted: Facet = [],  # noqa: B006
    quality_band: Facet = [],  # noqa: B006
) -> Response:
    """Ranked search over every language with facet counts; anonymous callers see public records only, a bearer
    token with `catalogue:restricted` sees restricted ones too."""
    unknown = sorted(set(request.query_params) - PARAMS - set(FACETS))
    if unknown:
        raise UnknownFacet(f"unknown parameter {', '.join(unknown)}; facets are {', '.join(FACETS)}")
    filters = {name: tuple(request.query_params.getlist(name)) for name in FACETS if name in request.query_params}
    query = SearchQuery(
        text=q,
        filters=filters,
        languages=preferred_languages(lang, accept_language),
        sort=sort,
        page=page,
        page_size=page_size,
        facets=facets,
    )
    visibility = ("public", "restricted") if sees_restricted else PUBLIC
    result = search(search_index(request), query, visibility=visibility)
    headers = {"Content-Language": result.lang, "Vary": "Accept-Language, Authorization"}
    if sees_restricted:  # an answer for one entitled caller: no shared cache may keep it
        headers["Cache-Control"] = "private, no-store"
    # The same bytes JSONResponse would send, kept with the (cached) result: repeats skip the encoding.
    return Response(result.json_body(), media_type="application/json", headers=headers)
