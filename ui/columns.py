"""Downloads for people: the machine columns of every table download, in the user's language.

Every table download comes twice (:func:`ui.widgets.csv_download`): *for tools*, with the
stable snake_case columns documented in the README (``population``, ``rate_bus_stop``, ...),
and *for people*, made here from the same frame: every header in the session's language and
every number as people read it (whole people that add up, rates in % with one decimal,
distances in whole metres). :func:`header` raises on a column it does not know, so a new
machine column cannot reach a person's file untranslated (tests/test_downloads.py).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pandas as pd

from geo.kinds import KIND_BY_KEY
from geo.participation.store.export import TOWN_NAME_SEPARATOR

from . import i18n
from .format import month, round_total, stamp
from .i18n import factor_name, kind_label, t

__all__ = ["comments_for_people", "for_people", "header"]


def _people(s: pd.Series) -> pd.Series:  # whole, and the column still adds up as shown
    return pd.Series(round_total(s.tolist()), index=s.index, dtype="Int64")


def _fraction(s: pd.Series) -> pd.Series:  # a share 0-1 -> % with one decimal
    return (pd.to_numeric(s, errors="coerce") * 100).round(1)


def _pct(s: pd.Series) -> pd.Series:  # already in %
    return pd.to_numeric(s, errors="coerce").round(1)


def _metres(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").replace([np.inf, -np.inf], np.nan).round(0) \
        .astype("Int64")


def _month(s: pd.Series) -> pd.Series:  # "2019-01" -> 2019年1月
    return s.map(lambda v: month(v) if isinstance(v, str) and v[:4].isdigit() else v)


def _yes_no(s: pd.Series) -> pd.Series:
    return s.map(lambda v: t("yes") if v is True or v == 1 else t("no") if v is False or v == 0
                 else "")


_Shown = Callable[[pd.Series], pd.Series] | None

#: Machine column → (catalogue key, how its numbers are shown to people).
FIXED: dict[str, tuple[str, _Shown]] = {
    "h3_cell": ("col_h3_cell", None), "h3_resolution": ("col_h3_resolution", None),
    "lon": ("col_lon", None), "lat": ("col_lat", None),
    "name": ("col_name", None), "town_code": ("town_code", None), "month": ("chart_month", _month),
    "population": ("population", _people),
    "stay": ("col_stay", _people), "stay_2019": ("col_stay_2019", _people),
    "daytime": ("col_daytime", _people), "night": ("col_night", _people),
    "change_pct": ("flows_change_col", _pct), "day_night_pct": ("col_day_night_pct", _pct),
    "buildings": ("vac_buildings", _people), "dwellings": ("vac_dwellings", _people),
    "likely_vacant": ("vac_metric_likely_vacant", _people),
    "estimated": ("vac_metric_estimated", _people),
    "low": ("vac_low", _people), "high": ("vac_high", _people),
    "rate": ("vac_rate_pct", _pct), "rate_low": ("vac_rate_low", _pct),
    "rate_high": ("vac_rate_high", _pct), "suppressed": ("vac_suppressed", _yes_no),
    "data_label": ("vac_data_label", None),
}
#: ``<measure>_<kind>`` columns: (catalogue key taking ``{kind}``, how shown).
PER_KIND: dict[str, tuple[str, _Shown]] = {
    "dist": ("col_dist", _metres), "rate": ("col_rate", _fraction),
    "covered": ("col_covered", _people), "uncovered": ("col_uncovered", _people),
}


def _spec(name: str) -> tuple[str, _Shown]:
    if name in FIXED:
        key, shown = FIXED[name]
        return t(key), shown
    for measure, (key, shown) in PER_KIND.items():
        kind = name.removeprefix(measure + "_")
        if kind != name and kind in KIND_BY_KEY:
            return t(key, kind=kind_label(KIND_BY_KEY[kind])), shown
    raise KeyError(f"no header for people for the column {name!r} (add it to ui.columns)")


def header(name: str) -> str:
    """The header people read for a machine column (``rate_bus_stop`` → ``カバー率: バス停 (%)``).

    Raises
    ------
    KeyError
        For a column this module does not know.
    """
    return _spec(name)[0]


def for_people(frame: pd.DataFrame, *, index: bool = False) -> pd.DataFrame:
    """``frame`` (machine columns) with headers in the session's language and numbers as
    people read them; with ``index``, the index becomes the first column (named likewise)."""
    out = frame.reset_index() if index else frame.copy()
    cols = {}
    for c in out.columns:
        label, shown = _spec(str(c))
        if shown is not None:
            out[c] = shown(out[c])
        cols[c] = label
    return out.rename(columns=cols)


#: The comment export's columns (geo.participation.store.export.CSV_COLUMNS) for people, in
#: order; ``city``, ``resolution`` and the factor's key are left out (the factor is named).
COMMENT_HEADERS = {"id": "col_c_id", "parent_id": "col_c_parent", "created_at": "col_c_when",
                   "town_code": "town_code", "cell": "col_h3_cell", "factor_ja": "factor",
                   "kind": "col_c_kind", "text": "col_c_text", "nickname": "col_c_nickname",
                   "plus_ones": "col_c_plus_ones", "replies": "col_c_replies",
                   "scenario_id": "col_c_scenario", "photo": "col_c_photo",
                   "shape": "col_c_shape", "shape_cells": "col_c_shape_cells",
                   "proposal_kind": "col_c_prop_kind", "proposal_mode": "col_c_prop_mode",
                   "proposal_people_gained": "col_c_prop_people",
                   "proposal_cells_gained": "col_c_prop_cells",
                   "proposal_rate_before": "col_c_prop_rate_before",
                   "proposal_rate_after": "col_c_prop_rate_after",
                   "proposal_town_names": "col_c_prop_towns",
                   "proposal_factors": "col_c_prop_factors"}


def comments_for_people(csv: bytes) -> pd.DataFrame:
    """The comment export (``Store.export_csv``) for people: headers in the session's
    language, the kind, the factor and the shape named (an area's or a route's hexagons
    counted), the time in the locale's form (Japan time), a proposed facility's kind, figures
    (rates in %), towns with their people and factors in words."""
    frame = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig", dtype=str,
                        keep_default_na=False)
    frame["kind"] = [t("ckind_" + v) if v in ("good", "concern", "idea") else v
                     for v in frame["kind"]]
    frame["factor_ja"] = [factor_name(v) for v in frame["factor_ja"]]
    frame["created_at"] = [stamp(v) if v else "" for v in frame["created_at"]]
    if "shape" in frame:  # the shape in words, an area's or a route's hexagons counted
        frame["shape"] = [t("shape_word_" + v) if v in ("point", "area", "route") else v
                          for v in frame["shape"]]
        frame["shape_cells"] = [str(len(v.split())) if v else "" for v in frame["shape_cells"]]
    if "proposal_kind" in frame:
        _proposal_for_people(frame)
    keep = [c for c in COMMENT_HEADERS if c in frame.columns]
    return frame[keep].rename(columns={c: t(COMMENT_HEADERS[c]) for c in keep})


def _list_separator() -> str:
    return "、" if i18n.lang() == "ja" else ", "


def _percent_text(v: str) -> str:  # a share 0-1 as text -> % with one decimal, as text
    try:
        return f"{float(v) * 100:.1f}"
    except ValueError:
        return ""


def _towns_text(names: str, people: str) -> str:
    """The towns that gain as people read them: ``西町 312人、東町 20人``."""
    counts = people.split()
    shown = [t("prop_town_n", town=n, n=f"{int(c):,d}")
             for n, c in zip(names.split(TOWN_NAME_SEPARATOR), counts, strict=False)]
    return _list_separator().join(shown)


def _proposal_for_people(frame: pd.DataFrame) -> None:
    """The proposal columns in words (in place): the facility and the distance method named,
    the rates in %, the towns with their people, the factors named."""
    from geo.participation.framework import FACTORS

    factors = {f.key: factor_name(f.ja) for f in FACTORS}
    frame["proposal_kind"] = [kind_label(KIND_BY_KEY[v]) if v in KIND_BY_KEY else v
                              for v in frame["proposal_kind"]]
    frame["proposal_mode"] = [t("dio_mode_" + v) if v in ("line", "network") else v
                              for v in frame["proposal_mode"]]
    for col in ("proposal_rate_before", "proposal_rate_after"):
        frame[col] = [_percent_text(v) if v else "" for v in frame[col]]
    frame["proposal_town_names"] = [
        _towns_text(n, p) for n, p in zip(frame["proposal_town_names"],
                                          frame["proposal_town_people"], strict=True)]
    sep = _list_separator()
    frame["proposal_factors"] = [sep.join(factors.get(k, k) for k in v.split()) if v else ""
                                 for v in frame["proposal_factors"]]
