"""Quality results: per dataset, per source and per publisher, read from the public snapshot.

The web process imports neither Great Expectations nor pandas (tests/test_quality_api.py checks it): every
result was computed by `fedcat quality ...` and stored as DQV in the graph.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from catalogue.api.deps import SettingsDep, StoreDep
from quality.report import dataset_quality, group_quality, publishers

router = APIRouter(tags=["quality"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Nothing with this id is visible to the caller."}}


@router.get("/api/datasets/{dataset_id}/quality", summary="A dataset's quality", responses=NOT_FOUND)
def get_dataset_quality(dataset_id: str, settings: SettingsDep, store: StoreDep) -> dict[str, Any]:
    """`{"mqa": {"score", "band", "dimensions", "missing"}, "shacl": {profile: {"conforms", "violations"}},
    "data": {...}}`; `mqa` and `data` are null until `fedcat quality score` / `validate` ran."""
    return dataset_quality(store, settings, dataset_id)


@router.get("/api/sources/{name}/quality", summary="Quality of a source's public records", responses=NOT_FOUND)
def get_source_quality(name: str, settings: SettingsDep, store: StoreDep) -> dict[str, Any]:
    """Score distribution, bands, most common shortfalls and violations, and the trend per harvest run."""
    return group_quality(store, settings, "source", name)


@router.get("/api/publishers", summary="Publishers with quality results")
def get_publishers(settings: SettingsDep, store: StoreDep) -> list[dict[str, Any]]:
    """The ids `/api/publishers/{id}/quality` takes, with each publisher's name."""
    return publishers(store, settings)


@router.get(
    "/api/publishers/{publisher_id}/quality", summary="Quality of a publisher's public records", responses=NOT_FOUND
)
def get_publisher_quality(publisher_id: str, settings: SettingsDep, store: StoreDep) -> dict[str, Any]:
    """As for sources; the id is the one `/api/publishers` lists (a digest of the publisher's IRI)."""
    return group_quality(store, settings, "publisher", publisher_id)
