"""Any two scenarios side by side: the figures of A and B per kind and the difference B − A,
per kind and per cell, read from the one engine's state (either side may be the baseline,
which is the engine without modifications).

Nothing is recomputed here: the figures are :meth:`Engine.figures` of each side (the rule of
:func:`geo.access.scenario.figures_table`), the cells are :meth:`Engine.covered`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from geo.access.scenario import Engine

#: Per-cell state of a kind's coverage in B against A: covered in both, in B only, in A only.
KEPT, GAINED, LOST = 0, 1, 2

#: Columns of :func:`pair_figures`, after the kind index.
PAIR_COLUMNS = ("status_a", "status_b", "facilities_a", "facilities_b", "radius_a",
                "radius_b", "covered_a", "covered_b", "covered_diff", "rate_a", "rate_b",
                "rate_diff", "cells_a", "cells_b", "cells_diff", "cells_gained", "cells_lost")


def same_city(a: Engine, b: Engine) -> None:
    """Refuse two engines that are not on the same cells (two cities, two grids).

    Raises
    ------
    ValueError
        When the cells differ.
    """
    if len(a.cells) != len(b.cells) or not np.array_equal(a.cells, b.cells):
        raise ValueError("A and B are not on the same cells: compare scenarios of one city")


def pair_figures(a: Engine, b: Engine, kinds: Sequence[str] | None = None) -> pd.DataFrame:
    """The city figures of A and of B per kind, and B − A.

    Parameters
    ----------
    a, b
        Two states of the engine on the same cells (the baseline or scenarios, either mode).
    kinds
        Kinds to report (default: every kind).

    Returns
    -------
    pandas.DataFrame
        Indexed by kind, :data:`PAIR_COLUMNS`: each side's ``status``, ``facilities``,
        ``radius``, ``covered`` (people), ``rate`` (0..1) and ``cells`` (cells covered), and
        the differences ``covered_diff``, ``rate_diff``, ``cells_diff`` (B − A; NaN where a
        side has no figure), ``cells_gained`` (covered in B only) and ``cells_lost`` (in A
        only).
    """
    same_city(a, b)
    fa, fb = a.figures(kinds), b.figures(kinds)
    out = pd.DataFrame(index=fa.index)
    for col, name in (("status", "status"), ("facilities", "facilities"),
                      ("radius_m", "radius"), ("covered", "covered"), ("rate", "rate"),
                      ("cells_covered", "cells")):
        out[f"{name}_a"] = fa[col]
        out[f"{name}_b"] = fb[col]
    for name in ("covered", "rate", "cells"):
        out[f"{name}_diff"] = out[f"{name}_b"] - out[f"{name}_a"]
    gained, lost = [], []
    for k in fa.index:
        ca, cb = a.covered(k), b.covered(k)
        gained.append(int((cb & ~ca).sum()))
        lost.append(int((ca & ~cb).sum()))
    out["cells_gained"] = gained
    out["cells_lost"] = lost
    return out[list(PAIR_COLUMNS)]


def cell_states(a: Engine, b: Engine, kind: str) -> pd.DataFrame:
    """The difference map of ``kind``: every cell covered in A or in B.

    Returns
    -------
    pandas.DataFrame
        Indexed by cell (uint64, the engine's order), columns ``state`` (:data:`KEPT`,
        :data:`GAINED`, :data:`LOST`), ``people`` (people in the cell; NaN for a city
        without population) and ``change`` (B − A in people: +people gained, −people lost,
        0 kept). The sum of ``change`` is ``covered_diff`` of :func:`pair_figures`.
    """
    same_city(a, b)
    ca, cb = a.covered(kind), b.covered(kind)
    keep = ca | cb
    state = np.where(ca & cb, KEPT, np.where(cb, GAINED, LOST))[keep].astype(np.int8)
    pop = (np.full(len(a.cells), np.nan) if a.population is None
           else np.asarray(a.population, dtype=float))[keep]
    sign = np.select([state == GAINED, state == LOST], [1.0, -1.0], 0.0)
    return pd.DataFrame({"state": state, "people": pop, "change": sign * pop},
                        index=pd.Index(a.cells[keep], name="cell"))


__all__ = ["GAINED", "KEPT", "LOST", "PAIR_COLUMNS", "cell_states", "pair_figures", "same_city"]
