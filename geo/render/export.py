"""Downloads of per-cell KPIs: CSV (opens in Excel and QGIS) and GeoJSON (QGIS, kepler.gl)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import grid
from geo.text import escape_for_csv_cell


def cells_frame(kpis: pd.DataFrame, *, decimals: int = 4) -> pd.DataFrame:
    """KPIs with the cell id as a hex string, resolution and centre lon/lat, infinities as NaN."""
    cells = grid.as_cells(kpis.index.to_numpy())
    lon, lat = grid.centroids(cells)
    out = pd.DataFrame(
        {"h3_cell": grid.to_strings(cells), "h3_resolution": grid.resolution_of(cells),
         "lon": np.round(lon, 6), "lat": np.round(lat, 6)}
    )
    values = kpis.replace([np.inf, -np.inf], np.nan).round(decimals).reset_index(drop=True)
    return pd.concat([out, values], axis=1)


def csv_bytes(frame: pd.DataFrame, *, index: bool = False) -> bytes:
    """Any table as a download: UTF-8 with BOM (Excel in Japanese reads it), and every text
    cell formula-safe (a name such as ``=HYPERLINK(...)`` from an uploaded file stays text).

    Parameters
    ----------
    frame
        The table; its column names (and index, with ``index``) are written as they are
        after the same escaping.
    index
        Write the index as the first column.

    Returns
    -------
    bytes
        The CSV file.
    """
    out = frame.reset_index() if index else frame.copy()
    out.columns = [escape_for_csv_cell(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = [v if not isinstance(v, str) else escape_for_csv_cell(v)
                        for v in out[col]]
    text: str = out.to_csv(index=False)
    return text.encode("utf-8-sig")


def cells_csv(kpis: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with BOM (so Excel in Japanese shows it correctly); one row per cell."""
    return csv_bytes(cells_frame(kpis))


def cells_geojson(kpis: pd.DataFrame) -> str:
    """GeoJSON FeatureCollection of hexagon polygons (EPSG:4326) with the KPIs as properties."""
    frame = cells_frame(kpis)
    hexes = grid.polygons(grid.as_cells(kpis.index.to_numpy()))  # not re-parsed from h3_cell
    gdf = gpd.GeoDataFrame(frame, geometry=hexes.to_numpy(),
                           crs="EPSG:4326")
    return json.dumps(json.loads(gdf.to_json(na="null", drop_id=True)), ensure_ascii=False,
                      separators=(",", ":"))
