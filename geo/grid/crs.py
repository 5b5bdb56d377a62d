"""Metric projections for a city: JGD2011 plane rectangular zones in Japan, UTM elsewhere."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

#: Geographic CRS of every file the bundle stores (lon/lat, as GeoJSON and H3 use).
WGS84 = "EPSG:4326"

# JGD2011 / Japan Plane Rectangular CS zone I..XIX are EPSG:6669..6687.
_ZONE_EPSG_BASE = 6668

#: Zone of the JGD2011 plane rectangular system for each prefecture code (JIS X 0401).
#: Prefectures split between zones (Hokkaido, Tokyo's islands, Kagoshima, Okinawa) get the zone
#: of their main population centre; pass ``zone=`` explicitly for the others.
PREFECTURE_ZONE: dict[int, int] = {
    1: 12, 2: 10, 3: 10, 4: 10, 5: 10, 6: 10, 7: 9, 8: 9, 9: 9, 10: 9, 11: 9, 12: 9,
    13: 9, 14: 9, 15: 8, 16: 7, 17: 7, 18: 6, 19: 8, 20: 8, 21: 7, 22: 8, 23: 7, 24: 6,
    25: 6, 26: 6, 27: 6, 28: 5, 29: 6, 30: 6, 31: 5, 32: 3, 33: 5, 34: 3, 35: 3, 36: 4,
    37: 4, 38: 4, 39: 4, 40: 2, 41: 2, 42: 1, 43: 2, 44: 2, 45: 2, 46: 2, 47: 15,
}


def japan_zone_crs(zone: int) -> CRS:
    """Return the JGD2011 plane rectangular CRS of a zone (1..19).

    Parameters
    ----------
    zone
        Zone number, e.g. 9 for Gunma (EPSG:6677).

    Returns
    -------
    pyproj.CRS
    """
    if not 1 <= zone <= 19:
        raise ValueError(f"JGD2011 plane rectangular zones are 1..19, not {zone}")
    return CRS.from_epsg(_ZONE_EPSG_BASE + zone)


def metric_crs(
    *, prefecture: int | None = None, lon: float | None = None, lat: float | None = None
) -> CRS:
    """Choose a metric CRS in which distances on the ground are true to well under 0.1 %.

    Parameters
    ----------
    prefecture
        JIS prefecture code (1..47) for a Japanese city, or None outside Japan.
    lon, lat
        A representative point of the city (e.g. its centroid); needed outside Japan to pick
        the UTM zone.

    Returns
    -------
    pyproj.CRS
        The JGD2011 plane rectangular zone of the prefecture, else the UTM zone of the point.
        Never Web Mercator, which shrinks 800 m to about 655 m on the ground at 35°N.
    """
    if prefecture is not None:
        if prefecture not in PREFECTURE_ZONE:
            raise ValueError(f"unknown prefecture code {prefecture}; expected 1..47")
        return japan_zone_crs(PREFECTURE_ZONE[prefecture])
    if lon is None or lat is None:
        raise ValueError("outside Japan, give lon and lat of the city to choose a UTM zone")
    infos = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(lon, lat, lon, lat),
    )
    if not infos:
        raise ValueError(f"no UTM zone found for lon={lon}, lat={lat}")
    return CRS.from_epsg(int(infos[0].code))


@lru_cache(maxsize=16)
def _to_metric_transformer(crs: CRS) -> Transformer:
    # Building a transformer costs milliseconds; transforming one point, microseconds. pyproj's
    # transformers are thread-safe (3.1+), so one per CRS serves every session.
    return Transformer.from_crs(WGS84, crs, always_xy=True)


def to_metric(lon: Any, lat: Any, crs: CRS) -> tuple[npt.NDArray[np.float64],
                                                    npt.NDArray[np.float64]]:
    """Project lon/lat (EPSG:4326) into the metric ``crs``: x and y in metres."""
    x, y = _to_metric_transformer(crs).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)
