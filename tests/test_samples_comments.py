"""The sample room (geo.samples_comments): reproducible, every state a real room leaves, towns
in proportion to population, never a coordinate; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import h3
import numpy as np
import pytest
from room import NOW, Room, build_room, room_fixture
from store_fixtures import Target

from geo import access as scenario
from geo.ingest.bundle import load
from geo.participation import proposals as pr
from geo.participation.framework import FACTOR_KEYS
from geo.participation.store import Comment, Proposal, Workshop, facility_cell, open_store
from geo.samples.comments import (
    AREA_TEMPLATES,
    HOSTILE_TEXTS,
    MIN_COMMENTS,
    PROPOSAL_TEMPLATES,
    ROUTE_TEMPLATES,
    SPAN_DAYS,
    TEMPLATES,
    RoomSummary,
    seed_room,
)
from geo.text import sanitize_comment, sanitize_nickname

room = room_fixture(n_comments=5000)

# id, parent, created_at, cell, resolution, town, factor, kind, body, nickname, status,
# scenario, +1s, acknowledged reports: everything a seeding decides
_ROWS = ("SELECT id, parent_id, created_at, cell, resolution, town_code, factor, kind, body, "
         "nickname, status, scenario_id, plus_count, reports_acknowledged, cell7, cell8, cell9, "
         "shape FROM comments ORDER BY id")


def _sqlite(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def _content(path: Path, summary: RoomSummary) -> dict[str, Any]:
    """Everything a seeding wrote, with the random workshop ids replaced by their positions."""
    assert summary.workshop is not None
    where = {sid: i for i, sid in enumerate(summary.workshop.scenario_ids)}
    rows = [(*r[:11], where.get(r[11]), *r[12:]) for r in _sqlite(path, _ROWS)]
    return {
        "comments": rows,
        "plus_ones": _sqlite(path, "SELECT comment_id, created_at FROM plus_ones "
                                   "ORDER BY comment_id, created_at"),
        "reports": _sqlite(path, "SELECT comment_id, reason, created_at FROM reports ORDER BY id"),
        "audit": _sqlite(path, "SELECT created_at, comment_id, action, actor, reason, detail "
                               "FROM moderation_audit ORDER BY id"),
        "scenarios": _sqlite(path, "SELECT s.name, s.mode, s.modifications, s.version, "
                                   "g.position, g.name FROM scenarios s JOIN workshop_groups g "
                                   "ON g.id = s.group_id ORDER BY s.created_at, g.position"),
        "proposals": _sqlite(path, "SELECT comment_id, facility_kind, facility_cell, mode, "
                                   "people_gained, cells_gained, rate_before, rate_after, towns, "
                                   "factors, created_at FROM comment_proposals "
                                   "ORDER BY comment_id"),
        "shapes": _sqlite(path, "SELECT comment_id, seq, cell FROM comment_shape_cells "
                                "ORDER BY comment_id, seq"),
        "notable": {k: v for k, v in vars(summary).items()
                    if k.endswith(("_id", "_ids")) or k == "counts"},
    }


def _seed(path: Path, **options: Any) -> RoomSummary:
    store = open_store(path, rate_limit=None, synchronous="NORMAL")
    try:
        return seed_room(store, now=NOW, **{"n_comments": 300, **options})
    finally:
        store.close()


# -- reproducible ------------------------------------------------------------------------------


def test_the_same_seed_writes_the_same_room_and_another_seed_another(tmp_path: Path) -> None:
    a = _seed(tmp_path / "a.sqlite3", seed=7)
    b = _seed(tmp_path / "b.sqlite3", seed=7)
    c = _seed(tmp_path / "c.sqlite3", seed=8)
    same = _content(tmp_path / "a.sqlite3", a)
    assert same == _content(tmp_path / "b.sqlite3", b)
    other = _content(tmp_path / "c.sqlite3", c)
    assert other["comments"] != same["comments"]
    assert other["scenarios"] != same["scenarios"]
    assert same["proposals"] and same["shapes"]  # the proposals, areas and routes too
    assert other["proposals"] != same["proposals"] and other["shapes"] != same["shapes"]
    # only the secrets differ: tokens and workshop ids are random
    assert a.workshop is not None and b.workshop is not None
    assert a.workshop.facilitator_token != b.workshop.facilitator_token


def test_the_bulk_path_stores_what_posting_one_by_one_stores(tmp_path: Path) -> None:
    bulk = _seed(tmp_path / "bulk.sqlite3", n_comments=200, seed=3)
    single = _seed(tmp_path / "single.sqlite3", n_comments=200, seed=3, bulk=False)
    one = _content(tmp_path / "bulk.sqlite3", bulk)
    other = _content(tmp_path / "single.sqlite3", single)
    for part in ("comments", "reports", "audit", "scenarios", "proposals", "shapes", "notable"):
        assert one[part] == other[part], part
    # +1s: the same number per comment (an imported +1 is dated with its comment)
    assert Counter(c for c, _ in one["plus_ones"]) == Counter(c for c, _ in other["plus_ones"])


# -- every state a real room leaves, on both databases ---------------------------------------


def test_every_notable_state_is_there(target: Target) -> None:
    store = target.open(rate_limit=None)
    try:
        room_ = seed_room(store, n_comments=150, seed=2, now=NOW)
        threshold = store.report_threshold
        ws = Workshop(store)
        assert room_.workshop is not None
        session, group = ws.join(room_.workshop.group_tokens[room_.workshop.group_ids[0]])
        fac = ws.facilitator_session(room_.workshop.facilitator_token)
        proposals = store.proposals(city="maebashi", limit=50)
        visible = {c.id: c for c in store.list_comments(city="maebashi", top_level=True)}
    finally:
        store.close()
    rows = {r[0]: r for r in target.raw(
        "SELECT id, parent_id, status, nickname, body, scenario_id, reports_acknowledged, "
        "created_at FROM comments")}
    status = {i: r[2] for i, r in rows.items()}
    reports = Counter(r[0] for r in target.raw("SELECT comment_id FROM reports"))
    audit = {(r[0], r[1]) for r in target.raw("SELECT comment_id, action FROM moderation_audit")}

    counts = room_.counts
    assert counts.comments == len(rows) == 150
    assert dict(counts.statuses) == dict(Counter(status.values()))
    assert set(counts.statuses) == {"visible", "hidden_auto", "hidden", "deleted"}
    assert all(counts.statuses[s] >= 1 for s in counts.statuses)
    assert counts.plus_ones == target.raw("SELECT COUNT(*) FROM plus_ones")[0][0] > 0
    assert counts.reports == sum(reports.values())
    assert counts.nicknamed + counts.anonymous == 150 and counts.nicknamed and counts.anonymous

    # nickname set / none
    assert rows[room_.nicknamed_id][3] and status[room_.nicknamed_id] == "visible"
    assert rows[room_.anonymous_id][3] is None and status[room_.anonymous_id] == "visible"
    assert rows[room_.hostile_nickname_id][3] == sanitize_nickname("<b>サンプル</b>\u202e悪意")
    # replies, one nested; one under a comment hidden later
    assert len(room_.reply_ids) == 3
    assert all(rows[r][1] == room_.with_replies_id and status[r] == "visible"
               for r in room_.reply_ids)
    assert rows[room_.nested_reply_id][1] in room_.reply_ids
    assert rows[room_.reply_to_hidden_id][1] == room_.hidden_auto_id
    assert counts.replies >= 5 and counts.nested_replies >= 1
    # reports below the threshold, up to it, restored
    assert room_.reported_id is not None and status[room_.reported_id] == "visible"
    assert 1 <= reports[room_.reported_id] < threshold
    assert status[room_.hidden_auto_id] == "hidden_auto"
    assert reports[room_.hidden_auto_id] >= threshold
    assert (room_.hidden_auto_id, "auto_hide") in audit
    assert status[room_.restored_id] == "visible"
    assert rows[room_.restored_id][6] >= threshold  # its reports were acknowledged
    assert (room_.restored_id, "restore") in audit
    # hidden and deleted by a moderator, deleted by the poster
    assert status[room_.hidden_id] == "hidden" and (room_.hidden_id, "hide") in audit
    assert status[room_.moderator_deleted_id] == "deleted"
    assert (room_.moderator_deleted_id, "delete") in audit
    deleted = rows[room_.deleted_id]
    assert deleted[2] == "deleted" and deleted[4] == "" and deleted[3] is None
    assert (room_.deleted_id, "delete_by_token") in audit
    # hostile texts, stored cleaned and otherwise as typed; a 1,000-character one
    assert set(room_.hostile_ids) == set(HOSTILE_TEXTS)
    for name, cid in room_.hostile_ids.items():
        assert rows[cid][4] == sanitize_comment(HOSTILE_TEXTS[name]), name
    assert "<script>" in rows[room_.hostile_id][4] and status[room_.hostile_id] == "visible"
    assert len(rows[room_.long_id][4]) == 1000 and status[room_.long_id] == "visible"
    assert status[room_.hostile_ids["md_link"]] == "hidden_auto"
    assert status[room_.hostile_ids["img_onerror"]] == "hidden"
    assert set(room_.edit_tokens) >= {room_.nicknamed_id, room_.hostile_id, room_.long_id}
    # the workshop: five groups whose links open it; scenarios saved twice; comments on them
    wk = room_.workshop
    assert session.id == fac.id == wk.session_id and group.id == wk.group_ids[0]
    assert wk.title == "前橋市 地域公共交通ワークショップ"
    assert len(wk.group_ids) == 5 and set(wk.group_tokens) == set(wk.group_ids)
    assert all(1 <= len(wk.scenarios_by_group[g]) <= 2 for g in wk.group_ids)
    scenarios = {r[0]: r for r in target.raw(
        "SELECT id, modifications, version, session_id FROM scenarios")}
    assert set(scenarios) == set(wk.scenario_ids)
    assert all(v[2] == 2 and v[3] == wk.session_id for v in scenarios.values())
    assert wk.scenario_comment_ids and counts.scenario_comments == len(wk.scenario_comment_ids)
    assert {rows[c][5] for c in wk.scenario_comment_ids} <= set(wk.scenario_ids)
    # proposals with their figures (equal to a recompute), areas and routes, all visible
    assert counts.proposals == len(room_.proposal_ids) == len(proposals) >= 3
    assert {p.id for p in proposals} == set(room_.proposal_ids)
    _check_figures(proposals)
    _check_shapes(visible, room_)
    # retention: the old comments were purged, nothing older than a year is left
    assert counts.purged >= 2
    assert any(action == "purge" for _, action in audit)
    oldest = min(_aware(r[7]) for r in rows.values())
    assert NOW - oldest <= timedelta(days=SPAN_DAYS + 1)


def _check_figures(proposals: list[Proposal]) -> None:
    """Every seeded proposal is an idea whose stored figures are those of a full recompute
    with the facility added to the city's baseline (the engine the comments page uses)."""
    b = load("maebashi")
    base = scenario.Engine.from_bundle(b, mode=pr.best_mode(scenario.available_modes(b)))
    names = dict(zip(b.towns["town_code"].astype(str), b.towns["name"].astype(str),
                     strict=True))
    for p in proposals:
        assert p.comment.kind == "idea" and p.comment.status == "visible"
        assert p.cell == facility_cell(p.comment.cell) and p.mode == base.mode
        expected = pr.proposal_figures(base, p.kind, p.cell, pieces=b.pieces, town_names=names)
        assert p.figures == expected, p.id
        assert p.figures.people_gained and p.figures.people_gained > 0  # placed in a gap
        assert p.figures.rate_after is not None and p.figures.rate_before is not None
        assert p.figures.rate_after > p.figures.rate_before and p.figures.towns
    assert len({p.kind for p in proposals}) >= 2  # kinds in turn
    assert all(_filled(p.comment.text, [t for k, _, t in PROPOSAL_TEMPLATES if k == p.kind])
               for p in proposals)


