"""Well-Being survey answers: import, score, aggregate by area with suppression, the gap view.

One module per concern; this package re-exports what pages, UI helpers and tests use:

* :mod:`.common` — area levels, attribute values, ``k``, the sample label, name comparison;
* :mod:`.mapping` — the column mapping (headers and spellings);
* :mod:`.answers` — importing a survey file and the published aggregate form;
* :mod:`.areas` — towns placed in cells, respondents placed in areas;
* :mod:`.disclosure` — which groups may be published (the rule of :mod:`geo.privacy`);
* :mod:`.statistics` — scores, intervals and the publishable figures per area;
* :mod:`.comments` — comments counted per area;
* :mod:`.gap` — the gap view (objective KPI, subjective score, comments).
"""

from __future__ import annotations

from geo.participation.survey.answers import (
    AggregateImport,
    SurveyImport,
    import_aggregate,
    import_survey,
    published_aggregate,
    read_survey,
)
from geo.participation.survey.areas import place, town_areas
from geo.participation.survey.comments import comment_areas, comments_by_area
from geo.participation.survey.common import (
    AGE_BANDS,
    ALL,
    CITY,
    DEFAULT_MAPPING_PATH,
    K_DEFAULT,
    K_ENV,
    LEVEL_RES,
    LEVELS,
    SAMPLE_LABEL,
    SEXES,
    Level,
    min_k,
    normalise_town,
)
from geo.participation.survey.disclosure import disclosure
from geo.participation.survey.gap import gap_view
from geo.participation.survey.mapping import ColumnMapping, load_mapping, parse_mapping
from geo.participation.survey.statistics import (
    SurveyData,
    area_stats,
    area_table,
    distribution,
    export_csv,
    mean_interval,
    prepare,
    scores,
)

__all__ = [
    "AGE_BANDS",
    "ALL",
    "CITY",
    "DEFAULT_MAPPING_PATH",
    "K_DEFAULT",
    "K_ENV",
    "LEVELS",
    "LEVEL_RES",
    "SAMPLE_LABEL",
    "SEXES",
    "AggregateImport",
    "ColumnMapping",
    "Level",
    "SurveyData",
    "SurveyImport",
    "area_stats",
    "area_table",
    "comment_areas",
    "comments_by_area",
    "disclosure",
    "distribution",
    "export_csv",
    "gap_view",
    "import_aggregate",
    "import_survey",
    "load_mapping",
    "mean_interval",
    "min_k",
    "normalise_town",
    "parse_mapping",
    "place",
    "prepare",
    "published_aggregate",
    "read_survey",
    "scores",
    "town_areas",
]
