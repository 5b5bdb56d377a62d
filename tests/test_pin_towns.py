"""Pin cells and towns agree: a comment pinned by town is filed and named under that town
(geo.participation.places), worked by hand on three hexagons."""

from __future__ import annotations

import h3
import pandas as pd

from geo import grid
from geo.participation.places import pin_towns

A = h3.latlng_to_cell(36.3895, 139.0634, 9)  # Maebashi city hall
B, C = sorted(set(h3.grid_ring(A, 1)))[:2]


def _pieces(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """People of a town in a pin cell, put on that cell's centre child (res 10)."""
    return pd.DataFrame({
        "cell": grid.to_cells([h3.cell_to_center_child(cell, 10) for _, cell, _ in rows]),
        "town_code": [town for town, _, _ in rows],
        "value": [v for _, _, v in rows],
    })


def test_a_town_that_is_nowhere_the_largest_takes_a_cell_from_one_that_keeps_another():
    # big: A 100, B 80; small: A 30, B 20; mid: C 60 (big has 50 there)
    # by people alone: A big, B big, C mid -> small would be filed under big wherever pinned
    pt = pin_towns(_pieces([("big", A, 100), ("big", B, 80), ("big", C, 50),
                            ("small", A, 30), ("small", B, 20), ("mid", C, 60)]), 9)
    assert pt.cell_town == {A: "small", B: "big", C: "mid"}  # small takes its best cell, A
    assert pt.town_cell == {"big": B, "small": A, "mid": C}
    assert all(pt.cell_town[cell] == town for town, cell in pt.town_cell.items())


def test_a_town_never_takes_another_towns_last_cell():
    # mid holds only C; stuck lives only in C, with fewer people: it stays without a cell
    pt = pin_towns(_pieces([("mid", C, 60), ("stuck", C, 10), ("big", A, 100)]), 9)
    assert pt.cell_town == {A: "big", C: "mid"}
    assert pt.town_cell["stuck"] == C  # choosing it pins its cell, filed under mid


def test_no_people_no_towns():
    assert pin_towns(None, 9).cell_town == {} and pin_towns(_pieces([]), 9).town_cell == {}
