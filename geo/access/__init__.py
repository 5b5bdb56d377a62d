"""Walking access: shortest paths on the walking network, coverage KPIs, the scenario engine
(incremental recompute of modifications) and site suggestions.

May import: :mod:`geo.ingest`, :mod:`geo.grid` and the core.
"""
