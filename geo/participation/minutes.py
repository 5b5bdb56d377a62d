"""Minutes of a workshop: static maps, a factor radar, one self-contained A4 HTML file (and
through :mod:`geo.participation.minutes_pdf` the same as PDF), in Japanese or English."""

from __future__ import annotations

import base64
import functools
import io
import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import geopandas as gpd
import jinja2
import numpy as np
import numpy.typing as npt
import pandas as pd
from markupsafe import Markup

from geo import access as sc
from geo import grid
from geo.access import Engine, Modification
from geo.ingest.bundle import CityBundle
from geo.kinds import KINDS
from geo.participation import minutes_template as layout
from geo.participation import minutes_text as words
from geo.participation.store import Session, Workshop

GAINED = "#1a9850"
LOST = "#d73027"
KEPT = "#9ecae1"
ADDED = "#ff7f00"
EXISTING = "#333333"
#: Sizes (inches) and resolutions of the minutes' images: a map or the radar is printed 57 to
#: 87 mm wide (a third or half of the A4 text width); the radar's size keeps its letters
#: legible there, and a map (cropped to the city) keeps about 150 dpi on paper.
MAP_INCHES, RADAR_INCHES, MAP_DPI, PRINT_DPI = 4.0, 3.2, 200, 150
#: Colours of the difference map's cells and marks, for a legend printed beside it.
MAP_COLOURS = {"kept": KEPT, "gained": GAINED, "lost": LOST, "existing": EXISTING,
               "added": ADDED, "removed": LOST}


CJK_FONTS = ("Noto Sans CJK JP", "IPAexGothic", "IPAGothic", "TakaoPGothic", "Noto Sans JP")
"""Fonts with Japanese glyphs that the static images use when one is installed."""


@functools.cache
def cjk_font() -> str | None:
    """The first installed font of :data:`CJK_FONTS` (``None`` when there is none: draw the
    images with English labels then, as matplotlib's own font has no Japanese glyphs)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _png(fig: Any, *, dpi: int = 110) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.03)
    plt.close(fig)
    return buf.getvalue()


Extent = tuple[float, float, float, float]
"""``(lon_min, lon_max, lat_min, lat_max)`` of a map."""


def _facility_changes(base: Engine, scen: Engine, kind: str
                      ) -> tuple[gpd.GeoDataFrame, npt.NDArray[np.bool_], gpd.GeoDataFrame,
                                 npt.NDArray[np.bool_]]:
    """The scenario's facilities of ``kind`` and which are new (added or moved), the
    baseline's and which are gone (removed, or moved away from there)."""
    fac = scen.facilities(kind)
    old = base.facilities(kind)
    now_at = set(zip(fac["id"], fac.geometry.x, fac.geometry.y, strict=True))
    gone = np.array([(i, x, y) not in now_at for i, x, y in zip(
        old["id"], old.geometry.x, old.geometry.y, strict=True)], dtype=bool)
    new = (fac["added"].to_numpy(bool) | ~fac["id"].isin(old["id"]).to_numpy(bool)
           | fac["id"].isin(old["id"][gone]).to_numpy(bool))
    return fac, new, old, gone


def _km_per_degree(lat: float) -> tuple[float, float]:
    return 111.32 * math.cos(math.radians(lat)), 110.57


def _free_corner(extent: Extent, points: npt.NDArray[np.float64], share: float = 0.32
                 ) -> tuple[float, float, float, float]:
    """The corner of a close-up (axes fraction ``(x, y, w, h)``) that hides the fewest of
    ``points`` (lon, lat rows: the changes), upper left first on a tie."""
    x = (points[:, 0] - extent[0]) / (extent[1] - extent[0]) if len(points) else np.empty(0)
    y = (points[:, 1] - extent[2]) / (extent[3] - extent[2]) if len(points) else np.empty(0)
    corners = [(0.0, 1 - share), (1 - share, 1 - share), (0.0, 0.0), (1 - share, 0.0)]
    pad = 0.04  # a star drawn just outside the corner still shows
    hidden = [int(((x > cx - pad) & (x < cx + share + pad) & (y > cy - pad)
                   & (y < cy + share + pad)).sum()) for cx, cy in corners]
    cx, cy = corners[int(np.argmin(hidden))]
    return (cx, cy, share, share)


