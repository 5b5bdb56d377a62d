"""Proposals: a facility proposed with an "idea" comment, and what it would change.

A citizen who posts an idea may propose a facility (a bus stop, a clinic, a park …) at the
place the comment is pinned at. The page computes what it would change with the scenario
engine (:mod:`geo.participation.proposals`) and the figures are stored with the comment, in
the comment's transaction (:meth:`Store.post_comment`, ``proposal=``): a comment is never
stored with half a proposal. The table ``comment_proposals`` (migration 10) holds one row per
comment, keyed by its id; a proposal is shown only while its comment is visible, is dropped by
a trigger when the comment is deleted and by cascade when it is purged.

The facility stands at the centre of the comment's pin: its cell is the res-10 cell at the
centre of the comment's cell (:func:`facility_cell`), a planning object derived from the
pin, so it says nothing finer about where the citizen is than the pin does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from geo.grid import ids
from geo.kinds import KINDS
from geo.participation.framework import FACTOR_KEYS
from geo.participation.store.backends import Row, Tx
from geo.participation.store.base import RECORD_COLUMNS, StoreBase, check_id, positive, record
from geo.participation.store.errors import InvalidInput
from geo.participation.store.models import Comment, validate_code

__all__ = [
    "FACILITY_RESOLUTION",
    "MODES",
    "PROPOSAL_KINDS",
    "FactorMove",
    "Proposal",
    "ProposalDraft",
    "ProposalFigures",
    "ProposalsMixin",
    "TownGain",
    "check_proposal",
    "facility_cell",
    "store_proposal",
    "visible_proposals",
]

#: Resolution of the cell a proposed facility stands at (the scenario engine's cells).
FACILITY_RESOLUTION: Final = 10
#: Kinds of facility a citizen may propose: every kind but the derived "frequent bus stop"
#: (an added bus stop counts as a plain one, as in the workshop).
PROPOSAL_KINDS: Final[tuple[str, ...]] = tuple(k.key for k in KINDS
                                               if k.key != "bus_stop_frequent")
#: How walking distance was measured: straight line or the walking network.
MODES: Final[tuple[str, ...]] = ("line", "network")
#: Most towns and factors kept with one proposal.
MAX_TOWNS: Final = 200
MAX_FACTORS: Final = len(FACTOR_KEYS)

#: Columns of a comment record and its reply count, before the proposal's own.
_RECORD_WIDTH: Final = len(RECORD_COLUMNS.split(",")) + 1
_COLUMNS = ("p.facility_kind, p.facility_cell, p.mode, p.people_gained, p.cells_gained, "
            "p.rate_before, p.rate_after, p.towns, p.factors")
# people gained first (a city without population: cells gained), then +1s, oldest first
_RANK = ("COALESCE(p.people_gained, -1) DESC, COALESCE(p.cells_gained, -1) DESC, "
         "c.plus_count DESC, c.id")


@dataclass(frozen=True, slots=True)
class TownGain:
    """People of one town newly within walking distance (``code``, ``name``, ``people``)."""

    code: str
    name: str
    people: int


@dataclass(frozen=True, slots=True)
class FactorMove:
    """A Well-Being factor whose objective score (0–1) the facility moves.

    Attributes
    ----------
    factor
        The factor's key (see :data:`geo.participation.framework.FACTORS`).
    before, after
        Its objective score without and with the facility.
    """

    factor: str
    before: float
    after: float


@dataclass(frozen=True, slots=True)
class ProposalFigures:
    """What a proposed facility would change, as computed when it was posted.

    Attributes
    ----------
    cells_gained
        Cells newly within walking distance of the kind.
    people_gained
        People newly within walking distance (whole people), or None for a city without
        population data.
    rate_before, rate_after
        The city's coverage rate of the kind (0–1) without and with it, or None.
    towns
        The towns that gain, most people first.
    factors
        The Well-Being factors whose objective side it moves.
    """

    cells_gained: int
    people_gained: int | None
    rate_before: float | None
    rate_after: float | None
    towns: tuple[TownGain, ...] = ()
    factors: tuple[FactorMove, ...] = ()


@dataclass(frozen=True, slots=True)
class ProposalDraft:
    """A proposal as it is posted with its comment.

    Attributes
    ----------
    kind
        Facility kind (one of :data:`PROPOSAL_KINDS`).
    cell
        Where it would stand: :func:`facility_cell` of the comment's cell.
    mode
        ``"line"`` or ``"network"``: how the figures were (or would have been) computed.
    figures
        What it changes, or None when the figures could not be computed (the comment and
        its proposal are stored all the same).
    """

    kind: str
    cell: str
    mode: str
    figures: ProposalFigures | None


@dataclass(frozen=True, slots=True)
class Proposal:
    """A stored proposal with its comment (as the store hands it to a page)."""

    comment: Comment
    kind: str
    cell: str
    mode: str
    figures: ProposalFigures | None

    @property
    def id(self) -> int:
        """The proposal's number: its comment's id."""
        return self.comment.id


def facility_cell(cell: str) -> str:
    """Where a facility proposed at ``cell`` (a comment's pin) stands: the res-10 cell at the
    centre of the pin (the pin itself when it is res 10)."""
    return ids.at_resolution(cell, FACILITY_RESOLUTION)


def _bad(ja: str, en: str) -> InvalidInput:
    return InvalidInput(ja, en)


def _count(value: object, name: str, *, optional: bool) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(f"提案の数値({name})が正しくありません。",
                   f"A proposal's {name} must be a whole number >= 0, not {value!r}.")
    return value


def _share(value: object, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and 0.0 <= value <= 1.0):
        raise _bad(f"提案の数値({name})が正しくありません。",
                   f"A proposal's {name} must be a share between 0 and 1, not {value!r}.")
    return float(value)


def _checked_figures(f: object) -> ProposalFigures | None:
    """Check the figures of a proposal (None: not computed)."""
    if f is None:
        return None
    if not isinstance(f, ProposalFigures):
        raise _bad("提案の数値が正しくありません。", "A proposal's figures are ProposalFigures.")
    _count(f.cells_gained, "cells_gained", optional=False)
    _count(f.people_gained, "people_gained", optional=True)
    _share(f.rate_before, "rate_before")
    _share(f.rate_after, "rate_after")
    if len(f.towns) > MAX_TOWNS or len(f.factors) > MAX_FACTORS:
        raise _bad("提案の数値が多すぎます。", "A proposal holds too many towns or factors.")
    for town in f.towns:
        validate_code(town.code, name="town_code")
        _count(town.people, "town people", optional=False)
        if not isinstance(town.name, str) or len(town.name) > 100:
            raise _bad("町丁名が正しくありません。", f"A town name is text, not {town.name!r}.")
    for move in f.factors:
        if move.factor not in FACTOR_KEYS:
            raise _bad("Well-Being因子が正しくありません。", f"Unknown factor {move.factor!r}.")
        _share(move.before, "factor score")
        _share(move.after, "factor score")
    return f


def check_proposal(proposal: object, *, cell: str, kind: str, parent: int | None,
                   scenario: str | None) -> ProposalDraft:
    """Check a proposal posted with a comment (already validated: ``cell``, ``kind``).

    A proposal comes with a top-level "idea" that is not about a workshop scenario; its
    facility stands at :func:`facility_cell` of the comment's cell, nowhere else.

    Raises
    ------
    InvalidInput
        For anything else.
    """
    if not isinstance(proposal, ProposalDraft):
        raise _bad("提案が正しくありません。", "A proposal is a ProposalDraft.")
    if kind != "idea" or parent is not None or scenario is not None:
        raise _bad("施設の提案は、種類が「アイデア」の投稿にだけ付けられます。",
                   "A facility can be proposed only with a top-level idea (not a reply, not a "
                   "comment on a workshop scenario).")
    if proposal.kind not in PROPOSAL_KINDS:
        raise _bad("提案する施設の種類が正しくありません。",
                   f"Unknown facility kind {proposal.kind!r}; see PROPOSAL_KINDS.")
    if proposal.cell != facility_cell(cell):
        raise _bad("提案する施設の場所は、投稿した場所の中心です。",
                   "A proposed facility stands at facility_cell(comment cell), nowhere else.")
    if proposal.mode not in MODES:
        raise _bad("距離の測り方が正しくありません。", f"Unknown mode {proposal.mode!r}.")
    _checked_figures(proposal.figures)
    return proposal


def _towns_json(f: ProposalFigures | None) -> str:
    return json.dumps([] if f is None else [[t.code, t.name, t.people] for t in f.towns],
                      ensure_ascii=False, separators=(",", ":"))


def _factors_json(f: ProposalFigures | None) -> str:
    return json.dumps([] if f is None else [[m.factor, m.before, m.after] for m in f.factors],
                      separators=(",", ":"))


def store_proposal(tx: Tx, comment_id: int, city: str, proposal: ProposalDraft,
                   moment: datetime) -> None:
    """Store a checked proposal with the comment just inserted (same transaction)."""
    f = proposal.figures
    tx.execute(
        "INSERT INTO comment_proposals (comment_id, city, facility_kind, facility_cell, mode, "
        "people_gained, cells_gained, rate_before, rate_after, towns, factors, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [comment_id, city, proposal.kind, proposal.cell, proposal.mode,
         None if f is None else f.people_gained, None if f is None else f.cells_gained,
         None if f is None else f.rate_before, None if f is None else f.rate_after,
         _towns_json(f), _factors_json(f), moment])


def _figures(row: Sequence[Any]) -> ProposalFigures | None:
    """``people_gained, cells_gained, rate_before, rate_after, towns, factors`` as figures."""
    people, cells, before, after, towns, factors = row
    if cells is None:
        return None
    return ProposalFigures(
        cells_gained=int(cells), people_gained=None if people is None else int(people),
        rate_before=None if before is None else float(before),
        rate_after=None if after is None else float(after),
        towns=tuple(TownGain(str(c), str(n), int(p)) for c, n, p in json.loads(towns or "[]")),
        factors=tuple(FactorMove(str(k), float(b), float(a))
                      for k, b, a in json.loads(factors or "[]")))


def visible_proposals(tx: Tx, city: str) -> dict[int, ProposalDraft]:
    """The proposals of a city's visible comments, by comment id (for the exports): the
    facility, how it was measured and its figures, as stored."""
    rows = tx.fetchall(
        "SELECT p.comment_id, p.facility_kind, p.facility_cell, p.mode, p.people_gained, "
        "p.cells_gained, p.rate_before, p.rate_after, p.towns, p.factors "
        "FROM comment_proposals p JOIN comments c ON c.id = p.comment_id "
        "WHERE p.city = ? AND c.status = 'visible'", [validate_code(city, name="city")])
    return {int(r[0]): ProposalDraft(kind=str(r[1]), cell=str(r[2]), mode=str(r[3]),
                                     figures=_figures(r[4:10])) for r in rows}


def _proposal(row: Row) -> Proposal:
    """A row of :data:`RECORD_COLUMNS`, the reply count, then the proposal's columns."""
    n = _RECORD_WIDTH
    kind, cell, mode = row[n], row[n + 1], row[n + 2]
    return Proposal(comment=record(row[:n]), kind=str(kind), cell=str(cell), mode=str(mode),
                    figures=_figures(row[n + 3:n + 9]))


class ProposalsMixin(StoreBase):
    """Reading proposals: :meth:`proposals`, :meth:`proposal`, :meth:`count_proposals`."""

    def _proposal_sql(self, where: str) -> str:
        return (f"SELECT {RECORD_COLUMNS}, (SELECT COUNT(*) FROM comments r "  # noqa: S608 - constant SQL fragments; values are bound
                f"WHERE r.parent_id = c.id AND r.status = 'visible'), {_COLUMNS} "
                f"FROM comment_proposals p JOIN comments c ON c.id = p.comment_id WHERE {where}")

    def proposals(self, *, city: str, limit: int = 20, offset: int = 0) -> list[Proposal]:
        """A city's proposals whose comment is visible, most people gained first (a city
        without population: most cells gained), then most +1s, then oldest.

        Parameters
        ----------
        city
            City id.
        limit, offset
            The page of the list (``limit`` 1-500).
        """
        limit = positive(limit, name="limit", most=500)
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidInput("ページの位置が正しくありません。", "offset must be an int >= 0")
        rows = self._backend.read_at_once(
            self._proposal_sql("p.city = ? AND c.status = 'visible'")
            + f" ORDER BY {_RANK} LIMIT ? OFFSET ?",
            [validate_code(city, name="city"), limit, offset])
        return [_proposal(r) for r in rows]

    def count_proposals(self, *, city: str) -> int:
        """Number of a city's proposals whose comment is visible."""
        rows = self._backend.read_at_once(
            "SELECT COUNT(*) FROM comment_proposals p JOIN comments c ON c.id = p.comment_id "
            "WHERE p.city = ? AND c.status = 'visible'", [validate_code(city, name="city")])
        return int(rows[0][0]) if rows else 0

    def proposal(self, comment_id: int, *, include_hidden: bool = False) -> Proposal | None:
        """The proposal posted with a comment, or None (none, or the comment is not visible
        unless ``include_hidden``; a deleted comment's proposal is gone)."""
        cid = check_id(comment_id)
        shown = "" if include_hidden else " AND c.status = 'visible'"
        with self._backend.read() as tx:
            row = tx.fetchone(self._proposal_sql("p.comment_id = ?" + shown), [cid])
        return None if row is None else _proposal(row)
