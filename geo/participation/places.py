"""Which town a pin cell is filed under, and which pin cell stands for a town.

People pin a comment on a hexagon (a *pin cell*) or, without the map, by choosing a town:
the comment then goes to a pin cell that stands for the town. Both ways must agree: a comment
pinned by town X is filed, filtered and named under X. Towns and hexagons do not nest, so
this module settles it once for every page:

* a pin cell is filed under the town most of its people live in;
* a town that is that in no pin cell (a small town between larger ones) takes over its most
  populated pin cell from a town that keeps at least one other cell, so that every town can
  be chosen and is found under its own name;
* a town stands for the pin cell filed under it that holds most of its people.

Only when a town's every cell is the last cell of another town does it stay without a cell of
its own (then choosing it pins its most populated cell, filed under the other town).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo import grid


@dataclass(frozen=True)
class PinTowns:
    """``cell_town``: pin cell (H3 string) → town code; ``town_cell``: town code → the pin
    cell that stands for it. Read-only once built."""

    cell_town: dict[str, str]
    town_cell: dict[str, str]


def pin_towns(pieces: pd.DataFrame | None, resolution: int) -> PinTowns:
    """Settle pin cells and towns for a city.

    Parameters
    ----------
    pieces
        The bundle's population pieces: columns ``cell`` (uint64 H3, finer than
        ``resolution``), ``town_code`` and ``value`` (people). None: no towns.
    resolution
        The pin cells' H3 resolution.

    Returns
    -------
    PinTowns
        Both directions, deterministic (ties go to the smaller code / cell id).
    """
    if pieces is None or pieces.empty:
        return PinTowns({}, {})
    p = pieces.assign(parent=grid.parents(pieces["cell"].to_numpy(), resolution))
    people = (p.groupby(["town_code", "parent"], sort=True)["value"].sum().reset_index()
              .sort_values(["value", "town_code", "parent"], ascending=[False, True, True],
                           kind="stable"))
    owner: dict[int, str] = {}
    for town, cell in zip(people["town_code"], people["parent"], strict=True):
        owner.setdefault(int(cell), str(town))  # most people first
    owned: dict[str, int] = {}
    for town in owner.values():
        owned[town] = owned.get(town, 0) + 1
    cells_of: dict[str, list[int]] = {}
    for town, cell in zip(people["town_code"], people["parent"], strict=True):
        cells_of.setdefault(str(town), []).append(int(cell))  # most people first
    total = people.groupby("town_code")["value"].sum()
    for town in sorted(set(cells_of) - set(owned), key=lambda c: (-float(total[c]), c)):
        for cell in cells_of[town]:
            if owned[owner[cell]] >= 2:  # the other town keeps a cell of its own
                owned[owner[cell]] -= 1
                owner[cell] = town
                owned[town] = 1
                break
    town_cell: dict[str, int] = {}
    for town, cells in cells_of.items():
        mine = [c for c in cells if owner[c] == town]
        town_cell[town] = (mine or cells)[0]
    return PinTowns(
        cell_town={grid.string_of_cell(c): t for c, t in owner.items()},
        town_cell={t: grid.string_of_cell(c) for t, c in town_cell.items()},
    )


__all__ = ["PinTowns", "pin_towns"]
