"""Readers for the open-data formats a city's staff already have (one module per family)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dropped:
    """A row of an input that was left out of the bundle, and why.

    Parameters
    ----------
    file
        File name.
    row
        1-based row (feature) number, or None for the whole file.
    name
        The facility's or zone's name, when known.
    reason
        Why it was left out, in words a clerk can act on.
    """

    file: str
    row: int | None
    name: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form for the build report."""
        return {"file": self.file, "row": self.row, "name": self.name, "reason": self.reason}


#: Columns of every facility frame the readers return (plus ``geometry``, points in EPSG:4326).
FACILITY_COLUMNS: tuple[str, ...] = ("name", "kind", "departures", "source_row")
