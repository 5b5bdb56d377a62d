"""GTFS / GTFS-JP feeds: bus stops with departures a day on a representative weekday."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import geopandas as gpd
import gtfs_kit as gk
import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.errors import InputError, Problem
from geo.grid.crs import WGS84
from geo.ingest.archive import BoundedZip, is_zip
from geo.ingest.io import (
    JAPAN_BOUNDS,
    decode_bytes,
    duplicate,
    empty_layer,
    missing_column,
    point_problem,
    unreadable,
)
from geo.text import bounded_text

REQUIRED = ("stops.txt",)
MAX_PROBLEMS = 20


#: Longest agency or publisher name kept for the attribution line, and most names kept.
MAX_NAME_LENGTH = 200
MAX_NAMES = 20


def _table(z: BoundedZip, name: str, *, file: str) -> pd.DataFrame | None:
    members = {Path(n).name: n for n in z.names()}
    if name not in members:
        return None
    text, _ = decode_bytes(z.read(members[name]), file=f"{file}/{name}")
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(unreadable(f"{file}/{name}", "CSV table", "CSVの表", exc)) from exc
    df.columns = [c.strip() for c in df.columns]
    return df


def representative_day(feed: gk.Feed) -> str | None:
    """A Wednesday (else the busiest weekday) inside the feed's service period, ``YYYYMMDD``."""
    week = gk.get_first_week(feed)
    if not week:
        return None
    for d in week:
        if date(int(d[:4]), int(d[4:6]), int(d[6:])).weekday() == 2:
            return str(d)
    return str(week[0])


def feed_attribution(path: str | Path) -> str:
    """Publisher and agencies named in the feed (``feed_info.txt``, ``agency.txt``): at most
    :data:`MAX_NAMES` names of at most :data:`MAX_NAME_LENGTH` characters each (one line,
    control characters removed), then how many more there are."""
    p = Path(path)
    with BoundedZip(p) as z:
        names: list[str] = []
        for tbl, col in (("feed_info.txt", "feed_publisher_name"), ("agency.txt", "agency_name")):
            df = _table(z, tbl, file=p.name)
            if df is not None and col in df.columns:
                for raw in df[col]:
                    n = bounded_text(str(raw), MAX_NAME_LENGTH)
                    if n and n not in names:
                        names.append(n)
    more = len(names) - MAX_NAMES
    return ", ".join(names[:MAX_NAMES]) + (f", … (+{more})" if more > 0 else "")


def _read_tables(p: Path) -> dict[str, pd.DataFrame | None]:
    """The feed's tables that :func:`read_stops` uses (None for a missing one)."""
    if not is_zip(p):
        raise InputError(Problem(p.name, "not a GTFS zip archive", None, None,
                                 "GTFSのzipファイルではありません。"))
    with BoundedZip(p) as z:
        return {n: _table(z, f"{n}.txt", file=p.name) for n in
                ("stops", "trips", "stop_times", "calendar", "calendar_dates")}


