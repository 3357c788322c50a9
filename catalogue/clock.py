"""Timestamps as fedcat writes them: canonical xsd:dateTime in UTC, the form the graph store keeps."""

from __future__ import annotations

from datetime import UTC, datetime


def canonical_datetime(moment: datetime) -> str:
    """`moment` (UTC) as a canonical xsd:dateTime: the fraction without trailing zeros (none when zero), `Z`.

    The store keeps typed literals in canonical form, so a stamp written as `...24.874340Z` reads back as
    `...24.87434Z`; a run report and the graph must say the same.
    """
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".") + "Z"


def now_iso() -> str:
    """The current UTC time as a canonical xsd:dateTime."""
    return canonical_datetime(datetime.now(UTC))
