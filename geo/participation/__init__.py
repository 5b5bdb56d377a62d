"""What people say and decide: citizens' comments and their moderation (the store), the
facilities they propose with ideas and what those would change (proposals), workshop
sessions and scenarios, the Well-Being survey and its 24-factor framework, the factor-service
catalogue and the workshop minutes.

May import: :mod:`geo.access` (its public API only), :mod:`geo.ingest`, :mod:`geo.grid` and
the core; not :mod:`geo.context` or :mod:`geo.render`.
"""