def _check_stops(stops: pd.DataFrame, sfile: str,
                 bounds: tuple[float, float, float, float] | None
                 ) -> tuple[pd.Series, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Refuse an empty table, missing columns, repeated ids and bad stop coordinates; return
    which rows are stops (not stations) and every row's lon and lat."""
    if len(stops) == 0:
        raise InputError(empty_layer(sfile, "stops", "停留所"))
    for c in ("stop_id", "stop_lat", "stop_lon"):
        if c not in stops.columns:
            raise InputError(missing_column(sfile, c, stops.columns))
    dup = stops["stop_id"].duplicated(keep=False)
    if dup.any():
        rows = pd.Series(np.flatnonzero(dup) + 1).groupby(stops["stop_id"][dup].to_numpy())
        raise InputError([duplicate(sfile, "stop_id", "停留所ID", sid, list(r), "stop_id")
                          for sid, r in rows][:MAX_PROBLEMS])
    if "location_type" in stops.columns:
        is_stop = stops["location_type"].isin(["", "0"])
    else:
        is_stop = pd.Series(True, index=stops.index)
    problems = []
    lon = pd.to_numeric(stops["stop_lon"], errors="coerce").to_numpy()
    lat = pd.to_numeric(stops["stop_lat"], errors="coerce").to_numpy()
    for i in np.flatnonzero(is_stop.to_numpy()):
        problem = point_problem(lon[i], lat[i], bounds=bounds or (-180, -90, 180, 90),
                                file=sfile, row=int(i) + 1, column="stop_lon/stop_lat")
        if problem:
            problems.append(problem)
    if problems:
        raise InputError(problems[:MAX_PROBLEMS])
    return is_stop, lon, lat


def _departures(tables: dict[str, pd.DataFrame | None], day: str | None
                ) -> tuple[pd.Series, dict[str, object]]:
    """Departures per stop id on ``day`` (else :func:`representative_day`) and the day's facts;
    an empty series when the feed has no trips, stop times or calendar."""
    st, trips = tables["stop_times"], tables["trips"]
    cal, dates = tables["calendar"], tables["calendar_dates"]
    if st is None or trips is None or (cal is None and dates is None):
        return pd.Series(dtype=float), {}
    if cal is not None:
        for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                  "sunday"):
            cal[d] = pd.to_numeric(cal[d], errors="coerce").fillna(0).astype(int)
    feed = gk.Feed(dist_units="km", stops=tables["stops"], trips=trips, calendar=cal,
                   calendar_dates=dates, stop_times=st[["trip_id", "stop_id", "stop_sequence"]])
    the_day = day or representative_day(feed)
    if the_day is None:
        return pd.Series(dtype=float), {}
    act = gk.compute_trip_activity(feed, [the_day])
    active = set(act.loc[act[the_day] == 1, "trip_id"])
    ev = st[st["trip_id"].isin(active)].copy()
    ev["seq"] = pd.to_numeric(ev["stop_sequence"], errors="coerce")
    last = ev.groupby("trip_id")["seq"].transform("max") == ev["seq"]
    return (ev[~last].groupby("stop_id").size(),
            {"service_day": the_day, "trips_that_day": len(active)})


def read_stops(
    path: str | Path, *, day: str | None = None,
    bounds: tuple[float, float, float, float] | None = JAPAN_BOUNDS,
) -> tuple[gpd.GeoDataFrame, dict[str, object]]:
    """Bus stops of a GTFS / GTFS-JP zip with the number of departures on one service day.

    Parameters
    ----------
    path
        The feed as a ``.zip`` (text files UTF-8 or CP932).
    day
        Service day ``YYYYMMDD``; by default a Wednesday of the feed's first week (services from
        ``calendar.txt`` and ``calendar_dates.txt``, via gtfs_kit).
    bounds
        Plausible lon/lat extent; catches swapped ``stop_lat``/``stop_lon``.

    Returns
    -------
    tuple
        The facility frame (kind ``bus_stop``, ``departures`` = stop events that are not a trip's
        last stop on ``day``) and facts for the build report (day, trips, stations skipped).
    """
    p = Path(path)
    tables = _read_tables(p)
    stops = tables["stops"]
    if stops is None:
        raise InputError(Problem(p.name, "stops.txt is missing: not a GTFS feed", None, None,
                                 "stops.txt がありません。GTFSのデータではないようです。"))
    is_stop, lon, lat = _check_stops(stops, f"{p.name}/stops.txt", bounds)
    facts: dict[str, object] = {"stations_skipped": int((~is_stop).sum())}
    departures, day_facts = _departures(tables, day)
    facts |= day_facts
    dep = departures.reindex(stops["stop_id"]).fillna(0).astype(int).to_numpy()
    names = stops["stop_name"] if "stop_name" in stops.columns else stops["stop_id"]
    out = gpd.GeoDataFrame(
        {
            "name": names.to_numpy(),
            "kind": "bus_stop",
            "departures": pd.array(dep if len(departures) > 0 else [None] * len(stops),
                                   dtype="Int64"),
            "source_row": np.arange(1, len(stops) + 1),
        },
        geometry=gpd.points_from_xy(lon, lat), crs=WGS84,
    )[is_stop.to_numpy()].reset_index(drop=True)
    return out, facts
