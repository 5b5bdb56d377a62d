"""Comments by area: where each comment lies at a level, and the counts per area and kind."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from geo import grid
from geo.participation.survey.common import CITY, LEVEL_RES, Level

__all__ = ["comment_areas", "comments_by_area"]


def comment_areas(
    comments: pd.DataFrame,
    *,
    level: Level,
    cell_town: Mapping[str, str] | None = None,
) -> pd.Series:
    """The area of each comment at a level (None where it cannot be placed).

    Parameters
    ----------
    comments
        The store's ``list_comments`` frame: ``cell`` (hex) and ``town_code``.
    level
        Area system. For cells, the cell of that resolution containing the comment's own cell
        (a comment on a coarser cell is not placed). For towns, the comment's ``town_code``,
        else the town of its res-9 cell from ``cell_town``.
    cell_town
        Res-9 cell id → town code (the town most of the cell's people live in).

    Returns
    -------
    pandas.Series
        Area ids (str or None), indexed like ``comments``.
    """
    if comments.empty:
        return pd.Series([], index=comments.index, dtype="object")
    if level == "city":
        return pd.Series(CITY, index=comments.index, dtype="object")
    cells = grid.to_cells(comments["cell"].astype(str).tolist())
    res_of = grid.resolution_of(cells)
    if level == "town":
        town = [None if pd.isna(v) else str(v) for v in comments["town_code"]]
        if cell_town is not None:
            fine = res_of >= 9
            res9: list[str | None] = [None] * len(cells)
            if fine.any():
                for pos, hexid in zip(np.flatnonzero(fine), grid.to_strings(
                        grid.parents(cells[fine], 9)), strict=True):
                    res9[int(pos)] = str(hexid)
            town = [v if v is not None else (cell_town.get(c) if c else None)
                    for v, c in zip(town, res9, strict=True)]
        return pd.Series(town, index=comments.index, dtype="object")
    res = LEVEL_RES[level]
    fine = res_of >= res
    ids: list[str | None] = [None] * len(cells)
    if fine.any():
        for pos, hexid in zip(np.flatnonzero(fine), grid.to_strings(
                grid.parents(cells[fine], res)), strict=True):
            ids[int(pos)] = str(hexid)
    return pd.Series(ids, index=comments.index, dtype="object")


def comments_by_area(
    comments: pd.DataFrame,
    *,
    level: Level,
    cell_town: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Count top-level comments per area and kind (replies are not counted).

    Parameters
    ----------
    comments
        The store's ``list_comments`` frame (``cell``, ``town_code``, ``kind``,
        ``parent_id``).
    level, cell_town
        As for :func:`comment_areas`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``area``: ``count``, ``good``, ``concern``, ``idea``.
    """
    c = comments
    if "parent_id" in c:
        c = c[c["parent_id"].isna()]
    cols = ["count", "good", "concern", "idea"]
    if c.empty:
        return pd.DataFrame({k: pd.Series(dtype="int64") for k in cols}).rename_axis("area")
    area = comment_areas(c, level=level, cell_town=cell_town)
    frame = pd.DataFrame({"area": area, "kind": c["kind"]}).dropna()
    counts = pd.crosstab(frame["area"].astype(str), frame["kind"]).reindex(
        columns=["good", "concern", "idea"], fill_value=0)
    counts.insert(0, "count", counts.sum(axis=1))
    counts.columns.name = None
    counts.index.name = "area"
    return counts.astype("int64")
