"""Building a city bundle from a recipe or from uploaded files (staged, then swapped in
atomically), with a build report.

May import: every layer below it.
"""
