"""Workshop in the UI: the shared baseline engine, the group's scenario engine, links, maps."""

from __future__ import annotations

import io
import json
import os
import time
from typing import Any
from urllib.parse import urlsplit

import h3
import pandas as pd
import pydeck as pdk
import streamlit as st

from geo import deck, grid, minutes, siting
from geo import scenario as sc
from geo.coverage import KIND_BY_KEY, KINDS
from geo.store import Scenario, Workshop

from .cache import get_bundle
from .i18n import lang, t
from .voices import base_layers, get_store

GROUP = "wd_group"  # the joined group: token, ids, names (this browser session only)
FACILITATOR = "wd_fac"  # the facilitator's token (this browser session only)
ENGINE = "wd_engine"  # {"id", "version", "engine"} of the scenario being edited
#: Base of the join links (the app cannot know its public address behind a proxy).
PUBLIC_URL_ENV = "DIORAMA_PUBLIC_URL"


def workshop() -> Workshop:
    """The workshop tables of the shared store."""
    return Workshop(get_store())


@st.cache_resource(show_spinner=False, max_entries=8)
def baseline(city: str, mode: str) -> sc.Engine:
    """The locked baseline of a city (shared, never modified: scenarios work on copies)."""
    return sc.Engine.from_bundle(get_bundle(city), mode=mode)  # type: ignore[arg-type]


def join_url(token: str) -> str:
    """The join link of a group: under ``DIORAMA_PUBLIC_URL`` when set, else under the address
    the facilitator is using (so a laptop opened by its LAN address gives links that the
    participants' phones can open)."""
    base = os.environ.get(PUBLIC_URL_ENV, "")
    if not base:
        try:
            here = urlsplit(st.context.url or "")
        except Exception:  # no browser context (bare scripts, some tests)
            here = urlsplit("")
        base = f"{here.scheme}://{here.netloc}" if here.scheme and here.netloc else ""
    base = (base or "http://localhost:8501").rstrip("/")
    return f"{base}/workshop?join={token}"


def qr_png(url: str) -> bytes:
    """QR code of a link as PNG."""
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=5, border=2)
    return buf.getvalue()


def scenario_engine(s: Scenario) -> sc.Engine:
    """The engine of a scenario, rebuilt only when the stored version moved on.

    Kept in session state (it belongs to this browser's group, never to the shared cache).
    """
    ss = st.session_state
    cached = ss.get(ENGINE)
    if cached and cached["id"] == s.id and cached["version"] == s.version:
        return cached["engine"]  # type: ignore[no-any-return]
    eng = baseline(s.city, s.mode).with_modifications(sc.loads(s.modifications))
    ss[ENGINE] = {"id": s.id, "version": s.version, "engine": eng}
    return eng


def apply_and_save(s: Scenario, mod: sc.Modification) -> tuple[Scenario, sc.Change, float]:
    """Apply one edit incrementally, then save it with the version it was made on.

    Returns the saved scenario, what changed and the recompute time in ms. A stale save
    (someone else in the group saved first) raises ``StaleScenario`` and the engine is
    rebuilt from the database on the next run.
    """
    ss = st.session_state
    eng = scenario_engine(s)
    trial = eng.copy()
    t0 = time.perf_counter()
    change = trial.apply(mod)
    ms = (time.perf_counter() - t0) * 1000
    group = ss[GROUP]
    try:
        saved = workshop().save_scenario(group_token=group["token"], scenario_id=s.id,
                                         expected_version=s.version,
                                         modifications=sc.dumps(trial.mods))
    except Exception:
        ss.pop(ENGINE, None)
        raise
    ss[ENGINE] = {"id": saved.id, "version": saved.version, "engine": trial}
    return saved, change, ms


def target_cell(h: str) -> str:
    """The res-10 cell where a facility goes for a clicked cell (centre child if coarser)."""
    res = h3.get_resolution(h)
    if res < 10:
        return str(h3.cell_to_center_child(h, 10))
    return str(h3.cell_to_parent(h, 10)) if res > 10 else h


def diff_layer(base: sc.Engine, scen: sc.Engine, kind: str) -> pdk.Layer:
    """Coverage of ``kind``: kept (blue), gained (green), lost (red) res-10 cells."""
    before, after = base.covered(kind), scen.covered(kind)
    ids = grid.to_strings(base.cells)
    recs: list[dict[str, Any]] = []
    for mask, color, label in ((before & after, [158, 202, 225, 120], t("dio_kept")),
                               (after & ~before, [26, 152, 80, 220], t("dio_gained")),
                               (before & ~after, [215, 48, 39, 220], t("dio_lost"))):
        recs.extend({"h": h, "v": label, "c": color} for h in ids[mask])
    return pdk.Layer("H3HexagonLayer", id="diff", data=recs, get_hexagon="h",
                     get_fill_color="c", stroked=False, filled=True, pickable=True)


