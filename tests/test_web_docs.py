"""The API docs on `/docs`: Swagger UI served from this node (no CDN), under the site's strict CSP, reading an
OpenAPI 3.0 rendering of the app's 3.1 document. The browser half is in tests/test_web_browser.py."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from catalogue.api import create_app
from catalogue.api.routers.docs import OPENAPI_30_URL, as_openapi_30
from catalogue.config import load_settings
from catalogue.nodehome import init_home

ASSET = re.compile(r'(?:src|href)="([^"]*)"')
TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = tmp_path_factory.mktemp("docs") / "node"
    init_home(home)
    with TestClient(create_app(load_settings(home))) as c:
        yield c


def test_docs_page_loads_everything_from_this_origin(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "http://" not in page.text and "https://" not in page.text and "//" not in ASSET.sub("", page.text)
    assets = ASSET.findall(page.text)
    assert {"/static/swagger/swagger-ui-bundle.js", "/static/swagger/swagger-ui.css", "/static/swagger-init.js"} <= set(
        assets
    )
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith(TYPES[Path(url).suffix]), url
        assert response.headers["x-content-type-options"] == "nosniff", url
    # The initialiser is a file, and it is told where the document is by the page.
    assert "<script>" not in page.text and f'data-openapi-url="{OPENAPI_30_URL}"' in page.text
    assert "SwaggerUIBundle(" in client.get("/static/swagger-init.js").text
    assert client.get("/static/fedcat.css").status_code == 200  # the swagger mount does not shadow /static


def test_docs_page_has_the_sites_strict_policy(client: TestClient) -> None:
    headers = client.get("/docs").headers
    policy = headers["content-security-policy"]
    assert "script-src 'self';" in policy and "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "http" not in policy
    assert headers["x-frame-options"] == "DENY"


def test_no_cdn_docs_remain(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404  # ReDoc would load from a CDN; there is none
    assert client.get("/docs/oauth2-redirect").status_code == 404
    assert client.get("/static/swagger/no-such-file.js").status_code == 404


def test_swagger_reads_a_30_rendering_of_the_31_document(client: TestClient) -> None:
    original = client.get("/openapi.json").json()
    assert original["openapi"].startswith("3.1")  # API clients keep the real document
    converted = client.get(OPENAPI_30_URL).json()
    assert converted["openapi"] == "3.0.3"
    assert converted["paths"].keys() == original["paths"].keys() and converted["info"] == original["info"]
    assert '{"type": "null"}' in json.dumps(original) and '{"type": "null"}' not in json.dumps(converted)
    lang = next(p for p in converted["paths"]["/api/datasets"]["get"]["parameters"] if p["name"] == "lang")
    assert lang["schema"]["type"] == "string" and lang["schema"]["nullable"] is True


def test_nullable_unions_become_30_nullable() -> None:
    document = {
        "openapi": "3.1.0",
        "components": {
            "schemas": {
                "A": {
                    "properties": {
                        "plain": {"anyOf": [{"type": "integer"}, {"type": "null"}], "title": "Plain", "default": None},
                        "ref": {"anyOf": [{"$ref": "#/components/schemas/B"}, {"type": "null"}]},
                        "many": {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]},
                        "union": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
                        "inner": {"type": "array", "items": {"oneOf": [{"type": "null"}, {"type": "string"}]}},
                    }
                }
            }
        },
    }
    converted = as_openapi_30(document)
    props = converted["components"]["schemas"]["A"]["properties"]
    assert converted["openapi"] == "3.0.3" and document["openapi"] == "3.1.0"  # a copy; the input is untouched
    assert props["plain"] == {"type": "integer", "title": "Plain", "default": None, "nullable": True}
    assert props["ref"] == {"allOf": [{"$ref": "#/components/schemas/B"}], "nullable": True}
    assert props["many"] == {"anyOf": [{"type": "integer"}, {"type": "string"}], "nullable": True}
    assert props["union"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert props["inner"]["items"] == {"type": "string", "nullable": True}
