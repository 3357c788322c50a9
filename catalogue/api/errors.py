"""One JSON error shape for every failure: `{"type", "title", "status", "detail", ...}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from catalogue.errors import FedcatError

SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "too-many-requests",
}


def problem(status: int, type_: str, title: str, detail: str, **extra: object) -> JSONResponse:
    """A JSON error response in fedcat's one shape."""
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def install_error_handlers(app: FastAPI) -> None:
    """Render fedcat, HTTP and validation errors in the one JSON shape."""

    @app.exception_handler(FedcatError)
    async def _fedcat(_: Request, exc: FedcatError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status, media_type="application/problem+json")

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        slug = SLUGS.get(exc.status_code, "http-error")
        response = problem(exc.status_code, slug, slug.replace("-", " ").capitalize(), str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        return problem(422, "invalid-request", "Invalid request", "the request does not match the API", errors=errors)