def scenario_layers(b: Any, base: sc.Engine, scen: sc.Engine, kind: str,
                    sites: pd.DataFrame | None = None) -> list[pdk.Layer]:
    """Pin grid, coverage difference, facilities (and suggested sites) for the diorama map."""
    layers = [*base_layers(b.id), diff_layer(base, scen, kind)]
    fac = scen.facilities(kind)
    if len(fac):
        layers.append(deck.facility_layer(fac, kind=kind, label=kind_name(kind)))
    if sites is not None and len(sites):
        layers.append(pdk.Layer(
            "H3HexagonLayer", id="sites",
            data=[{"h": c, "v": f"#{r} +{v:,.0f}"} for c, r, v in
                  zip(sites["cell"], sites["rank"], sites["new_covered"], strict=True)],
            get_hexagon="h", get_fill_color=[255, 127, 0, 230], stroked=True,
            get_line_color=[0, 0, 0], line_width_min_pixels=2, pickable=True))
    return layers


def kind_name(kind: str) -> str:
    """Display name of a kind."""
    k = KIND_BY_KEY[kind]
    return k.ja if lang() == "ja" else k.en


def factor_kinds() -> dict[str, list[str]]:
    """Well-Being factor (Japanese name) → the coverage kinds that inform it."""
    out: dict[str, list[str]] = {}
    for k in KINDS:
        out.setdefault(k.factor, []).append(k.key)
    return out


def before_after_table(base: sc.Engine, scen: sc.Engine) -> pd.DataFrame:
    """Per kind: covered people and rate before / after and the change (display frame)."""
    c = sc.compare(base, scen)
    c = c[(c["facilities_before"] > 0) | (c["facilities_after"] > 0)]
    out = pd.DataFrame({
        t("dio_kind"): [kind_name(k) for k in c.index],
        t("dio_before") + " " + t("dio_covered"): c["covered_before"].round(0),
        t("dio_after") + " " + t("dio_covered"): c["covered_after"].round(0),
        "Δ " + t("dio_covered"): c["covered_change"].round(0),
        t("dio_before") + " " + t("dio_rate"): (c["rate_before"] * 100).round(2),
        t("dio_after") + " " + t("dio_rate"): (c["rate_after"] * 100).round(2),
        "Δ pt": (c["rate_change"] * 100).round(2),
        "+cells": c["cells_gained"], "−cells": c["cells_lost"]})
    return out.reset_index(drop=True)


def radar(base: sc.Engine, scen: sc.Engine) -> bytes:
    """Radar PNG of the objective factor scores, baseline vs scenario."""
    from geo.store import FACTORS

    fk = factor_kinds()
    # Japanese spoke labels need a font with Japanese glyphs; without one, English labels
    ja = lang() == "ja" and minutes.cjk_font() is not None
    labels = None if ja else {f.ja: f.en for f in FACTORS}
    return minutes.radar_png(sc.factor_scores(base, fk), sc.factor_scores(scen, fk),
                             labels=labels,
                             names=(t("dio_before"), t("dio_after")))


def suggestions(scen: sc.Engine, kind: str, n: int) -> pd.DataFrame:
    """Top ``n`` sites for ``kind`` in the scenario."""
    return siting.suggest(scen, kind, n=n)


def session_exports(ws: Workshop, session_id: str) -> tuple[str, str]:
    """(HTML minutes, GeoJSON of every group's modifications) of a session."""
    store = get_store()
    sessions = [s for s in [ws.facilitator_session(st.session_state[FACILITATOR])]
                if s.id == session_id]
    sess = sessions[0]
    b = get_bundle(sess.city)
    groups = []
    feats: list[dict[str, Any]] = []
    comments = store.list_comments(city=sess.city)
    for g in ws.groups(session_id):
        scen_minutes = []
        for s in ws.scenarios(group_id=g.id):
            base = baseline(s.city, s.mode)
            mods = sc.loads(s.modifications)
            eng = base.with_modifications(mods)
            kinds = list(dict.fromkeys(m.kind for m in mods)) or ["bus_stop"]
            png = minutes.diff_map_png(base, eng, kinds[0], boundary=b.boundary,
                                       title=f"{kinds[0]}")
            mine = comments[comments["scenario_id"] == s.id]
            scen_minutes.append(minutes.ScenarioMinutes(
                name=s.name, modifications=mods, figures=sc.compare(base, eng)[
                    ["factor", "facilities_before", "facilities_after", "covered_before",
                     "covered_after", "covered_change", "rate_before", "rate_after",
                     "rate_change", "cells_gained", "cells_lost"]],
                map_png=png,
                comments=[{"text": r["text"], "nickname": r["nickname"]}
                          for _, r in mine.iterrows()]))
            feats.extend(sc.modifications_geojson(
                mods, properties={"group": g.name, "scenario": s.name})["features"])
        groups.append(minutes.GroupMinutes(name=g.name, scenarios=scen_minutes))
    html = minutes.session_html(title=sess.title, city=sess.city, created=sess.created_at,
                                agenda=sess.agenda, groups=groups)
    geojson = json.dumps({"type": "FeatureCollection", "features": feats},
                         ensure_ascii=False)
    return html, geojson
