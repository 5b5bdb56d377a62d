"""Exports of visible comments: CSV for spreadsheets, GeoJSON of H3 cells, Decidim CSV.

A comment that proposes a facility (:mod:`.proposals`) carries it in every export: the
facility, how it was measured and what it would change, as stored when it was posted."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

import pandas as pd

from geo import fmt
from geo.grid import ids
from geo.kinds import KIND_BY_KEY
from geo.participation.store.models import KIND_NAMES_JA, factor_by_key
from geo.participation.store.proposals import ProposalDraft
from geo.text import escape_for_csv_cell

__all__ = [
    "CSV_COLUMNS",
    "PROPOSAL_COLUMNS",
    "comments_to_csv",
    "comments_to_decidim_csv",
    "comments_to_geojson",
    "proposal_fields",
    "with_proposals",
]

PROPOSAL_COLUMNS: tuple[str, ...] = (
    "proposal_kind",
    "proposal_cell",
    "proposal_mode",
    "proposal_people_gained",
    "proposal_cells_gained",
    "proposal_rate_before",
    "proposal_rate_after",
    "proposal_town_codes",
    "proposal_town_names",
    "proposal_town_people",
    "proposal_factors",
)
"""Columns of a comment's proposed facility (empty, or null in GeoJSON, for a comment without
one): its kind (``geo.kinds`` key) and res-10 cell; ``line`` or ``network`` (how walking
distance was measured, on the city's baseline of today's facilities); people and cells newly
within walking distance (people empty without population data); the city's coverage rate of
the kind (0-1) before and after; the towns that gain, most people first: their codes
(space-separated), names (separated by ``、``) and people (space-separated), in the same
order; the Well-Being factors whose objective side it moves (keys, space-separated). Every
figure but the kind, cell and mode is empty when it could not be computed."""

#: Separator of the towns' names in ``proposal_town_names``.
TOWN_NAME_SEPARATOR = "、"

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
    *PROPOSAL_COLUMNS,
)
"""Columns of :func:`comments_to_csv`, in order. ``photo`` names the comment's photo in the
photo export (``Store.export_photos``) when a moderator approved it for export, else empty;
``shape`` is ``point``, ``area`` or ``route`` and ``shape_cells`` an area's or a route's res-9
cells, space-separated (a route's in order; empty for a point); then
:data:`PROPOSAL_COLUMNS`."""

_DECIDIM_TITLE_LENGTH = 60


def proposal_fields(proposal: ProposalDraft | None) -> dict[str, Any]:
    """The :data:`PROPOSAL_COLUMNS` of one comment (every one None without a proposal)."""
    out: dict[str, Any] = dict.fromkeys(PROPOSAL_COLUMNS)
    if proposal is None:
        return out
    out |= {"proposal_kind": proposal.kind, "proposal_cell": proposal.cell,
            "proposal_mode": proposal.mode}
    f = proposal.figures
    if f is None:
        return out
    out |= {
        "proposal_people_gained": f.people_gained,
        "proposal_cells_gained": f.cells_gained,
        "proposal_rate_before": f.rate_before,
        "proposal_rate_after": f.rate_after,
        "proposal_town_codes": " ".join(t.code for t in f.towns),
        "proposal_town_names": TOWN_NAME_SEPARATOR.join(t.name or t.code for t in f.towns),
        "proposal_town_people": " ".join(str(t.people) for t in f.towns),
        "proposal_factors": " ".join(m.factor for m in f.factors),
    }
    return out


def with_proposals(comments: pd.DataFrame,
                   proposals: Mapping[int, ProposalDraft]) -> pd.DataFrame:
    """``comments`` with the :data:`PROPOSAL_COLUMNS` of each comment's proposal, if any.

    The columns hold Python values (whole numbers stay whole; None where there is none).
    """
    out = comments.copy()
    fields = [proposal_fields(proposals.get(int(i))) for i in out["id"]]
    for col in PROPOSAL_COLUMNS:
        out[col] = pd.Series([f[col] for f in fields], index=out.index, dtype=object)
    return out


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
        The FeatureCollection; ``properties`` hold the comment as plain (unescaped) text,
        with its proposal's :data:`PROPOSAL_COLUMNS` (numbers as numbers; null without one).
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


_DECIDIM_MODES = {"line": "直線距離", "network": "道路網の距離"}


def _decidim_proposal(record: Mapping[str, Any]) -> str:
    """The paragraph a proposal adds to a Decidim body (empty without one): the facility, people
    newly within walking distance, the city's rate before → after, the towns that gain and how
    it was computed, in Japanese as the rest of the body."""
    kind = _plain(record.get("proposal_kind"))
    if kind is None:
        return ""
    k = KIND_BY_KEY.get(str(kind))
    name = k.ja if k is not None else str(kind)
    lines = [f"■ 施設の提案: {name}（H3セル: {_plain(record.get('proposal_cell'))}）"]
    people, cells = _plain(record.get("proposal_people_gained")), _plain(
        record.get("proposal_cells_gained"))
    if cells is None:
        lines.append("効果は計算できませんでした。")
    else:
        lines.append(f"徒歩圏に新たに入る人: {fmt.count(people)}人" if people is not None
                     else f"徒歩圏に新たに入るセル: {fmt.count(cells)}")
        before, after = (_plain(record.get(c)) for c in ("proposal_rate_before",
                                                            "proposal_rate_after"))
        if before is not None and after is not None:
            lines.append(f"市の{name}の徒歩圏カバー率: {fmt.rate(before)} → {fmt.rate(after)}"
                         f"（{fmt.points(after - before)}）")
        lines.append("人が増える町丁: " + (_decidim_towns(record) or "なし"))
    mode = _plain(record.get("proposal_mode"))
    lines.append(f"（今ある施設にこの施設を1つ加えた場合の推計。距離: "
                 f"{_DECIDIM_MODES.get(str(mode), str(mode))}）")
    return "\n\n" + "\n".join(lines)


def _decidim_towns(record: Mapping[str, Any]) -> str:
    """The towns that gain as ``name N人``, joined by ``、`` (at most 10, then how many more)."""
    names = str(_plain(record.get("proposal_town_names")) or "").split(TOWN_NAME_SEPARATOR)
    people = str(_plain(record.get("proposal_town_people")) or "").split()
    if not people:
        return ""
    shown = [f"{n} {fmt.count(int(p))}人" for n, p in zip(names, people, strict=False)][:10]
    more = f" ほか{len(people) - 10}町丁" if len(people) > 10 else ""
    return TOWN_NAME_SEPARATOR.join(shown) + more


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
        the whole comment followed by a line naming its factor, kind and H3 cell and, for a
        comment that proposes a facility (``proposal_*`` columns, see
        :func:`with_proposals`), a paragraph with the facility, people newly within walking
        distance, the city's rate before → after, the towns that gain and how it was
        computed (in the body: Decidim's proposal import has no column for them).
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
        body = f"{text}\n\n（{about}）" + _decidim_proposal(record)
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
