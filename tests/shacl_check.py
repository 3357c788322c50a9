"""Validate RDF we emit with pyshacl against the official shapes in ../shared/reference."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyshacl
import rdflib

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
DCAT_AP_300_BASE = "SEMICeu-DCAT-AP/releases/3.0.0/html/shacl/shapes.ttl"
DCAT_AP_301_BASE = "SEMICeu-DCAT-AP/releases/3.0.1/html/shacl/shapes.ttl"


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str
    component: str


def violations(data: bytes | str, shapes: Path, fmt: str = "turtle") -> list[Violation]:
    """Every sh:Violation of `data` against `shapes` (no inference, advanced features on)."""
    graph = rdflib.Graph()
    graph.parse(data=data, format=fmt)
    shape_graph = rdflib.Graph()
    shape_graph.parse(shapes, format="turtle")
    _, report, _ = pyshacl.validate(graph, shacl_graph=shape_graph, inference="none", advanced=True)
    return [
        Violation(
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultPath)),
            str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
        )
        for r in report.subjects(rdflib.RDF.type, SH.ValidationResult)
        if report.value(r, SH.resultSeverity) == SH.Violation
    ]
