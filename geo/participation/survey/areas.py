"""Areas: each town placed in one res-8 cell and its res-7 parent, respondents placed in them."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import grid
from geo.participation.survey.common import CITY

__all__ = ["place", "town_areas"]


def town_areas(towns: gpd.GeoDataFrame, pieces: pd.DataFrame | None) -> pd.DataFrame:
    """Place each town in one res-8 cell and its res-7 parent.

    A town goes to the res-8 cell holding most of its people (from the bundle's population
    pieces); a town without population goes to the cell of a point inside its polygon. So every
    town lies in exactly one cell at each level and the levels nest: town ⊂ res 8 ⊂ res 7.

    Parameters
    ----------
    towns
        ``town_code``, ``name`` and polygon ``geometry`` (EPSG:4326).
    pieces
        ``town_code``, ``cell`` (res 10) and ``value`` (people), or None.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``town_code`` (str): ``name``, ``h3_8`` and ``h3_7`` (hex cell ids).
    """
    codes = towns["town_code"].astype(str).to_numpy()
    best: dict[str, int] = {}
    if pieces is not None and len(pieces):
        p = pd.DataFrame({"town_code": pieces["town_code"].astype(str).to_numpy(),
                          "cell": grid.parents(pieces["cell"].to_numpy(), 8),
                          "value": pieces["value"].to_numpy(dtype=float)})
        s = p.groupby(["town_code", "cell"], sort=True)["value"].sum().reset_index()
        top = s.sort_values(["town_code", "value", "cell"], ascending=[True, False, True])
        top = top.drop_duplicates("town_code")
        best = dict(zip(top["town_code"], top["cell"].astype(np.uint64), strict=True))
    missing = [i for i, c in enumerate(codes) if c not in best]
    if missing:
        pts = towns.geometry.iloc[missing].representative_point()
        cells = grid.points_to_cells(pts.x.to_numpy(), pts.y.to_numpy(), 8)
        best.update({codes[i]: int(c) for i, c in zip(missing, cells, strict=True)})
    c8 = np.array([best[c] for c in codes], dtype=np.uint64)
    out = pd.DataFrame({"name": towns["name"].astype(str).to_numpy(),
                        "h3_8": grid.to_strings(c8),
                        "h3_7": grid.to_strings(grid.parents(c8, 7))},
                       index=pd.Index(codes, name="town_code"))
    return out


def place(responses: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Add each respondent's areas: ``town`` (= town code), ``h3_8``, ``h3_7``, ``city``.

    Respondents whose town is not in ``areas`` are left out.
    """
    r = responses[responses["town_code"].isin(areas.index)].copy()
    r["town"] = r["town_code"].astype(str)
    r["h3_8"] = areas.loc[r["town"], "h3_8"].to_numpy()
    r["h3_7"] = areas.loc[r["town"], "h3_7"].to_numpy()
    r["city"] = CITY
    return r
