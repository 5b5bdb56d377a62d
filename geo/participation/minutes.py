"""Minutes of a workshop: static maps, a factor radar and one self-contained HTML file."""

from __future__ import annotations

import base64
import functools
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import geopandas as gpd
import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from geo import grid
from geo.access import Engine, Modification

GAINED = "#1a9850"
LOST = "#d73027"
KEPT = "#9ecae1"


CJK_FONTS = ("Noto Sans CJK JP", "IPAexGothic", "IPAGothic", "TakaoPGothic", "Noto Sans JP")
"""Fonts with Japanese glyphs that the static images use when one is installed."""


@functools.cache
def cjk_font() -> str | None:
    """The first installed font of :data:`CJK_FONTS` (``None`` when there is none: draw the
    images with English labels then, as matplotlib's own font has no Japanese glyphs)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def diff_map_png(base: Engine, scen: Engine, kind: str, *,
                 boundary: gpd.GeoDataFrame | None = None, title: str = "") -> bytes:
    """A static map of coverage of ``kind``: kept (blue), gained (green), lost (red) cells.

    Cells are drawn as dots at their centres (fast and small; the minutes are not a GIS).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before, after = base.covered(kind), scen.covered(kind)
    lon, lat = grid.centroids(base.cells)
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    if boundary is not None:
        boundary.boundary.plot(ax=ax, color="#555555", linewidth=0.6)
    for mask, color in ((before & after, KEPT), (after & ~before, GAINED),
                        (before & ~after, LOST)):
        ax.scatter(lon[mask], lat[mask], s=2, c=color, linewidths=0)
    fac = scen.facilities(kind)
    if len(fac):
        added = fac["added"].to_numpy(bool)
        ax.scatter(fac.geometry.x[~added], fac.geometry.y[~added], s=6, c="#333333")
        ax.scatter(fac.geometry.x[added], fac.geometry.y[added], s=40, c="#ff7f00",
                   marker="*", edgecolors="black", linewidths=0.4)
    ax.set_aspect(1 / math.cos(math.radians(float(np.mean(lat)) if len(lat) else 35.0)))
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)
    return _png(fig)


def radar_png(before: pd.Series, after: pd.Series, *, labels: Mapping[str, str] | None = None,
              names: tuple[str, str] = ("baseline", "scenario")) -> bytes:
    """Radar (0–100 %) of factor scores before and after, spokes in ``before``'s order."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = list(before.index)
    if not keys:
        keys = ["-"]
        before = pd.Series([0.0], index=keys)
    angles = np.linspace(0, 2 * np.pi, len(keys), endpoint=False).tolist()
    fig = plt.figure(figsize=(4.2, 4.2))
    ax = fig.add_subplot(polar=True)
    for series, color, name in ((before, "#6baed6", names[0]),
                                (after.reindex(keys), "#e6550d", names[1])):
        v = (series.fillna(0).to_numpy(float) * 100).tolist()
        ax.plot([*angles, angles[0]], [*v, v[0]], color=color, label=name)
        ax.fill([*angles, angles[0]], [*v, v[0]], color=color, alpha=0.15)
    ax.set_xticks(angles)
    font = {"family": [cjk_font() or "sans-serif", "sans-serif"]}
    ax.set_xticklabels([(labels or {}).get(k, k) for k in keys], fontsize=7, fontdict=font)
    ax.set_ylim(0, 100)
    ax.legend(loc="lower right", bbox_to_anchor=(1.25, -0.1),
              prop={"family": font["family"], "size": 7})
    return _png(fig)


@dataclass
class ScenarioMinutes:
    """One scenario as it goes into the minutes."""

    name: str
    modifications: Sequence[Modification]
    figures: pd.DataFrame
    map_png: bytes | None = None
    comments: Sequence[Mapping[str, Any]] = field(default_factory=list)


@dataclass
class GroupMinutes:
    """One group and its scenarios."""

    name: str
    scenarios: Sequence[ScenarioMinutes]


_TEMPLATE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:auto;padding:1em}
table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ccc;padding:2px 6px}
.group{border-top:3px solid #377eb8;margin-top:2em}.mod{font-family:monospace}</style>
</head><body>
<h1>{{ title }}</h1>
<p>{{ city }} · {{ created }}</p>
{% if agenda %}<h2>進行 / Agenda</h2>
<ol>{% for a in agenda %}<li>{{ a }}</li>{% endfor %}</ol>{% endif %}
{% for g in groups %}<section class="group"><h2>{{ g.name }}</h2>
{% if not g.scenarios %}<p>(シナリオなし / no scenario)</p>{% endif %}
{% for s in g.scenarios %}<h3>{{ s.name }}</h3>
<h4>修正 / Modifications</h4><ol>{% for m in s.mods %}<li class="mod">{{ m }}</li>{% endfor %}</ol>
{% if s.map %}<img alt="map" src="data:image/png;base64,{{ s.map }}">{% endif %}
<h4>数値 / Figures</h4>{{ s.table }}
<h4>コメント / Comments</h4>{% if not s.comments %}<p>-</p>{% endif %}<ul>
{% for c in s.comments %}<li>{{ c.text }}{% if c.nickname %} — {{ c.nickname }}{% endif %}</li>
{% endfor %}</ul>{% endfor %}</section>{% endfor %}
<footer><p>Well-Being Diorama</p></footer></body></html>"""


def _mod_text(m: Modification) -> str:
    if m.op == "radius":
        return f"radius {m.kind} → {m.radius_m:.0f} m"
    where = f" @ {m.cell}" if m.cell else ""
    label = f" ({m.name})" if m.name else ""
    return f"{m.op} {m.kind} {m.facility}{label}{where}"


def session_html(*, title: str, city: str, created: datetime, agenda: Sequence[str],
                 groups: Sequence[GroupMinutes]) -> str:
    """The minutes of one session as one self-contained HTML file (images inline).

    Every piece of user text (titles, names, comments) is HTML-escaped by Jinja2's
    autoescape; only the figures tables (numbers rendered by pandas, escaped) and base64
    images are inserted as markup.
    """
    env = jinja2.Environment(autoescape=True)
    tpl = env.from_string(_TEMPLATE)
    gs = []
    for g in groups:
        ss = []
        for s in g.scenarios:
            table = s.figures.to_html(float_format=lambda v: f"{v:,.3f}", escape=True,
                                      na_rep="—")
            ss.append({
                "name": s.name, "mods": [_mod_text(m) for m in s.modifications],
                "map": base64.b64encode(s.map_png).decode() if s.map_png else None,
                "table": Markup(table),  # noqa: S704 - pandas escaped every cell (escape=True)
                "comments": list(s.comments)})
        gs.append({"name": g.name, "scenarios": ss})
    return tpl.render(title=title, city=city, created=created.strftime("%Y-%m-%d %H:%M UTC"),
                      agenda=list(agenda), groups=gs)