def change_extent(base: Engine, scen: Engine, kind: str, *, pad_km: float = 1.2,
                  min_km: float = 4.0, max_share: float = 0.55) -> Extent | None:
    """Where ``kind``'s coverage changed, as a map extent (padded, at least ``min_km`` across),
    or ``None`` when that is most of the city anyway (more than ``max_share`` of its width or
    height) or nothing changed: then the whole city is the better map."""
    before, after = base.covered(kind), scen.covered(kind)
    lon, lat = grid.centroids(base.cells)
    if not len(lon):
        return None
    fac, new, old, gone = _facility_changes(base, scen, kind)
    changed = before != after
    xs = np.concatenate([lon[changed], fac.geometry.x.to_numpy(float)[new],
                         old.geometry.x.to_numpy(float)[gone]])
    ys = np.concatenate([lat[changed], fac.geometry.y.to_numpy(float)[new],
                         old.geometry.y.to_numpy(float)[gone]])
    if not len(xs):
        return None
    kx, ky = _km_per_degree(float(np.mean(lat)))
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    half = max(min_km / 2, (xs.max() - xs.min()) * kx / 2 + pad_km,
               (ys.max() - ys.min()) * ky / 2 + pad_km)  # a square, in km
    city_w, city_h = (lon.max() - lon.min()) * kx, (lat.max() - lat.min()) * ky
    if 2 * half > max_share * max(city_w, city_h):
        return None
    return (float(cx - half / kx), float(cx + half / kx), float(cy - half / ky),
            float(cy + half / ky))


