"""Exports of visible comments: CSV for spreadsheets, GeoJSON of H3 cells, Decidim CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

import pandas as pd

from geo.grid import ids
from geo.participation.store.models import KIND_NAMES_JA, factor_by_key
from geo.text import escape_for_csv_cell

__all__ = ["CSV_COLUMNS", "comments_to_csv", "comments_to_decidim_csv", "comments_to_geojson"]

CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "parent_id",
    "created_at",
    "city",
    "cell",
    "resolution",
    "town_code",
    "factor",
    "factor_ja",
    "kind",
    "text",
    "nickname",
    "plus_ones",
    "replies",
    "scenario_id",
    "photo",
    "shape",
    "shape_cells",
)
"""Columns of :func:`comments_to_csv`, in order. ``photo`` names the comment's photo in the
photo export (``Store.export_photos``) when a moderator approved it for export, else empty;
``shape`` is ``point``, ``area`` or ``route`` and ``shape_cells`` an area's or a route's res-9
cells, space-separated (a route's in order; empty for a point)."""

_DECIDIM_TITLE_LENGTH = 60


def _plain(value: Any) -> Any:
    """Turn pandas missing values into None and timestamps into ISO-8601 UTC text."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _csv_text(value: Any) -> str:
    """Render one CSV cell: empty for missing, formula-neutralised text otherwise."""
    plain = _plain(value)
    if plain is None:
        return ""
    return escape_for_csv_cell(str(plain))


def comments_to_csv(comments: pd.DataFrame) -> bytes:
    """Write comments as RFC 4180 CSV, UTF-8 with a byte-order mark (so Excel reads Japanese).

    Cells that would start a spreadsheet formula (``= + - @``) are prefixed with ``'``.

    Parameters
    ----------
    comments
        A frame as returned by ``Store.list_comments``.

    Returns
    -------
    bytes
        The CSV file.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for record in comments.to_dict("records"):
        writer.writerow([_csv_text(record.get(col)) for col in CSV_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def _cell_polygon(cell: str) -> dict[str, Any]:
    """Return the GeoJSON Polygon of an H3 cell ([lng, lat] order, closed ring)."""
    ring = [[round(lng, 7), round(lat, 7)] for lng, lat in ids.boundary(cell)]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def _shape_cells(record: Mapping[str, Any]) -> list[str]:
    value = _plain(record.get("shape_cells"))
    return str(value).split() if value else []


def _geometry(record: Mapping[str, Any]) -> dict[str, Any]:
    """A comment's geometry: its cell's hexagon, an area's union of hexagons (a Polygon or a
    MultiPolygon) or a route's line through its cells' centres."""
    shape, cells = _plain(record.get("shape")), _shape_cells(record)
    if shape == "route" and len(cells) >= 2:
        return {"type": "LineString",
                "coordinates": [[round(x, 7), round(y, 7)] for x, y in map(ids.centre, cells)]}
    if shape == "area" and cells:
        polygons = [[[[round(x, 7), round(y, 7)] for x, y in ring] for ring in poly]
                    for poly in ids.cells_outline(cells)]
        if len(polygons) == 1:
            return {"type": "Polygon", "coordinates": polygons[0]}
        return {"type": "MultiPolygon", "coordinates": polygons}
    return _cell_polygon(str(record["cell"]))


def comments_to_geojson(comments: pd.DataFrame) -> dict[str, Any]:
    """Build a GeoJSON FeatureCollection with one feature per comment: its H3 cell's polygon,
    an area's union of cells (Polygon or MultiPolygon) or a route's LineString through the
    centres of its cells.

    No point geometry is ever written: the location of a comment is its cells.

    Parameters
    ----------
    comments
        A frame as returned by ``Store.list_comments``.

    Returns
    -------
    dict
        The FeatureCollection; ``properties`` hold the comment as plain (unescaped) text.
    """
    features = []
    for record in comments.to_dict("records"):
        properties = {col: _plain(record.get(col)) for col in CSV_COLUMNS if col not in ("id",)}
        features.append(
            {
                "type": "Feature",
                "id": int(record["id"]),
                "geometry": _geometry(record),
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _decidim_title(text: str) -> str:
    """First 60 characters of the comment on one line."""
    one_line = " ".join(text.split())
    return one_line[:_DECIDIM_TITLE_LENGTH]


def comments_to_decidim_csv(
    comments: pd.DataFrame,
    *,
    locale: str = "ja",
    category_ids: Mapping[str, int] | None = None,
    scope_ids: Mapping[str, int] | None = None,
) -> bytes:
    """Write comments in the CSV layout of Decidim's "Import proposals from a file".

    Decidim reads ``;``-separated UTF-8 CSV and requires localised ``title/<locale>`` and
    ``body/<locale>`` columns; ``category/id`` and ``scope/id`` hold Decidim's own ids.

    Parameters
    ----------
    comments
        A frame as returned by ``Store.list_comments``.
    locale
        The Decidim organisation's default locale.
    category_ids
        Decidim category id per factor key; an unmapped factor leaves the cell empty.
    scope_ids
        Decidim scope id per town code (or per city id for comments without a town code).

    Returns
    -------
    bytes
        The CSV file (UTF-8 without byte-order mark, which Ruby's CSV would keep in the
        first header). The title is the first 60 characters of the comment; the body is
        the whole comment followed by a line naming its factor, kind and H3 cell.
    """
    categories = category_ids or {}
    scopes = scope_ids or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([f"title/{locale}", f"body/{locale}", "category/id", "scope/id"])
    for record in comments.to_dict("records"):
        text = str(record["text"])
        factor_key = str(record["factor"])
        factor = factor_by_key(factor_key)
        factor_name = factor.ja if factor else factor_key
        kind_name = KIND_NAMES_JA.get(str(record["kind"]), str(record["kind"]))
        about = f"Well-Being因子: {factor_name} / {kind_name} / H3セル: {record['cell']}"
        body = f"{text}\n\n（{about}）"
        town = _plain(record.get("town_code"))
        scope = scopes.get(str(town)) if town is not None else None
        if scope is None:
            scope = scopes.get(str(record["city"]))
        category = categories.get(factor_key)
        writer.writerow(
            [
                escape_for_csv_cell(_decidim_title(text)),
                escape_for_csv_cell(body),
                "" if category is None else str(int(category)),
                "" if scope is None else str(int(scope)),
            ]
        )
    return buffer.getvalue().encode("utf-8")
