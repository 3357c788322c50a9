"""The harvester protocol: a harvester gathers a source and yields mapped records, seen keys and problems."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from catalogue.config import HarvestLimits, SourceConfig
from catalogue.records import Record
from harvesters.http import Fetcher


@dataclass
class Problem:
    """A harvest problem as data: a stable type, a title and a message, optionally about one record."""

    type: str
    title: str
    message: str
    record: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready form for the run report."""
        return {
            "type": self.type,
            "title": self.title,
            "message": self.message,
            "record": self.record,
            "url": self.url,
        }


@dataclass
class Seen:
    """A record known to be present and unchanged at the source without fetching it again."""

    key: str


@dataclass
class Progress:
    """How far the gather got: `total` when the source says how many records it has."""

    done: int = 0
    total: int | None = None


Event = Record | Seen | Problem | Progress


@dataclass
class HarvestContext:
    """What a harvester gets for one run."""

    source: SourceConfig
    limits: HarvestLimits
    fetcher: Fetcher
    since: str | None = None  # ISO time of the last successful run, for incremental harvests
    state: dict[str, object] = field(default_factory=dict)  # the harvester's own cache between runs
    base: str = ""
    known: set[str] = field(default_factory=set)  # keys of this source's records already in the store


class Harvester(Protocol):
    """A harvester kind: `harvest` yields events; raising `FedcatError` fails the whole run."""

    #: True when a completed `harvest` has seen (as `Record` or `Seen`) every record the source has.
    complete: bool

    def harvest(self) -> Iterator[Event]:
        """Gather the source, yielding records, seen keys, problems and progress."""
        ...


HarvesterFactory = Callable[[HarvestContext], Harvester]