def diff_map_png(base: Engine, scen: Engine, kind: str, *,
                 boundary: gpd.GeoDataFrame | None = None, title: str = "",
                 size: float = 5.5, dpi: int = 110, extent: Extent | None = None) -> bytes:
    """A static map of coverage of ``kind``: kept (blue), gained (green), lost (red) cells.

    Cells are drawn as dots at their centres (fast and small; the minutes are not a GIS).
    The scenario's facilities of ``kind`` are black dots, the added or moved ones orange
    stars, and the baseline's removed ones (or where a moved one stood) red crosses; the
    minutes print the legend as text beside the map (:data:`MAP_COLOURS`). ``size`` is the
    figure's width in inches, ``dpi`` its resolution. With ``extent`` (see
    :func:`change_extent`) the map is a close-up of that box, with a small map of the whole
    city showing where the box lies, in the corner that hides the fewest changes.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    before, after = base.covered(kind), scen.covered(kind)
    lon, lat = grid.centroids(base.cells)
    mid = float(np.mean(lat)) if len(lat) else 35.0
    fig, ax = plt.subplots(figsize=(size, size))
    if boundary is not None:
        boundary.boundary.plot(ax=ax, color="#555555", linewidth=0.6)
    # dots about as wide as the cells are apart, at the map's scale
    span = (extent[1] - extent[0] if extent else
            float(lon.max() - lon.min()) if len(lon) else 1.0) * _km_per_degree(mid)[0]
    gap_km = math.sqrt(2 * grid.area_km2(grid.to_strings(base.cells[:1])[0]) / math.sqrt(3)) \
        if len(lon) else 0.1
    dot = float(np.clip((gap_km / max(span, 1e-6) * size * 72) ** 2, 2.0, 150.0))
    for mask, color in ((before & after, KEPT), (after & ~before, GAINED),
                        (before & ~after, LOST)):
        ax.scatter(lon[mask], lat[mask], s=dot, c=color, linewidths=0)
    fac, new, old, gone = _facility_changes(base, scen, kind)
    ax.scatter(fac.geometry.x[~new], fac.geometry.y[~new], s=12 if extent else 5, c=EXISTING,
               linewidths=0)
    ax.scatter(fac.geometry.x[new], fac.geometry.y[new], s=110 if extent else 80, c=ADDED,
               marker="*", edgecolors="black", linewidths=0.5, zorder=5)
    ax.scatter(old.geometry.x[gone], old.geometry.y[gone], s=60 if extent else 40, c=LOST,
               marker="x", linewidths=1.4, zorder=5)
    ax.set_aspect(1 / math.cos(math.radians(mid)))
    if extent is not None:
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        for side in ax.spines.values():
            side.set_edgecolor("#777777")
            side.set_linewidth(0.8)
        where = ax.inset_axes(_free_corner(extent, np.concatenate([
            np.column_stack([lon, lat])[before != after],
            np.column_stack([fac.geometry.x, fac.geometry.y])[new],
            np.column_stack([old.geometry.x, old.geometry.y])[gone]])))
        if boundary is not None:
            boundary.boundary.plot(ax=where, color="#555555", linewidth=0.5)
        else:
            where.scatter(lon, lat, s=0.2, c="#bbbbbb", linewidths=0)
        where.add_patch(Rectangle((extent[0], extent[2]), extent[1] - extent[0],
                                  extent[3] - extent[2], fill=False, edgecolor=LOST,
                                  linewidth=1.2))
        where.set_aspect(1 / math.cos(math.radians(mid)))
        where.set_facecolor("white")
        for a in (ax, where):  # no ticks, and none of geopandas' "Geodetic longitude" labels
            a.set_xticks([])
            a.set_yticks([])
            a.set_xlabel("")
            a.set_ylabel("")
    else:
        ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9, fontfamily=[cjk_font() or "sans-serif", "sans-serif"])
    return _png(fig, dpi=dpi)


def radar_png(before: pd.Series, after: pd.Series, *, labels: Mapping[str, str] | None = None,
              names: tuple[str, str] = ("baseline", "scenario"), size: float = 4.2,
              fontsize: float = 7, dpi: int = 110, legend_below: bool = False,
              wrap: int | None = None) -> bytes:
    """Radar (0–100 %) of factor scores before and after, spokes in ``before``'s order
    (``size``: the figure's width in inches, ``fontsize``: the labels' size in points;
    ``legend_below`` puts the legend under the radar, clear of the spokes' labels; ``wrap``
    breaks labels longer than that many characters at spaces)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = list(before.index)
    if not keys:
        keys = ["-"]
        before = pd.Series([0.0], index=keys)
    angles = np.linspace(0, 2 * np.pi, len(keys), endpoint=False).tolist()
    fig = plt.figure(figsize=(size, size))
    ax = fig.add_subplot(polar=True)
    for series, color, name in ((before, "#6baed6", names[0]),
                                (after.reindex(keys), "#e6550d", names[1])):
        v = (series.fillna(0).to_numpy(float) * 100).tolist()
        ax.plot([*angles, angles[0]], [*v, v[0]], color=color, label=name)
        ax.fill([*angles, angles[0]], [*v, v[0]], color=color, alpha=0.15)
    ax.set_xticks(angles)
    font = {"family": [cjk_font() or "sans-serif", "sans-serif"]}
    names_ = [(labels or {}).get(k, k) for k in keys]
    if wrap:
        names_ = [textwrap.fill(n, wrap) for n in names_]
    ax.set_xticklabels(names_, fontsize=fontsize, fontdict=font)
    ax.tick_params(axis="y", labelsize=fontsize * 0.85)
    ax.set_ylim(0, 100)
    if legend_below:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False,
                  prop={"family": font["family"], "size": fontsize})
    else:
        ax.legend(loc="lower right", bbox_to_anchor=(1.25, -0.1),
                  prop={"family": font["family"], "size": fontsize})
    return _png(fig, dpi=dpi)


@dataclass
class ScenarioMinutes:
    """One scenario as it goes into the minutes (see :func:`scenario_minutes`).

    Attributes
    ----------
    name
        The scenario's name (user text: escaped when rendered).
    changes
        Its modifications in words (:func:`geo.participation.minutes_text.describe`).
    figures
        :func:`geo.access.scenario.compare` of the baseline and the scenario.
    kinds
        The kinds the scenario changed, in order: one table row and one map each.
    maps
        Difference map (PNG) of each kind of ``kinds``.
    close_ups
        The kinds whose map is a close-up of where coverage changed (:func:`change_extent`).
    radar_png
        Radar of the factor scores, baseline and scenario.
    comments
        ``text``, ``nickname`` and ``kind`` (in words) of each comment on the scenario.
    proposals
        The citizens' proposals the scenario took in, one line each
        (:func:`geo.participation.minutes_text.proposal_line`).
    """

    name: str
    changes: Sequence[str]
    figures: pd.DataFrame
    kinds: Sequence[str]
    maps: Mapping[str, bytes] = field(default_factory=dict)
    close_ups: Sequence[str] = field(default_factory=list)
    radar_png: bytes | None = None
    comments: Sequence[Mapping[str, Any]] = field(default_factory=list)
    proposals: Sequence[str] = field(default_factory=list)


