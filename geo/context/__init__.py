"""The city around the people: MLIT visitor flows on H3 and the vacancy estimator.

May import: :mod:`geo.access`, :mod:`geo.ingest`, :mod:`geo.grid` and the core; not
:mod:`geo.participation` or :mod:`geo.render`.
"""
