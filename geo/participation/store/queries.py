"""Reading the store: comment lists and pages, the map summary, similar comments nearby, the
data version, frames and exports — every answer filtered and counted in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from geo.grid import ids
from geo.participation.store.backends import SQLITE_TS_FORMAT, Tx
from geo.participation.store.base import (
    RECORD_COLUMNS,
    StoreBase,
    positive,
    record,
)
from geo.participation.store.errors import InvalidInput
from geo.participation.store.migrations import SUMMARY_RESOLUTIONS
from geo.participation.store.models import (
    KINDS,
    CellCount,
    Comment,
    CommentPage,
    Kind,
    factor_by_key,
    utc,
    validate_cell,
    validate_code,
    validate_factor,
    validate_kind,
)
from geo.participation.store.photos import approved_photo_ids, photo_file_name
from geo.participation.store.proposals import visible_proposals
from geo.participation.store.shapes import attach_shapes

if TYPE_CHECKING:  # pandas is imported when first needed: posting does not need it
    import pandas as pd

__all__ = ["QueriesMixin", "comments_to_frame"]

_FRAME_COLUMNS = (
    "id",
    "parent_id",
    "created_at",
    "city",
    "cell",
    "resolution",
    "town_code",
    "factor",
    "kind",
    "text",
    "nickname",
    "status",
    "scenario_id",
    "plus_ones",
    "replies",
    "shape",
)
#: Per-cell counts of each kind as SQL columns (good, concern, idea), summing ``{n}``.
_PER_KIND = ", ".join(f"SUM(CASE WHEN kind = '{k}' THEN {{n}} ELSE 0 END)" for k in KINDS)

#: Per-cell counts (columns cell, good, concern, idea, plus in ``{source}``) as
#: :class:`CellCount`'s columns, most commented first, then by cell id (hex of one length:
#: every collation orders it alike); ties for the dominant kind go to concern, then idea, then
#: good (as :func:`_cell_count`).
_PICKED = (
    "SELECT cell, good + concern + idea AS total, good, concern, idea, plus, "
    "CASE WHEN concern >= good AND concern >= idea THEN 'concern' "
    "WHEN idea >= good THEN 'idea' ELSE 'good' END "
    "FROM {source} WHERE {where} ORDER BY total DESC, cell"
)
#: The whole city's cells at a summary resolution, as the database keeps them (migration 16).
_CITY_SUMMARY = _PICKED.format(
    source="comment_city_cells", where="city = ? AND resolution = ? AND good + concern + idea > 0")

#: Moves of the per-cell counts not folded in yet (migration 17, PostgreSQL; SQLite's stay
#: empty) as rows ``cell, kind, n, plus`` at resolution ``{r}`` for ``city = ?`` (and a
#: ``{factor}`` condition). Each read below adds them to the kept counts in the same statement,
#: so a fold committing meanwhile is seen whole or not at all.
_PENDING = ("SELECT cell{r} AS cell, kind, n, plus FROM comment_cell_moves "
            "WHERE city = ?{factor}")
_PENDING_ANY = "SELECT 1 FROM comment_cell_moves WHERE city = ? LIMIT 1"
_KIND_COLUMNS = ", ".join(f"CASE WHEN kind = '{k}' THEN n ELSE 0 END AS {k}" for k in KINDS)


def _city_summary_pending(resolution: int) -> str:
    """:data:`_CITY_SUMMARY` with the pending moves added (parameters: city, resolution,
    city)."""
    pending = _PENDING.format(r=resolution, factor="")
    return (
        "WITH per_cell (cell, good, concern, idea, plus) AS ("  # noqa: S608 - constant SQL fragments; values are bound
        "SELECT cell, SUM(good), SUM(concern), SUM(idea), SUM(plus) FROM ("
        "SELECT cell, good, concern, idea, plus FROM comment_city_cells "
        "WHERE city = ? AND resolution = ? "
        f"UNION ALL SELECT cell, {_KIND_COLUMNS}, plus FROM ({pending}) AS moved"
        ") AS kept GROUP BY cell) "
        + _PICKED.format(source="per_cell", where="good + concern + idea > 0"))


class QueriesMixin(StoreBase):
    """Reading: :meth:`list_comments`, :meth:`comment_page`, :meth:`comments_frame`,
    :meth:`cell_summary`, :meth:`similar_nearby`, :meth:`data_version` and the exports."""

    def data_version(self, *, city: str) -> int:
        """A number that changes whenever anything the public sees of a city may change.

        Every post, +1, report that hides, moderation, deletion and purge bumps it in the
        same transaction, so a page may cache what it read under ``(city, version)``.

        Parameters
        ----------
        city
            City id.

        Returns
        -------
        int
            The city's version (0 before its first comment).
        """
        # the sum of its shards (migration 17): every committed bump adds one
        rows = self._backend.read_at_once(
            "SELECT COALESCE(SUM(version), 0) FROM data_versions WHERE city = ?",
            [validate_code(city, name="city")])
        return int(rows[0][0]) if rows else 0

    def _where(
        self,
        *,
        city: str,
        factor: str | None = None,
        kind: Kind | None = None,
        town_code: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        include_hidden: bool = False,
        scenario_id: str | None = None,
        top_level: bool = False,
        cells: Iterable[str] | None = None,
    ) -> tuple[list[str], list[Any], set[str] | None]:
        """SQL conditions and parameters of a comment filter (see :meth:`list_comments`).

        The third value is the set of wanted cells that SQL could not express (a resolution
        without a parent column); the caller filters those in Python.
        """
        where = ["c.city = ?"]
        params: list[Any] = [validate_code(city, name="city")]
        if not include_hidden:
            where.append("c.status = 'visible'")
        if top_level:
            where.append("c.parent_id IS NULL")
        elif not include_hidden:  # a reply shows only under a visible comment
            where.append(
                "(c.parent_id IS NULL OR EXISTS (SELECT 1 FROM comments q "
                "WHERE q.id = c.parent_id AND q.status = 'visible'))"
            )
        if factor is not None:
            where.append("c.factor = ?")
            params.append(validate_factor(factor, allowed=self.factors))
        if kind is not None:
            where.append("c.kind = ?")
            params.append(validate_kind(kind))
        if town_code is not None:
            where.append("c.town_code = ?")
            params.append(validate_code(town_code, name="town_code"))
        if scenario_id is not None:
            where.append("c.scenario_id = ?")
            params.append(validate_code(scenario_id, name="scenario_id"))
        if since is not None:
            where.append("c.created_at >= ?")
            params.append(utc(since))
        if until is not None:
            where.append("c.created_at < ?")
            params.append(utc(until))
        if cells is None:
            return where, params, None
        condition, values, rest = _cell_filter(cells)
        where.append(condition)
        return where, [*params, *values], rest

    def _fetch(self, tx: Tx, where: list[str], params: list[Any], *, order: str,
               include_hidden: bool, limit: int | None = None,
               offset: int = 0) -> list[Comment]:
        """Comments matching ``where`` as records."""
        replies_filter = "" if include_hidden else " AND r.status = 'visible'"
        sql = (
            f"SELECT {RECORD_COLUMNS}, "  # noqa: S608 - constant SQL fragments; values are bound
            f"(SELECT COUNT(*) FROM comments r WHERE r.parent_id = c.id{replies_filter}) "
            f"FROM comments c WHERE {' AND '.join(where)} ORDER BY {order}"
        )
        args = list(params)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [limit, offset]
        return attach_shapes(tx, [record(r) for r in tx.fetchall(sql, args)])

    def shaped_comments(self, *, city: str, factor: str | None = None,
                        limit: int = 500) -> list[Comment]:
        """A city's visible top-level areas and routes with their cells, newest first (at most
        ``limit``, 1-5,000), for drawing them on the map."""
        limit = positive(limit, name="limit", most=5000)
        where = ["c.city = ?", "c.status = 'visible'", "c.parent_id IS NULL",
                 "c.shape <> 'point'"]
        params: list[Any] = [validate_code(city, name="city")]
        if factor is not None:
            where.append("c.factor = ?")
            params.append(validate_factor(factor, allowed=self.factors))
        with self._backend.read() as tx:
            return self._fetch(tx, where, params, order="c.created_at DESC, c.id DESC",
                               include_hidden=False, limit=limit)

    def list_comments(
        self,
        *,
        city: str,
        factor: str | None = None,
        kind: Kind | None = None,
        town_code: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        include_hidden: bool = False,
        cells: Iterable[str] | None = None,
        scenario_id: str | None = None,
        top_level: bool = False,
    ) -> list[Comment]:
        """List a city's comments, oldest first, as typed records.

        Without ``include_hidden`` only visible comments are returned, and replies only
        when the comment they answer is visible too. Filtering happens in SQL.

        Parameters
        ----------
        city
            City id.
        factor, kind, town_code, scenario_id
            Optional filters.
        since, until
            Optional aware datetimes: ``since <= created_at < until``.
        include_hidden
            Also return hidden, auto-hidden and deleted comments (moderators only).
        cells
            Only comments whose cell is one of these H3 cells or lies inside one of them.
        top_level
            Only comments that are not replies.

        Returns
        -------
        list of Comment
            Missing values are ``None`` (never NaN); ``replies`` counts visible direct
            replies unless ``include_hidden``.
        """
        cells = None if cells is None else list(cells)
        where, params, rest = self._where(
            city=city, factor=factor, kind=kind, town_code=town_code, since=since,
            until=until, include_hidden=include_hidden, scenario_id=scenario_id,
            top_level=top_level, cells=cells)
        with self._backend.read() as tx:
            out = self._fetch(tx, where, params, order="c.created_at, c.id",
                              include_hidden=include_hidden)
        return out if rest is None else _within(out, cells or ())

    def comment_page(
        self,
        *,
        city: str,
        factor: str | None = None,
        kind: Kind | None = None,
        town_code: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        scenario_id: str | None = None,
        cells: Iterable[str] | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> CommentPage:
        """One page of a city's visible top-level comments, newest first, with their replies.

        Paging, filtering and counting happen in SQL, so the cost of a page does not grow
        with the number of comments the city holds.

        Parameters
        ----------
        city, factor, kind, town_code, since, until, scenario_id, cells
            As for :meth:`list_comments`.
        offset
            Comments to skip (a multiple of ``limit`` for page ``offset // limit + 1``).
        limit
            Comments per page (1-200).

        Returns
        -------
        CommentPage
            The page's comments, the number matching in all, and their visible replies.
        """
        limit = positive(limit, name="limit", most=200)
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidInput("ページの位置が正しくありません。", "offset must be an int >= 0")
        cells = None if cells is None else list(cells)
        where, params, rest = self._where(
            city=city, factor=factor, kind=kind, town_code=town_code, since=since,
            until=until, scenario_id=scenario_id, top_level=True, cells=cells)
        newest = "c.created_at DESC, c.id DESC"
        with self._backend.read() as tx:
            if rest is None:
                kept = town_code is None and since is None and until is None and (
                    scenario_id is None)
                total = self._kept_total(tx, params[0], factor, kind) if kept else (
                    self._counted(tx, where, params))
                items = self._fetch(tx, where, params, order=newest, include_hidden=False,
                                    limit=limit, offset=offset)
            else:  # a coarse cell filter: filter in Python, then page
                found = _within(self._fetch(tx, where, params, order=newest,
                                            include_hidden=False), cells or ())
                total, items = len(found), found[offset:offset + limit]
            replies = self._replies(tx, [c.id for c in items])
        return CommentPage(items=tuple(items), total=total, replies=replies, offset=offset,
                           limit=limit)

    @staticmethod
    def _counted(tx: Tx, where: list[str], params: list[Any]) -> int:
        """Comments matching a filter, counted."""
        row = tx.fetchone(f"SELECT COUNT(*) FROM comments c WHERE {' AND '.join(where)}",  # noqa: S608 - constant SQL fragments; values are bound
                          params)
        return int(row[0]) if row else 0

    def _kept_total(self, tx: Tx, city: str, factor: str | None, kind: str | None) -> int:
        """Visible top-level comments of a city (of a factor, of a kind) from the per-cell
        counts the database keeps (migrations 7 and 16) and the moves still to fold
        (migration 17), in one statement: a sum over cells, not a count of comments."""
        narrower = [("factor", factor), ("kind", kind)]
        extra = "".join(f" AND {column} = ?" for column, value in narrower if value is not None)
        extra_params = [value for _, value in narrower if value is not None]
        if factor is None:  # the whole city's counts (migration 16): kinds side by side
            counted = kind if kind in KINDS else "good + concern + idea"  # its column, or all
            kept = f"SELECT COALESCE(SUM({counted}), 0) FROM comment_city_cells WHERE city = ?"  # noqa: S608 - a kind's column name (one of KINDS)
            kept_params: list[Any] = [city]
        else:
            kept = "SELECT COALESCE(SUM(n), 0) FROM comment_cells WHERE city = ?" + extra  # noqa: S608 - constant conditions
            kept_params = [city, *extra_params]
        row = tx.fetchone(
            f"SELECT ({kept} AND resolution = ?) + (SELECT COALESCE(SUM(n), 0) "  # noqa: S608 - a kind's column name (one of KINDS) and constant conditions; values are bound
            f"FROM comment_cell_moves WHERE city = ?{extra})",
            [*kept_params, SUMMARY_RESOLUTIONS[0], city, *extra_params])
        return int(row[0]) if row else 0

    def _replies(self, tx: Tx, parents: Sequence[int]) -> dict[int, tuple[Comment, ...]]:
        """Visible direct replies of ``parents``, oldest first."""
        if not parents:
            return {}
        marks = ", ".join("?" * len(parents))
        found = self._fetch(tx, [f"c.parent_id IN ({marks})", "c.status = 'visible'"],
                            list(parents), order="c.created_at, c.id", include_hidden=False)
        out: dict[int, list[Comment]] = {}
        for c in found:
            out.setdefault(int(c.parent_id or 0), []).append(c)
        return {k: tuple(v) for k, v in out.items()}

    def comments_frame(self, **filters: Any) -> pd.DataFrame:
        """:meth:`list_comments` as a frame, for exports and analysis (not for page code).

        Parameters
        ----------
        **filters
            The keyword arguments of :meth:`list_comments`.

        Returns
        -------
        pandas.DataFrame
            Columns ``id, parent_id, created_at (UTC), city, cell, resolution, town_code,
            factor, factor_ja, kind, text, nickname, status, scenario_id, plus_ones,
            replies``.
        """
        return comments_to_frame(self.list_comments(**filters))

    def cell_summary(
        self,
        *,
        city: str,
        factor: str | None = None,
        resolution: int = 10,
        include_replies: bool = False,
    ) -> list[CellCount]:
        """Count visible comments per H3 cell, for the map (a GROUP BY in SQL).

        Parameters
        ----------
        city
            City id.
        factor
            Only this Well-Being factor.
        resolution
            Cells finer than this are coarsened to their parent at this resolution (cells
            already coarser are kept as they are).
        include_replies
            Count replies too (default: only top-level comments).

        Returns
        -------
        list of CellCount
            Most-commented cells first (then by cell id). Ties for the dominant kind go to
            concern, then idea, then good.
        """
        if isinstance(resolution, bool) or not isinstance(resolution, int):
            raise InvalidInput("解像度が正しくありません。", "resolution must be an int 0-15")
        if not 0 <= resolution <= 15:
            raise InvalidInput("解像度が正しくありません。", "resolution must be 0-15")
        where, params, _ = self._where(city=city, factor=factor, top_level=not include_replies)
        kept = resolution in SUMMARY_RESOLUTIONS and not include_replies
        if kept and factor is None:
            # the whole city's counts per cell, kept by the database (migration 16), with the
            # moves still to fold when there are any (migration 17): none seen means every
            # comment committed before this read is in the kept counts
            city_id = params[0]
            if self._backend.read_at_once(_PENDING_ANY, [city_id]):
                rows = self._backend.read_at_once(_city_summary_pending(resolution),
                                                  [city_id, resolution, city_id])
            else:
                rows = self._backend.read_at_once(_CITY_SUMMARY, [city_id, resolution])
            return [CellCount(*row) for row in rows]
        if kept:  # a factor's counts per cell and kind, kept by the database (migration 7)
            pending = _PENDING.format(r=resolution, factor=" AND factor = ?")
            sql = (f"SELECT cell, {_PER_KIND.format(n='n')}, SUM(plus) FROM ("  # noqa: S608 - constant SQL fragments; values are bound
                   "SELECT cell, kind, n, plus FROM comment_cells WHERE city = ? AND factor = ? "
                   f"AND resolution = ? AND n > 0 UNION ALL {pending}) AS kept GROUP BY cell")
            params = [params[0], params[-1], resolution, params[0], params[-1]]
        else:
            sql = self._cell_scan_sql(where, resolution)
        if resolution in SUMMARY_RESOLUTIONS:  # one row per cell already (GROUP BY its column)
            # the database adds up, picks the dominant kind and orders: here each row only
            # becomes a record (a city's whole map is thousands of cells, on every open after
            # a write; the same work in Python took 11 ms for 2,868 cells)
            rows = self._backend.read_at_once(
                f"WITH per_cell (cell, good, concern, idea, plus) AS ({sql}) "
                + _PICKED.format(source="per_cell", where="good + concern + idea > 0"), params)
            return [CellCount(*row) for row in rows]
        rows = self._backend.read_at_once(sql, params)
        counts: dict[str, list[int]] = {}  # fold finer cells into their parent
        for cell, *numbers in rows:
            slot = counts.setdefault(ids.parent_string(str(cell), resolution), [0, 0, 0, 0])
            for i, number in enumerate(numbers):
                slot[i] += int(number or 0)
        out = [_cell_count(cell, *v) for cell, v in counts.items()]
        return sorted(out, key=lambda c: (-c.count, c.cell))

    @staticmethod
    def _cell_scan_sql(where: list[str], resolution: int) -> str:
        """The per-cell counts computed from the comments themselves (a GROUP BY): cell, good,
        concern, idea, +1s."""
        column = f"c.cell{resolution}" if resolution in SUMMARY_RESOLUTIONS else "c.cell"
        return (
            f"SELECT {column}, {_PER_KIND.format(n='1')}, SUM(c.plus_count) "  # noqa: S608 - constant SQL fragments; values are bound
            f"FROM comments c WHERE {' AND '.join(where)} GROUP BY {column}"
        )

    def similar_nearby(
        self, *, city: str, cell: str, factor: str, k: int = 2, limit: int = 20
    ) -> list[Comment]:
        """Find visible top-level comments on the same factor within ``k`` cells.

        Shown before posting, so that a citizen can +1 an existing comment instead of
        writing the same thing again.

        Parameters
        ----------
        city
            City id.
        cell
            The H3 cell about to be commented on.
        factor
            Its Well-Being factor.
        k
            Grid distance (``h3.grid_disk``) at ``cell``'s resolution.
        limit
            Most comments returned.

        Returns
        -------
        list of Comment
            Nearest first (grid steps at ``cell``'s resolution), then most +1s, then newest.
        """
        origin = validate_cell(cell)
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= 10:
            raise InvalidInput("範囲が正しくありません。", "k must be an int between 0 and 10")
        limit = positive(limit, name="limit", most=200)
        resolution = ids.resolution_of_string(origin)
        disk = set(ids.grid_disk(origin, k))
        where, params, _ = self._where(city=city, factor=factor, top_level=True)
        # candidates in one indexed read of a parent column: the disk's cells there, and the
        # disk's parents at every coarser resolution (a comment pinned coarser than the
        # column holds its own cell in it)
        probe = min(max(resolution, SUMMARY_RESOLUTIONS[0]), SUMMARY_RESOLUTIONS[-1])
        if resolution >= probe:
            keys = {ids.parent_string(d, probe) for d in disk}
        else:
            keys = {x for d in disk for x in ids.children_strings(d, probe)}
        keys |= {ids.parent_string(d, r) for d in disk for r in range(resolution)}
        in_disk = f"c.cell{probe} IN ({', '.join('?' * len(keys))})"
        with self._backend.read() as tx:
            candidates = self._fetch(tx, [*where, in_disk], [*params, *sorted(keys)],
                                     order="c.id", include_hidden=False)
        near = []
        for c in candidates:
            mapped = _to_resolution(c.cell, resolution)
            if mapped in disk:
                near.append((ids.grid_distance(origin, mapped), c))
        near.sort(key=lambda dc: (dc[0], -dc[1].plus_ones, -dc[1].created_at.timestamp()))
        return [c for _, c in near[:limit]]


    # -- exports ---------------------------------------------------------------------

    def export_csv(self, *, city: str) -> bytes:
        """Export a city's visible comments as CSV (UTF-8 with BOM, formula-safe).

        Parameters
        ----------
        city
            City id.

        Returns
        -------
        bytes
            The CSV file; see :func:`geo.participation.store.export.comments_to_csv`.
        """
        from geo.participation.store.export import comments_to_csv

        return comments_to_csv(self._export_frame(city))

    def export_geojson(self, *, city: str) -> dict[str, Any]:
        """Export a city's visible comments as GeoJSON H3-cell polygons (never points).

        Parameters
        ----------
        city
            City id.

        Returns
        -------
        dict
            A FeatureCollection; see :func:`geo.participation.store.export.comments_to_geojson`.
        """
        from geo.participation.store.export import comments_to_geojson

        return comments_to_geojson(self._export_frame(city))

    def _export_frame(self, city: str) -> pd.DataFrame:
        """A city's visible comments as exported: ``photo`` names the file of a photo a
        moderator approved for export (in ``Store.export_photos``); other photos are in no
        export; the ``proposal_*`` columns hold the facility a comment proposes, if any."""
        from geo.participation.store.export import with_proposals

        frame = self.comments_frame(city=city)
        with self._backend.read() as tx:
            approved = approved_photo_ids(tx, validate_code(city, name="city"))
            proposals = visible_proposals(tx, city)
        frame["photo"] = [photo_file_name(int(i)) if int(i) in approved else None
                          for i in frame["id"]]
        return with_proposals(frame, proposals)

    def export_decidim(
        self,
        *,
        city: str,
        locale: str = "ja",
        category_ids: Mapping[str, int] | None = None,
        scope_ids: Mapping[str, int] | None = None,
        include_replies: bool = False,
    ) -> bytes:
        """Export a city's visible comments for Decidim's proposal import.

        Parameters
        ----------
        city
            City id.
        locale
            The Decidim organisation's default locale (column suffix).
        category_ids
            Decidim category id per factor key.
        scope_ids
            Decidim scope id per town code or city id.
        include_replies
            Also export replies (default: top-level comments only).

        Returns
        -------
        bytes
            ``;``-separated CSV with columns ``title/<locale>, body/<locale>, category/id,
            scope/id``; see :func:`geo.participation.store.export.comments_to_decidim_csv`.
        """
        from geo.participation.store.export import comments_to_decidim_csv, with_proposals

        comments = self.comments_frame(city=city, top_level=not include_replies)
        with self._backend.read() as tx:
            comments = with_proposals(comments, visible_proposals(tx, city))
        return comments_to_decidim_csv(
            comments, locale=locale, category_ids=category_ids, scope_ids=scope_ids
        )



def comments_to_frame(records: Sequence[Comment]) -> pd.DataFrame:
    """Comment records as a frame (for exports and area statistics, not for page code).

    Parameters
    ----------
    records
        Comments from :meth:`Store.list_comments`.

    Returns
    -------
    pandas.DataFrame
        Columns ``id, parent_id, created_at (UTC), city, cell, resolution, town_code,
        factor, factor_ja, kind, text, nickname, status, scenario_id, plus_ones, replies,
        shape, shape_cells`` (an area's or a route's cells, space-separated, in order).
    """
    import pandas as pd

    if not records:
        frame = _with_factor_names(_empty_frame(_FRAME_COLUMNS))
        frame["shape_cells"] = pd.Series([], dtype=object)
        return frame
    frame = pd.DataFrame([[getattr(c, name) for name in _FRAME_COLUMNS] for c in records],
                         columns=list(_FRAME_COLUMNS))
    frame["shape_cells"] = [" ".join(c.cells) for c in records]
    return _with_factor_names(_typed(frame))


def _cell_filter(cells: Iterable[str]) -> tuple[str, list[str], set[str] | None]:
    """SQL condition and parameters of "the comment's cell is, or lies inside, one of
    ``cells``", and the cells coarser than any parent column (filtered in Python, see
    :func:`_inside`; None when there are none)."""
    wanted = {validate_cell(c, max_resolution=15) for c in cells}
    by_res: dict[int, list[str]] = {}
    for cell in wanted:
        by_res.setdefault(ids.resolution_of_string(cell), []).append(cell)
    ors = []
    params: list[str] = []
    for r, group in sorted(by_res.items()):
        if r < SUMMARY_RESOLUTIONS[0]:
            continue
        column = f"c.cell{r}" if r in SUMMARY_RESOLUTIONS else "c.cell"
        ors.append(f"{column} IN ({', '.join('?' * len(group))})")
        params.extend(sorted(group))
    coarse = {c for r, g in by_res.items() if r < SUMMARY_RESOLUTIONS[0] for c in g}
    if coarse:
        ors.append("1 = 1")  # filtered in Python (see _inside)
    return "(" + (" OR ".join(ors) or "1 = 0") + ")", params, coarse or None


def _within(comments: list[Comment], cells: Iterable[str]) -> list[Comment]:
    """The comments whose cell is, or lies inside, one of ``cells``."""
    keep = _inside([c.cell for c in comments], cells)
    return [c for c, ok in zip(comments, keep, strict=True) if ok]


def _inside(cells: Iterable[str], wanted: Iterable[str]) -> list[bool]:
    """Whether each cell equals, or lies inside, one of ``wanted``."""
    wanted_set = {validate_cell(c, max_resolution=15) for c in wanted}
    resolutions = sorted({ids.resolution_of_string(c) for c in wanted_set})
    out = []
    for cell in cells:
        own = ids.resolution_of_string(cell)
        out.append(
            any(
                ids.parent_string(cell, r) in wanted_set
                for r in resolutions
                if r <= own
            )
        )
    return out



def _cell_count(cell: str, good: int, concern: int, idea: int, plus: int) -> CellCount:
    """One cell of the map summary; ties for the dominant kind go to concern, idea, good."""
    top = max(good, concern, idea)
    dominant: Kind = "concern" if concern == top else "idea" if idea == top else "good"
    return CellCount(cell=cell, count=good + concern + idea, good=good, concern=concern,
                     idea=idea, plus_ones=plus, dominant_kind=dominant)


def _to_resolution(cell: str, resolution: int) -> str:
    """Bring a cell to ``resolution``: its parent when finer, its centre child when coarser."""
    return ids.at_resolution(cell, resolution)


def _empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    """A typed empty comments frame."""
    import pandas as pd

    return _typed(pd.DataFrame({c: [] for c in columns}))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Give the comment columns stable dtypes on both databases."""
    import pandas as pd

    if "created_at" in frame:
        column = frame["created_at"]
        if len(column) and isinstance(column.iloc[0], str):  # SQLite: our fixed text format
            frame["created_at"] = pd.to_datetime(column, format=SQLITE_TS_FORMAT, utc=True)
        else:
            frame["created_at"] = pd.to_datetime(column, utc=True)
    for col in ("id", "resolution", "plus_ones", "replies", "reports", "pending_reports"):
        if col in frame:
            frame[col] = frame[col].astype("int64")
    if "parent_id" in frame:
        frame["parent_id"] = frame["parent_id"].astype("Int64")
    return frame


def _with_factor_names(frame: pd.DataFrame) -> pd.DataFrame:
    """Insert ``factor_ja`` (Japanese factor name) after ``factor``."""
    frame.insert(
        int(frame.columns.get_loc("factor")) + 1,
        "factor_ja",
        [(f.ja if (f := factor_by_key(k)) else k) for k in frame["factor"]],
    )
    return frame
