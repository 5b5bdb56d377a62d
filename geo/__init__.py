"""Well-Being Diorama's library: H3 grids, city bundles and walking-coverage KPIs (no UI)."""

__version__ = "0.1.0"
