"""Walking access: search on the walking network, the one coverage engine (the baseline is the
engine without modifications; a workshop scenario is the baseline with modifications, updated
incrementally), the coverage figures read from it and site suggestions.

May import: :mod:`geo.ingest`, :mod:`geo.grid` and the core.

Public API (what the pages, the UI and :mod:`geo.participation` use; participation imports
nothing else of this package): the modification value type and its helpers
(:mod:`geo.access.modification`, needing no engine), the engine and its comparisons
(:mod:`geo.access.scenario`), city coverage (:mod:`geo.access.kpi`), per-cell and per-town
coverage of a distance table (:mod:`geo.access.coverage`) and :func:`suggest`.
"""

from geo.access.coverage import by_zone, cell_kpis, covered, distance_table, summary
from geo.access.kpi import CityCoverage, available_modes, city_coverage, city_distances
from geo.access.modification import (
    MAX_MODIFICATIONS,
    OPS,
    Modification,
    Op,
    ScenarioError,
    add,
    cell_centre,
    dumps,
    loads,
    modifications_geojson,
    move,
    new_facility_id,
    proposal_id,
    remove,
    set_radius,
)
from geo.access.scenario import (
    Change,
    Engine,
    Mode,
    cell_change,
    compare,
    facilities_by_kind,
    factor_scores,
    figures_table,
)
from geo.access.siting import suggest

__all__ = [
    "MAX_MODIFICATIONS",
    "OPS",
    "Change",
    "CityCoverage",
    "Engine",
    "Mode",
    "Modification",
    "Op",
    "ScenarioError",
    "add",
    "available_modes",
    "by_zone",
    "cell_centre",
    "cell_change",
    "cell_kpis",
    "city_coverage",
    "city_distances",
    "compare",
    "covered",
    "distance_table",
    "dumps",
    "facilities_by_kind",
    "factor_scores",
    "figures_table",
    "loads",
    "modifications_geojson",
    "move",
    "new_facility_id",
    "proposal_id",
    "remove",
    "set_radius",
    "suggest",
    "summary",
]