@dataclass
class GroupMinutes:
    """One group and its scenarios."""

    name: str
    scenarios: Sequence[ScenarioMinutes]


@dataclass
class SessionMinutes:
    """The minutes of one session, ready to render (:func:`session_html`).

    Attributes
    ----------
    title
        The session's title (user text).
    city
        The city's display name (the bundle manifest's ``name_ja`` / ``name_en``), not its id.
    held_on
        The day of the session.
    agenda
        The agenda steps.
    groups
        Each group with its scenarios.
    lang
        ``"ja"`` or ``"en"``: every fixed word, date and number format.
    note
        A sentence on how the figures were estimated (the bundle's assumptions).
    """

    title: str
    city: str
    held_on: date
    agenda: Sequence[str]
    groups: Sequence[GroupMinutes]
    lang: str = "ja"
    note: str = ""


def factor_kinds() -> dict[str, list[str]]:
    """Well-Being factor (Japanese name) → the coverage kinds that inform it."""
    out: dict[str, list[str]] = {}
    for k in KINDS:
        out.setdefault(k.factor, []).append(k.key)
    return out


def changed_kinds(figures: pd.DataFrame, mods: Sequence[Modification]) -> list[str]:
    """The kinds a scenario changed: those its modifications name (in order), then any other
    kind whose coverage changed."""
    kinds = list(dict.fromkeys(m.kind for m in mods))
    moved = (figures["cells_gained"] > 0) | (figures["cells_lost"] > 0) | (
        figures["covered_change"].fillna(0) != 0)
    return kinds + [str(k) for k in figures.index[moved.to_numpy(bool)] if k not in kinds]


def scenario_minutes(name: str, base: Engine, scen: Engine, *,
                     boundary: gpd.GeoDataFrame | None = None,
                     place: Callable[[str], str | None] | Mapping[str, str] | None = None,
                     lang: str = "ja", comments: Sequence[Mapping[str, Any]] = (),
                     proposals: Sequence[str] = ()) -> ScenarioMinutes:
    """Everything the minutes show of one scenario: its changes in words, the figures of the
    kinds it changed, a difference map per such kind, the radar, comments and proposals.

    Parameters
    ----------
    name
        The scenario's name.
    base, scen
        The baseline and the scenario (``scen.mods`` are its modifications).
    boundary
        The city outline drawn on the maps.
    place
        The town of an H3 cell (see :func:`geo.participation.minutes_text.describe`).
    lang
        ``"ja"`` or ``"en"``.
    comments
        ``text``, ``nickname`` and optionally ``kind`` (``good`` / ``concern`` / ``idea``).
    proposals
        The proposals to print (empty: an empty slot).
    """
    lg = words.to_lang(lang)
    figures = sc.compare(base, scen)
    kinds = changed_kinds(figures, scen.mods)
    extents = {k: change_extent(base, scen, k) for k in kinds}
    maps = {k: diff_map_png(base, scen, k, boundary=boundary, size=MAP_INCHES, dpi=MAP_DPI,
                            extent=extents[k]) for k in kinds}
    fk = factor_kinds()
    img = lg if lg == "en" or cjk_font() is not None else "en"  # no Japanese glyphs: English
    radar = radar_png(sc.factor_scores(base, fk), sc.factor_scores(scen, fk),
                      labels=words.factor_labels(img),
                      names=(words.WORDS[img]["baseline"], words.WORDS[img]["scenario"]),
                      size=RADAR_INCHES, fontsize=11, dpi=PRINT_DPI, legend_below=True,
                      wrap=16)
    return ScenarioMinutes(
        name=name, changes=words.describe(scen.mods, base, place=place, lang=lg),
        figures=figures, kinds=kinds, maps=maps,
        close_ups=[k for k in kinds if extents[k] is not None], radar_png=radar,
        comments=[{"text": c.get("text", ""), "nickname": c.get("nickname"),
                   "kind": words.comment_kind(c.get("kind"), lg)} for c in comments],
        proposals=list(proposals))


def taken_proposals(mods: Sequence[Modification]) -> list[int]:
    """The citizens' proposals a scenario took in (the ids its added facilities name as their
    source), in order, each once."""
    return list(dict.fromkeys(pid for m in mods if (pid := sc.proposal_id(m)) is not None))