def _filled(text: str, templates: list[str]) -> bool:
    """``text`` is one of ``templates`` with its slots filled in."""
    return any(re.fullmatch(re.sub(r"\\\{\w+\\\}", ".+", re.escape(t)), text)
               for t in templates)


def _check_shapes(visible: dict[int, Comment], room_: RoomSummary) -> None:
    """Areas and routes: visible, res-9 cells, the comment filed under one of them; a route
    is a line of neighbours."""
    assert room_.counts.areas == len(room_.area_ids) >= 3
    assert room_.counts.routes == len(room_.route_ids) >= 3
    for cid in room_.area_ids:
        c = visible[cid]
        assert c.shape == "area" and c.cell in c.cells
        assert all(h3.get_resolution(x) == 9 for x in c.cells)
        assert _filled(c.text, [t for _, _, t in AREA_TEMPLATES])
    for cid in room_.route_ids:
        c = visible[cid]
        assert c.shape == "route" and c.cell == c.cells[len(c.cells) // 2]
        assert all(h3.grid_distance(a, z) == 1 for a, z in zip(c.cells, c.cells[1:],
                                                                strict=False))
        assert _filled(c.text, [t for _, _, t in ROUTE_TEMPLATES])
    assert max(len(visible[i].cells) for i in room_.area_ids) >= 7  # a ring around the pin
    assert max(len(visible[i].cells) for i in room_.route_ids) >= 4  # 3 steps or more
    others = [c for i, c in visible.items() if i not in {*room_.area_ids, *room_.route_ids}]
    assert all(c.shape == "point" and not c.cells for c in others)


def _aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def test_the_workshop_scenarios_are_valid_modifications_of_the_baseline(room: Room) -> None:
    base = scenario.Engine.from_bundle(load("maebashi"))
    ops: Counter[str] = Counter()
    for (mods,) in _sqlite(room.path, "SELECT modifications FROM scenarios"):
        parsed = scenario.loads(mods)
        base.with_modifications(parsed)  # raises on an invalid modification
        assert 2 <= len(parsed) <= 5
        ops.update(m.op for m in parsed)
    assert set(ops) == {"add", "move", "remove", "radius"}


# -- what the content looks like ---------------------------------------------------------------


def test_a_five_thousand_comment_room_is_seeded(room: Room) -> None:
    counts = room.summary.counts
    assert counts.comments == 5000
    assert _sqlite(room.path, "SELECT COUNT(*) FROM comments") == [(5000,)]
    assert room.seconds < 120, f"seeding 5,000 comments took {room.seconds:.0f} s"
    store = open_store(room.path)
    try:
        assert store.integrity_check()
    finally:
        store.close()


def test_comments_spread_over_towns_in_proportion_to_population(room: Room) -> None:
    pop = load("maebashi").towns.set_index("town_code")["population"].dropna().astype(float)
    per_town = Counter(t for (t,) in _sqlite(
        room.path, "SELECT town_code FROM comments WHERE parent_id IS NULL "
                   "AND scenario_id IS NULL"))
    assert None not in per_town
    assert set(per_town) <= set(pop.index)
    observed = np.array([per_town.get(c, 0) for c in pop.index], dtype=float)
    expected = pop.to_numpy() / pop.sum() * observed.sum()
    assert np.corrcoef(observed, expected)[0, 1] > 0.9
    big = pop.sort_values().index[-10:]
    small = pop[pop > 0].sort_values().index[:10]
    assert sum(per_town[c] for c in big) > 5 * max(1, sum(per_town[c] for c in small))
    assert room.summary.counts.towns > 200  # Maebashi has 271 inhabited towns


def test_content_mixes_kinds_factors_nicknames_and_dates(room: Room) -> None:
    rows = _sqlite(room.path, "SELECT kind, factor, nickname, created_at, body FROM comments")
    kinds = Counter(r[0] for r in rows)
    assert set(kinds) == {"good", "concern", "idea"} and min(kinds.values()) > 500
    factors = Counter(r[1] for r in rows)
    assert set(factors) <= set(FACTOR_KEYS) and len(factors) >= 20
    assert {t[0] for t in TEMPLATES} == set(FACTOR_KEYS)
    nicknamed = sum(r[2] is not None for r in rows) / len(rows)
    assert 0.4 < nicknamed < 0.6
    assert any(r[2] and r[2].startswith("サンプル") for r in rows)
    dates = sorted(_aware(r[3]) for r in rows)
    assert dates[-1] < NOW and NOW - dates[0] <= timedelta(days=SPAN_DAYS + 1)
    assert dates[-1] - dates[0] > timedelta(days=250)
    months = Counter((d.year, d.month) for d in dates)
    assert len(months) >= 10
    assert len({r[4] for r in rows}) > 2000  # templates filled in with places and people


def test_nothing_stores_a_coordinate(room: Room) -> None:
    for cell, resolution, c7, c8, c9 in _sqlite(
            room.path, "SELECT cell, resolution, cell7, cell8, cell9 FROM comments"):
        assert h3.is_valid_cell(cell) and h3.get_resolution(cell) == resolution <= 10
        assert (c7, c8, c9) == tuple(h3.cell_to_parent(cell, r) for r in (7, 8, 9))
    for (mods,) in _sqlite(room.path, "SELECT modifications FROM scenarios"):
        for m in json.loads(mods):
            assert set(m) <= {"op", "kind", "facility", "cell", "radius_m", "name"}
            assert "cell" not in m or h3.get_resolution(m["cell"]) <= 10
    # no decimal degree anywhere in the database (Maebashi lies near 36.4 N, 139.1 E)
    conn = sqlite3.connect(room.path)
    try:
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    assert not re.findall(r"(?<![\w.:])(?:3[4-8]|1[34][0-9])\.\d{3,}", dump)  # not times


# -- how it behaves -----------------------------------------------------------------------------


def test_a_rate_limited_store_is_seeded_without_hitting_the_limit(tmp_path: Path) -> None:
    store = open_store(tmp_path / "limited.sqlite3", synchronous="NORMAL")  # 5 per minute
    try:
        summary = seed_room(store, n_comments=MIN_COMMENTS, seed=5, now=NOW, bulk=False)
    finally:
        store.close()
    assert summary.counts.comments == MIN_COMMENTS


def test_seeding_the_same_seed_twice_is_refused_and_another_seed_adds(tmp_path: Path) -> None:
    path = tmp_path / "twice.sqlite3"
    _seed(path, n_comments=MIN_COMMENTS, seed=1, with_workshop=False)
    with pytest.raises(ValueError, match="already holds"):
        _seed(path, n_comments=MIN_COMMENTS, seed=1, with_workshop=False)
    other = _seed(path, n_comments=MIN_COMMENTS, seed=2, with_workshop=False)
    assert other.workshop is None and other.group_tokens == {} and other.facilitator_token is None
    assert other.counts.scenario_comments == 0


def test_too_few_comments_are_refused(tmp_path: Path) -> None:
    store = open_store(tmp_path / "few.sqlite3")
    try:
        with pytest.raises(ValueError, match="n_comments"):
            seed_room(store, n_comments=MIN_COMMENTS - 1, now=NOW)
    finally:
        store.close()


def test_build_room_uses_the_apps_data_folder_layout(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIORAMA_DATABASE_URL", "postgresql://nowhere.invalid/none")
    summary = build_room(tmp_path / "data", n_comments=MIN_COMMENTS, with_workshop=False)
    assert (tmp_path / "data" / "comments.sqlite3").is_file()
    monkeypatch.delenv("DIORAMA_DATABASE_URL")
    monkeypatch.setenv("DIORAMA_DATA_DIR", str(tmp_path / "data"))
    store = open_store()
    try:
        assert store.path == tmp_path / "data" / "comments.sqlite3"
        assert store.integrity_check()
    finally:
        store.close()
    assert summary.counts.comments == MIN_COMMENTS
    assert _sqlite(tmp_path / "data" / "comments.sqlite3", "SELECT COUNT(*) FROM comments") == [
        (MIN_COMMENTS,)]


def test_the_rooms_exports_carry_its_proposals_areas_and_routes(room: Room) -> None:
    summary = room.summary
    store = room.open()
    try:
        rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(
            store.export_csv(city="maebashi").decode("utf-8-sig")))}
        features = {f["id"]: f for f in store.export_geojson(city="maebashi")["features"]}
        stored = {p.id: p for p in store.proposals(city="maebashi", limit=50)}
    finally:
        store.close()
    assert set(stored) == set(summary.proposal_ids) and summary.counts.proposals >= 3
    for pid, p in stored.items():
        assert p.figures is not None
        assert rows[pid]["proposal_kind"] == p.kind
        assert rows[pid]["proposal_people_gained"] == str(p.figures.people_gained)
        assert features[pid]["properties"]["proposal_rate_after"] == p.figures.rate_after
    assert sum(r["proposal_kind"] != "" for r in rows.values()) == len(stored)
    assert {features[i]["geometry"]["type"] for i in summary.area_ids} <= {"Polygon",
                                                                           "MultiPolygon"}
    assert {features[i]["geometry"]["type"] for i in summary.route_ids} == {"LineString"}
