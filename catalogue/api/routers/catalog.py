"""The DCAT-AP 3 catalogue for partner portals: `/catalog` by content negotiation and `/catalog.{ext}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from catalogue.api.deps import SettingsDep, StoreDep
from catalogue.api.negotiation import NotAcceptable, negotiate
from catalogue.export import FORMATS, catalogue_page, serialize

router = APIRouter(tags=["catalogue"])


PageQ = Annotated[int, Query(ge=1, description="Page number, from 1.")]
SizeQ = Annotated[int, Query(ge=1, le=1000, description="Datasets per page (at most 1000).")]


async def _page(request: Request, settings: SettingsDep, store: StoreDep, fmt: str, page: int, size: int) -> Response:
    url = str(request.url.remove_query_params(["page", "page_size"]))
    datasets = request.app.state.public_datasets
    triples = await run_in_threadpool(catalogue_page, settings, store, page, size, url, datasets)
    body = serialize(triples, fmt)
    return Response(body, media_type=FORMATS[fmt][1], headers={"Vary": "Accept"})


@router.get("/catalog", summary="The catalogue, by content negotiation")
async def catalog(
    request: Request, settings: SettingsDep, store: StoreDep, page: PageQ = 1, page_size: SizeQ = 100
) -> Response:
    """DCAT-AP 3 with Hydra paging; Turtle, JSON-LD, RDF/XML or N-Triples by the Accept header."""
    return await _page(request, settings, store, negotiate(request.headers.get("accept")), page, page_size)


@router.get("/catalog.{ext}", summary="The catalogue in one serialisation")
async def catalog_ext(
    ext: str,
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    page: PageQ = 1,
    page_size: SizeQ = 100,
) -> Response:
    """`/catalog.ttl`, `.jsonld`, `.rdf` or `.nt`, with Hydra paging."""
    if ext not in FORMATS:
        raise NotAcceptable(f"unknown catalogue format .{ext}; use one of {', '.join('.' + f for f in FORMATS)}")
    return await _page(request, settings, store, ext, page, page_size)
