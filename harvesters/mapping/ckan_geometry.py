"""GeoJSON (as CKAN's `spatial` fields hold it) to GeoSPARQL WKT literals."""

from __future__ import annotations

import json
import math
from typing import Any

import pyoxigraph as ox

WKT_LITERAL = ox.NamedNode("http://www.opengis.net/ont/geosparql#wktLiteral")


def geometry_literal(value: Any) -> ox.Literal | None:
    """A GeoSPARQL wktLiteral from GeoJSON (a dict or its JSON text) or from WKT text; None when the
    geometry cannot be read. WKT without a CRS is CRS84 (lon lat), the same order as GeoJSON."""
    geom = value
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return None
        if s[0] != "{":
            head = s.split("(", 1)[0].strip().upper()
            return ox.Literal(s, datatype=WKT_LITERAL) if head in _WKT_TYPES else None
        try:
            geom = json.loads(s)
        except ValueError:
            return None
    if not isinstance(geom, dict):
        return None
    try:
        return ox.Literal(_wkt(geom), datatype=WKT_LITERAL)
    except (KeyError, TypeError, ValueError, IndexError, RecursionError):
        return None


_WKT_TYPES = frozenset(
    ("POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION")
)


def _number(x: Any) -> str:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        raise ValueError(f"not a coordinate: {x!r}")
    return repr(x)


def _position(c: list[Any]) -> str:
    return f"{_number(c[0])} {_number(c[1])}"


def _line(cs: list[Any]) -> str:
    if not cs:
        raise ValueError("empty coordinate list")
    return "(" + ", ".join(_position(c) for c in cs) + ")"


def _wkt(g: dict[str, Any]) -> str:
    kind = g.get("type")
    if kind == "Feature":
        return _wkt(g["geometry"])
    if kind in ("FeatureCollection", "GeometryCollection"):
        parts = [f["geometry"] for f in g["features"]] if kind == "FeatureCollection" else g["geometries"]
        if not parts:
            raise ValueError("empty collection")
        return "GEOMETRYCOLLECTION (" + ", ".join(_wkt(p) for p in parts) + ")"
    c = g["coordinates"]
    if not c:
        raise ValueError("empty coordinates")
    if kind == "Point":
        return f"POINT ({_position(c)})"
    if kind == "LineString":
        return "LINESTRING " + _line(c)
    if kind == "Polygon":
        return "POLYGON (" + ", ".join(_line(r) for r in c) + ")"
    if kind == "MultiPoint":
        return "MULTIPOINT (" + ", ".join(f"({_position(p)})" for p in c) + ")"
    if kind == "MultiLineString":
        return "MULTILINESTRING (" + ", ".join(_line(r) for r in c) + ")"
    if kind == "MultiPolygon":
        return "MULTIPOLYGON (" + ", ".join("(" + ", ".join(_line(r) for r in p) + ")" for p in c) + ")"
    raise ValueError(f"unknown geometry type {kind!r}")
