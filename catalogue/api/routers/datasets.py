"""Dataset pages: `/api/datasets/{id}` (JSON) and `/datasets/{id}` (HTML or RDF, by content negotiation).

Anonymous callers read the public snapshot (`StoreDep`), so a restricted record is simply not there: it
answers 404 exactly as a missing one does. The JSON view reads every record for a bearer token with
`catalogue:restricted` (a partner portal), as the search and `/sparql` do.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from catalogue.api.deps import ReaderStoreDep, SeesRestricted, SettingsDep, StoreDep
from catalogue.api.negotiation import JSON_ALIASES, RDF_MEDIA, NotAcceptable, choose, requested_languages
from catalogue.dataset_view import DatasetView, build_view, links
from catalogue.datasets import dataset_rdf, load_dataset
from catalogue.export import FORMATS, serialize
from catalogue.web import render

router = APIRouter(tags=["datasets"])

# What /datasets/{id} offers, in our order of preference when the client does not care: the page first.
PAGE_OFFERS = {"text/html": "html", "application/xhtml+xml": "html", **RDF_MEDIA, **JSON_ALIASES}
FORMAT_NAMES = {"ttl": "Turtle", "jsonld": "JSON-LD", "rdf": "RDF/XML", "nt": "N-Triples"}
MEDIA = {"html": "text/html", "self": "application/json", **{fmt: media for fmt, (_, media) in FORMATS.items()}}
# No script, no third-party anything: a page that only ever loads its own stylesheet.
HTML_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No dataset with this id is visible to the caller (one JSON error shape)."}
}

FormatQ = Annotated[
    Literal["html", "ttl", "jsonld", "rdf", "nt"] | None,
    Query(alias="format", description="Serialisation, overriding the Accept header."),
]
LangQ = Annotated[
    str | None,
    Query(max_length=35, description="Display language (BCP 47 tag), overriding Accept-Language."),
]


def alternates(dataset_id: str, current: str) -> str:
    """A `Link` header naming the dataset's other representations."""
    urls = links(dataset_id)
    return ", ".join(f'<{url}>; rel="alternate"; type="{MEDIA[key]}"' for key, url in urls.items() if key != current)


@router.get(
    "/api/datasets/{dataset_id}",
    response_model=DatasetView,
    summary="A dataset, as JSON",
    responses=NOT_FOUND,
)
def dataset_json(
    dataset_id: str,
    request: Request,
    response: Response,
    settings: SettingsDep,
    store: ReaderStoreDep,
    sees_restricted: SeesRestricted,
    lang: LangQ = None,
) -> DatasetView:
    """Titles, descriptions and keywords by language, display values in the requested language, the
    distributions, provenance and where else the dataset is listed (restricted records for a bearer token with
    `catalogue:restricted`)."""
    requested = requested_languages(lang, request.headers.get("accept-language"))
    view = build_view(load_dataset(store, settings, dataset_id, include_restricted=sees_restricted), requested)
    response.headers["Vary"] = "Accept-Language, Authorization"
    if sees_restricted:
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Language"] = view.language
    response.headers["Link"] = alternates(dataset_id, "self")
    return view


@router.get(
    "/datasets/{dataset_id}",
    response_class=Response,
    summary="A dataset page: HTML, Turtle, JSON-LD, RDF/XML or N-Triples",
    responses={
        200: {"content": {media: {} for media in ("text/html", *RDF_MEDIA)}},
        406: {"description": "None of the offered serialisations is acceptable."},
        **NOT_FOUND,
    },
)
def dataset_page(
    dataset_id: str,
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    fmt: FormatQ = None,
    lang: LangQ = None,
) -> Response:
    """The page for people (HTML) or the record's DCAT-AP RDF, by the Accept header or `?format=`."""
    accept = request.headers.get("accept")
    chosen = fmt or choose(accept, PAGE_OFFERS)
    if chosen is None:
        raise NotAcceptable(f"no dataset representation matches {accept!r}; offered: {', '.join(PAGE_OFFERS)}")
    record = load_dataset(store, settings, dataset_id)
    headers = {"Vary": "Accept", "Link": alternates(dataset_id, chosen)}
    if chosen == "html":
        headers["Vary"] = "Accept, Accept-Language"  # the page's words and values follow the caller's language
        view = build_view(record, requested_languages(lang, request.headers.get("accept-language")))
        body = render(
            "dataset.html",
            language=view.language,
            view=view,
            node_title=settings.node.title,
            formats={fmt: media for fmt, (_, media) in FORMATS.items()},
            format_names=FORMAT_NAMES,
        )
        return HTMLResponse(body, headers={**headers, **HTML_HEADERS, "Content-Language": view.language})
    return Response(serialize(dataset_rdf(settings, record), chosen), media_type=FORMATS[chosen][1], headers=headers)
