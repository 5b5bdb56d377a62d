"""Turning frames into what a browser or a GIS shows: compact pydeck layers with escaped
tooltips, GeoJSON and CSV exports.

May import: :mod:`geo.grid` and the core (and lower layers' types).
"""