def session_minutes(ws: Workshop, session: Session, *, bundle: CityBundle,
                    baseline: Callable[[str, str], Engine],
                    place: Callable[[str], str | None] | Mapping[str, str] | None = None,
                    lang: str = "ja", proposals: Mapping[str, Sequence[str]] | None = None,
                    held_on: date | None = None) -> SessionMinutes:
    """The minutes of a stored session: every group's scenarios with their comments.

    Parameters
    ----------
    ws
        The workshop tables (comments are read from ``ws.store``).
    session
        The session.
    bundle
        The session's city (its name, outline and estimation note).
    baseline
        ``(city, mode) -> Engine``: the locked baseline (shared; never modified here).
    place
        The town of an H3 cell, for the changes in words.
    lang
        ``"ja"`` or ``"en"`` (the facilitator's language).
    proposals
        More lines of proposals by scenario id, printed after those of the citizens'
        proposals each scenario took in (its added facilities whose ``source`` names one;
        read from ``ws.store``: a proposal whose comment is no longer visible is named by its
        number only).
    held_on
        The day of the session; by default the day (Japan time) of the last scenario save,
        or the session's creation day when no group saved a scenario.
    """
    lg = words.to_lang(lang)
    groups = []
    last = session.created_at
    for g in ws.groups(session.id):
        scens = []
        for s in ws.scenarios(group_id=g.id):
            last = max(last, s.updated_at)
            base = baseline(s.city, s.mode)
            eng = base.with_modifications(sc.loads(s.modifications))
            said = ws.store.list_comments(city=session.city, scenario_id=s.id, top_level=True)
            taken = [words.proposal_line(pid, ws.store.proposal(pid), place=place, lang=lg)
                     for pid in taken_proposals(eng.mods)]
            scens.append(scenario_minutes(
                s.name, base, eng, boundary=bundle.boundary, place=place, lang=lg,
                comments=[{"text": c.text, "nickname": c.nickname, "kind": c.kind}
                          for c in said],
                proposals=[*taken, *(proposals or {}).get(s.id, ())]))
        groups.append(GroupMinutes(name=g.name, scenarios=scens))
    city = bundle.manifest.get("city", {})
    name = city.get(f"name_{lg}") or city.get("name_ja") or city.get("name_en") or ""
    note = str(bundle.manifest.get("assumptions", {}).get(lg, ""))
    return SessionMinutes(title=session.title, city=str(name),
                          held_on=held_on or words.jst_date(last), agenda=session.agenda,
                          groups=groups, lang=lg, note=note)


def session_html(doc: SessionMinutes) -> str:
    """The minutes of one session as one self-contained HTML file (images inline), laid out
    for A4 portrait paper by its print CSS (:mod:`geo.participation.minutes_template`); the
    same file is what :func:`geo.participation.minutes_pdf.html_to_pdf` turns into the PDF.

    Every piece of user text (titles, names, changes, comments, proposals) is HTML-escaped by
    Jinja2's autoescape; only the constant style sheet is inserted as markup, and the images
    as base64.
    """
    lg = words.to_lang(doc.lang)
    env = jinja2.Environment(autoescape=True)
    tpl = env.from_string(layout.TEMPLATE)

    def b64(png: bytes) -> str:
        return base64.b64encode(png).decode()

    w = words.WORDS[lg]
    gs = []
    for g in doc.groups:
        ss = []
        for s in g.scenarios:
            maps = [{"name": words.kind_name(k, lg), "png": b64(s.maps[k]),
                     "caption": w["map_caption_close" if k in s.close_ups else "map_caption"]
                     .format(kind=words.kind_name(k, lg))}
                    for k in s.kinds if k in s.maps]
            ss.append({"name": s.name, "changes": list(s.changes),
                       "rows": words.figures_rows(s.figures, s.kinds, lg), "maps": maps,
                       "radar": b64(s.radar_png) if s.radar_png else None,
                       "comments": list(s.comments), "proposals": list(s.proposals)})
        gs.append({"name": g.name, "scenarios": ss})
    return tpl.render(w=w, css=Markup(layout.css(MAP_COLOURS)),  # noqa: S704 - our constant
                      legend=layout.LEGEND,
                      title=doc.title, city=doc.city,
                      held_on=words.long_date(doc.held_on, lg), agenda=list(doc.agenda),
                      groups=gs, n_scenarios=sum(len(g["scenarios"]) for g in gs),
                      note=doc.note)
