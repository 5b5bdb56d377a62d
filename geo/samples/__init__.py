"""Seeded, documented, labelled SAMPLE data where real data is never public: building
records for the vacancy estimator, survey answers, and the state a consultation and a
workshop leave (comments, reports, scenarios).

May import: every layer below it.
"""
