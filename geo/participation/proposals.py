"""What a proposed facility would change: the scenario engine's figures for one added facility.

A citizen's idea may carry a facility (kind and place: the place the comment is pinned at).
:func:`proposal_figures` adds it to the city's locked baseline, exactly as a workshop group's
scenario would (:meth:`geo.access.Engine.with_modifications`), and reads what changed: people
newly within walking distance of the kind, the towns they live in, the city's rate before and
after, and the Well-Being factors whose objective side moves. The figures are stored with the
comment (:class:`geo.participation.store.ProposalDraft`); a workshop group can pull the
proposal into its scenario, which then names it (``source="proposal:<id>"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from geo import access as sc
from geo import fmt
from geo.errors import DioramaError
from geo.kinds import KIND_BY_KEY
from geo.participation.framework import FRAMEWORK
from geo.participation.store.proposals import (
    PROPOSAL_KINDS,
    FactorMove,
    ProposalDraft,
    ProposalFigures,
    TownGain,
    facility_cell,
)

__all__ = [
    "FACILITY_ID",
    "ProposalError",
    "best_mode",
    "draft",
    "facility_cell",
    "proposal_figures",
    "pull",
]

#: Id of the proposed facility inside the trial scenario (never stored).
FACILITY_ID = "proposal"
#: Smallest change of a factor's objective score (0–1) that counts as a move.
_MOVE = 1e-9


class ProposalError(DioramaError, ValueError):
    """The figures of a proposal cannot be computed (the message says why)."""


def best_mode(modes: Sequence[str]) -> sc.Mode:
    """How a proposal is measured in a city: on the walking network where the city has one
    (:func:`geo.access.available_modes`), else in a straight line."""
    return "network" if "network" in modes else "line"


def _town_gains(gained_cells: np.ndarray, people: int, pieces: pd.DataFrame | None,
                names: Mapping[str, str]) -> tuple[TownGain, ...]:
    """The people of each town among ``gained_cells`` (whole people adding up to ``people``,
    most first; towns that gain nobody left out)."""
    if pieces is None or not len(gained_cells):
        return ()
    part = pieces[pieces["cell"].isin(gained_cells)]
    per_town = part.groupby("town_code", sort=True)["value"].sum()
    whole = fmt.round_total(per_town.tolist())
    out = [TownGain(code=str(code), name=str(names.get(code, "")), people=int(n or 0))
           for code, n in zip(per_town.index, whole, strict=True)]
    gains = sorted((g for g in out if g.people > 0), key=lambda g: (-g.people, g.code))
    return tuple(gains) if people > 0 else ()


def _factor_moves(base: sc.Engine, scen: sc.Engine, kind: str) -> tuple[FactorMove, ...]:
    """The factors whose objective score (the mean coverage rate of their kinds) the added
    facility moves, in the framework's order."""
    kinds = {f: ks for f, ks in FRAMEWORK.kinds.items() if kind in ks}
    before = sc.factor_scores(base, kinds)
    after = sc.factor_scores(scen, kinds)
    return tuple(FactorMove(factor=f, before=float(before[f]), after=float(after[f]))
                 for f in FRAMEWORK.factor_keys
                 if f in before.index and f in after.index
                 and abs(float(after[f]) - float(before[f])) > _MOVE)


def _share(value: object) -> float | None:
    f = fmt.finite(value)
    return None if f is None else min(max(f, 0.0), 1.0)


def proposal_figures(base: sc.Engine, kind: str, cell: str, *,
                     pieces: pd.DataFrame | None = None,
                     town_names: Mapping[str, str] | None = None) -> ProposalFigures:
    """What one facility of ``kind`` at the centre of ``cell`` changes in a city.

    Parameters
    ----------
    base
        The city's locked baseline (no modifications; never modified here: the facility is
        added to a copy, as in a workshop scenario).
    kind
        One of :data:`geo.participation.store.PROPOSAL_KINDS`.
    cell
        The facility's cell (:func:`facility_cell` of the comment's pin).
    pieces
        People of each town in each cell (the bundle's ``pieces``: ``town_code``, ``cell``,
        ``value``), for the towns that gain; None: no towns.
    town_names
        Town code → name.

    Returns
    -------
    ProposalFigures
        People (and cells) newly within walking distance, the city's rate of the kind before
        and after, the towns that gain and the factors that move.

    Raises
    ------
    ProposalError
        For a kind that cannot be proposed, or one the city has no data on (its coverage
        before is unknown, so "newly within walking distance" cannot be said).
    geo.access.ScenarioError
        For an invalid cell.
    """
    if kind not in PROPOSAL_KINDS:
        raise ProposalError(f"この種類の施設は提案できません: {kind}",
                            f"A facility of kind {kind!r} cannot be proposed.")
    if not base.has_facilities(kind):
        k = KIND_BY_KEY[kind]
        raise ProposalError(
            f"この市の{k.ja}のデータがないため、今の徒歩圏と比べられず、効果を計算できません。",
            f"This city has no data on {k.en.lower()} facilities, so the change cannot be "
            "computed (today's coverage is unknown).")
    scen = base.with_modifications([sc.add(kind, cell, facility=FACILITY_ID)])
    gained = scen.covered(kind) & ~base.covered(kind)
    f0, f1 = base.figures([kind]).loc[kind], scen.figures([kind]).loc[kind]
    people: int | None = None
    towns: tuple[TownGain, ...] = ()
    if f0["status"] == "ok" and base.population is not None:
        people = round(float(base.population[gained].sum()))
        towns = _town_gains(base.cells[gained], people, pieces, town_names or {})
    return ProposalFigures(
        cells_gained=int(gained.sum()), people_gained=people,
        rate_before=_share(f0["rate"]), rate_after=_share(f1["rate"]), towns=towns,
        factors=_factor_moves(base, scen, kind))


def draft(kind: str, comment_cell: str, mode: str,
          figures: ProposalFigures | None) -> ProposalDraft:
    """The proposal posted with a comment pinned at ``comment_cell`` (figures may be None:
    they could not be computed)."""
    return ProposalDraft(kind=kind, cell=facility_cell(comment_cell), mode=mode,
                         figures=figures)


def pull(proposal_id: int, kind: str, cell: str, *, name: str) -> sc.Modification:
    """The modification that puts a proposal into a workshop scenario: the facility added at
    its cell, named ``name``, its source the proposal (``proposal:<id>``). Its id is fixed
    per proposal, so pulling the same proposal twice into one scenario is refused."""
    return sc.add(kind, cell, facility=f"proposal-{proposal_id}", name=name,
                  source=f"proposal:{proposal_id}")
