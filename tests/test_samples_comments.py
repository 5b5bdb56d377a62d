"""The sample room: every state a real one leaves is there, reproducibly, with no coordinates."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import h3
import pytest
from store_fixtures import Target

from geo.bundle import load
from geo.samples_comments import HOSTILE_TEXTS, comment_specs, seed_room
from geo.store import Store, Workshop

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def maebashi():
    return load("maebashi")


def test_specs_are_reproducible_and_follow_population(maebashi) -> None:
    a = comment_specs(maebashi, 3000, seed=4, now=NOW)
    assert a == comment_specs(maebashi, 3000, seed=4, now=NOW)
    assert a != comment_specs(maebashi, 3000, seed=5, now=NOW)
    # towns in proportion to population (loosely: the ten most populous towns hold more
    # comments than the ten least populous ones with people)
    pop = maebashi.towns.set_index("town_code")["population"].dropna().sort_values()
    per_town = Counter(s["town_code"] for s in a)
    big = sum(per_town[c] for c in pop.index[-10:])
    small = sum(per_town[c] for c in pop[pop > 0].index[:10])
    assert big > 5 * max(small, 1)
    assert {s["nickname"] is None for s in a} == {True, False}
    assert all(h3.get_resolution(s["cell"]) == 9 for s in a)


def test_room_holds_every_state(target: Target, maebashi) -> None:
    store: Store = target.open(rate_limit=None)
    try:
        room = seed_room(store, n_comments=200, seed=1, now=NOW, bundle=maebashi)
        visible = {c.id: c for c in store.list_comments(city="maebashi")}
        everything = {c.id: c for c in store.list_comments(city="maebashi", include_hidden=True)}
        assert visible[room.nicknamed].nickname and visible[room.anonymous].nickname is None
        assert visible[room.with_replies].replies == 2
        assert everything[room.auto_hidden].status == "hidden_auto"
        assert everything[room.hidden].status == "hidden"
        assert everything[room.deleted].status == "deleted"
        assert room.reported in visible
        assert {visible[i].text for i in room.hostile} >= set(HOSTILE_TEXTS) - {
            t for t in HOSTILE_TEXTS if "\u202e" in t}  # bidi controls are removed on input
        assert len(visible[room.long].text) == 1000
        assert len(room.comment_ids) == 200
        # never a coordinate: every stored place is an H3 cell of resolution <= 10
        assert all(h3.is_valid_cell(c.cell) and c.resolution <= 10 for c in everything.values())
        # the workshop: five groups, scenarios with modifications, comments on scenarios
        ws = Workshop(store)
        assert len(room.group_tokens) == 5
        session, _ = ws.join(next(iter(room.group_tokens.values())))
        assert ws.facilitator_session(room.facilitator_token or "").id == session.id
        scen = [ws.scenario(s) for ids in room.scenario_ids.values() for s in ids]
        assert len(scen) >= 5 and all(s.modifications != "[]" for s in scen)
        assert {visible[i].scenario_id for i in room.scenario_comments} <= {s.id for s in scen}
    finally:
        store.close()


def test_five_thousand_comments_seed_quickly(tmp_path, maebashi) -> None:
    from room import build_room

    room = build_room(tmp_path, n_comments=5000)
    from geo.store import open_store

    store = open_store(str(tmp_path))
    assert store.comment_page(city="maebashi").total >= 5000
    assert room.facilitator_token
