"""Site suggestions: greedy maximal covering of the people a kind leaves uncovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

from geo import grid
from geo.access.scenario import Engine


def coverage_matrix(engine: Engine, candidates: np.ndarray, radius: float) -> sparse.csr_matrix:
    """Candidates × cells 0/1 matrix: cell within ``radius`` (straight line) of the candidate.

    Parameters
    ----------
    engine
        A scenario; its cells and metric coordinates are used.
    candidates
        Positions (into ``engine.cells``) of the candidate sites (a site is a cell centre).
    radius
        Walking radius in metres.
    """
    cells_tree = cKDTree(np.column_stack([engine.cx, engine.cy]))
    cand_tree = cKDTree(np.column_stack([engine.cx[candidates], engine.cy[candidates]]))
    pairs = cand_tree.sparse_distance_matrix(cells_tree, radius, output_type="ndarray")
    return sparse.csr_matrix(
        (np.ones(len(pairs)), (pairs["i"], pairs["j"])),
        shape=(len(candidates), len(engine.cells)))


def suggest(engine: Engine, kind: str, *, n: int = 5, radius: float | None = None,
            candidates: np.ndarray | None = None) -> pd.DataFrame:
    """Top ``n`` sites where one new facility each would cover the most uncovered people.

    Greedy maximal covering: each step picks the candidate covering the most people still
    uncovered (by the scenario and by the sites already picked), with one sparse
    matrix-vector product per step. Cover is straight-line within the kind's radius (the
    official method), also when the scenario is computed on the walking network.

    Parameters
    ----------
    engine
        The scenario (or baseline) whose uncovered people count.
    kind
        Facility kind.
    n
        Number of sites.
    radius
        Walking radius (default: the scenario's radius of ``kind``).
    candidates
        Candidate positions into ``engine.cells`` (default: every cell with uncovered
        people, or every uncovered cell when the city has no population figures).

    Returns
    -------
    pandas.DataFrame
        One row per site in pick order: ``rank``, ``cell`` (H3 string), ``new_covered`` (people
        this site adds; cells when there is no population), ``cumulative``.
    """
    r = float(engine.radii[kind] if radius is None else radius)
    uncovered = ~engine.covered(kind)
    weight = (engine.population if engine.population is not None
              else np.ones(len(engine.cells))) * uncovered
    if candidates is None:
        candidates = np.flatnonzero(weight > 0)
    cols = ["rank", "cell", "new_covered", "cumulative"]
    if len(candidates) == 0:
        return pd.DataFrame({c: [] for c in cols})
    a = coverage_matrix(engine, np.asarray(candidates, dtype=np.int64), r)
    w = weight.astype(float).copy()
    rows = []
    total = 0.0
    for rank in range(1, n + 1):
        score = a @ w
        j = int(np.argmax(score))
        if score[j] <= 0:
            break
        total += float(score[j])
        rows.append({"rank": rank, "cell": grid.to_strings(engine.cells[[candidates[j]]])[0],
                     "new_covered": float(score[j]), "cumulative": total})
        w[a.indices[a.indptr[j]: a.indptr[j + 1]]] = 0.0
    return pd.DataFrame(rows, columns=cols)
