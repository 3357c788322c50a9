"""The quality workflows the CLI and the demo build share: attach data, profile, validate, publish.

Every workflow that changes the graph ends with `publish`, so `fedcat serve` picks the results up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from catalogue.config import Settings
from catalogue.errors import FedcatError, NotFound
from catalogue.snapshots import publish
from catalogue.store import GraphStore
from quality import dqv
from quality.gx_loading import preload_gx
from quality.hosted import AddResult, HostedFile, add_hosted, list_hosted, load_hosted, refresh_hosted
from quality.lookup import find_record
from quality.profiling import ProfileResult, profile
from quality.suites import load_suite
from quality.terms import data_quality_graph
from quality.validation import ValidationOutcome, validate

Step = Callable[[str], None]


@dataclass
class Outcomes:
    """Per-dataset results of a workflow, with the failures kept apart (one bad suite stops no other)."""

    profiled: list[ProfileResult] = field(default_factory=list)
    validated: list[ValidationOutcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, FedcatError] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed


def hosted_for(settings: Settings, dataset_ids: list[str] | None) -> list[HostedFile]:
    """The hosted files of `dataset_ids` (all of them when None); `NotFound` for an id without data."""
    if not dataset_ids:
        return list_hosted(settings)
    found = []
    for dataset_id in dataset_ids:
        hosted = load_hosted(settings, dataset_id)
        if hosted is None:
            raise NotFound(f"dataset {dataset_id!r} has no hosted data; attach a file with `fedcat data add` first")
        found.append(hosted)
    return found


def profile_datasets(settings: Settings, dataset_ids: list[str] | None, on_step: Step | None = None) -> Outcomes:
    """Profile hosted files into suites (steward edits kept)."""
    out = Outcomes()
    for hosted in hosted_for(settings, dataset_ids):
        if on_step:
            on_step(hosted.dataset_id)
        try:
            out.profiled.append(profile(settings, hosted.dataset_id, hosted.path(settings), hosted.kind, hosted.sha256))
        except FedcatError as exc:
            out.failed[hosted.dataset_id] = exc
    return out


def validate_datasets(
    settings: Settings,
    store: GraphStore,
    dataset_ids: list[str] | None,
    *,
    changed_only: bool = False,
    on_step: Step | None = None,
) -> Outcomes:
    """Validate hosted files with their suites and write the results as DQV.

    A file replaced in place is noticed by its hash (its description is updated first); a dataset without a
    suite is profiled first. With `changed_only`, datasets whose file did not change since their last
    validation are skipped.
    """
    from quality.validation import latest_result

    out = Outcomes()
    targets = hosted_for(settings, dataset_ids)
    if targets:
        preload_gx()
    for hosted in targets:
        if on_step:
            on_step(hosted.dataset_id)
        try:
            hosted, _ = refresh_hosted(settings, store, hosted)
            previous = latest_result(settings, hosted.dataset_id)
            if changed_only and previous is not None and previous.sha256 == hosted.sha256:
                out.skipped.append(hosted.dataset_id)
                continue
            suite = load_suite(settings, hosted.dataset_id)
            if suite is None:
                out.profiled.append(
                    profile(settings, hosted.dataset_id, hosted.path(settings), hosted.kind, hosted.sha256)
                )
                suite = load_suite(settings, hosted.dataset_id)
                assert suite is not None
            outcome = validate(settings, hosted, suite)
            ref = find_record(store, hosted.dataset_id)
            graph = data_quality_graph(settings.base, ref.dataset_id)
            dqv.replace_graphs(store, [(graph, dqv.lines_of(dqv.data_triples(settings, ref, outcome)))])
            out.validated.append(outcome)
        except FedcatError as exc:
            out.failed[hosted.dataset_id] = exc
    if out.validated or out.profiled:
        publish(settings, store)
    return out


def attach(
    settings: Settings, store: GraphStore, dataset_id: str, path: Path, access_mode: str, *, check: bool = True
) -> tuple[AddResult, Outcomes]:
    """`fedcat data add`: copy the file in, describe it, and (when it changed) profile and validate it."""
    result = add_hosted(settings, store, dataset_id, path, access_mode)
    outcomes = Outcomes()
    if check and (result.changed or load_suite(settings, dataset_id) is None):
        outcomes = validate_datasets(settings, store, [dataset_id])
    if not (outcomes.validated or outcomes.profiled):  # validation publishes; a failed one must too
        publish(settings, store)
    return result, outcomes


def sync(settings: Settings, store: GraphStore) -> tuple[int, int]:
    """Align quality graphs with their records (after harvests) and publish when anything changed."""
    dropped, updated = dqv.sync_visibility(store)
    if dropped or updated:
        publish(settings, store)
    return dropped, updated
