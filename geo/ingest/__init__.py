"""Reading what a city hands in (CSV/GeoJSON/GPKG/SHP, census, 国土数値情報, GTFS, OSM, MLIT
people-flow files) with located, bilingual errors, and the city bundle as the app loads it.

May import: :mod:`geo.grid` and the core.
"""
