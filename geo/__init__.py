"""Well-Being Diorama's library: everything but the Streamlit UI (it never imports streamlit).

Packages by concern, each importing only those below it (import-linter checks this; see
``.importlinter`` and ``docs/architecture.md``)::

    geo.cli, geo.samples, geo.build       the command line, sample data, building a city
    geo.participation | context | render comments, workshops, survey | flows, vacancy | maps
    geo.access                            walking access: network search, coverage, scenarios
    geo.ingest                            reading inputs; the city bundle as loaded
    geo.grid                              H3 (the one boundary, uint64 inside), CRS, JIS mesh
    geo.errors, geo.settings, geo.text, geo.kinds, geo.privacy   the core every layer may use
"""

__version__ = "0.1.0"
