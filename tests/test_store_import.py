"""Comment store: imports check everything before writing and answer per item; +1s of an
import are bounded; a comment's scenario must exist in the same city. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import h3
import numpy as np
import pytest
from store_fixtures import CITY, TEST_CELL, Target, comment_args, register_scenario

from geo.participation.store import (
    IdempotencyConflict,
    InvalidCell,
    InvalidInput,
    Store,
    Workshop,
)
from geo.participation.store.comments import MAX_IMPORTED_PLUS_ONES

T0 = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(target: Target) -> Iterator[Store]:
    s = target.open(rate_limit=None)
    yield s
    s.close()


def item(n: int, **overrides: Any) -> dict[str, Any]:
    """One import item; ``n`` makes its key, session and text distinct."""
    out: dict[str, Any] = {"idempotency_key": f"imp-{n}", "session_id": f"s{n}",
                           "cell": TEST_CELL, "factor": "mobility", "kind": "idea",
                           "text": f"意見 {n}", "created_at": T0}
    out.update(overrides)
    return out


def rows(target: Target, table: str = "comments") -> int:
    return int(target.raw(f"SELECT COUNT(*) FROM {table}")[0][0])


def scenario_of(store: Store, city: str) -> tuple[Workshop, str, str]:
    """A workshop scenario of ``city``: the workshop, its facilitator key, the scenario id."""
    ws = Workshop(store)
    made = ws.create_session(city=city, title="t", groups=["A"])
    token = next(iter(made.group_tokens.values()))
    made_scenario = ws.create_scenario(group_token=token, name="案")
    return ws, made.facilitator_token, register_scenario(made_scenario.id, token)


# -- imports ---------------------------------------------------------------------------


def test_import_answers_per_item_and_a_retry_stores_nothing_again(store: Store,
                                                                  target: Target) -> None:
    items = [item(n, plus_ones=n) for n in range(5)]
    first = store.import_comments(items, city=CITY, batch=2)
    assert [r.created for r in first] == [True] * 5
    assert all(r.edit_token is None and r.status == "visible" for r in first)
    assert [c.plus_ones for c in store.list_comments(city=CITY)] == [0, 1, 2, 3, 4]
    again = store.import_comments(items, city=CITY, batch=2)
    assert [r.created for r in again] == [False] * 5
    assert [r.comment_id for r in again] == [r.comment_id for r in first]
    assert rows(target) == 5 and rows(target, "plus_ones") == 10


def test_a_key_of_another_session_refuses_the_whole_import(store: Store,
                                                           target: Target) -> None:
    taken = store.post_comment(**comment_args(idempotency_key="imp-7", session_id="other"))
    version = store.data_version(city=CITY)
    items = [item(n) for n in range(8)]  # the last one reuses the posted key
    with pytest.raises(IdempotencyConflict):
        store.import_comments(items, city=CITY, batch=1)
    assert rows(target) == 1 and store.data_version(city=CITY) == version
    assert store.list_comments(city=CITY)[0].id == taken.comment_id


def test_a_key_given_twice_is_one_comment_or_a_conflict(store: Store, target: Target) -> None:
    same = store.import_comments([item(1), item(2), item(1)], city=CITY)
    assert [r.created for r in same] == [True, True, False]
    assert same[2].comment_id == same[0].comment_id and rows(target) == 2
    with pytest.raises(IdempotencyConflict):
        store.import_comments([item(3), item(4), item(3, session_id="s4")], city=CITY)
    assert rows(target) == 2


@pytest.mark.parametrize(("bad", "error"), [
    ({"cell": "not-a-cell"}, InvalidCell),
    ({"factor": "nope"}, InvalidInput),
    ({"idempotency_key": "has space"}, InvalidInput),
    ({"plus_ones": MAX_IMPORTED_PLUS_ONES + 1}, InvalidInput),
    ({"plus_ones": -1}, InvalidInput),
    ({"plus_ones": True}, InvalidInput),
    ({"plus_ones": 2.5}, InvalidInput),
    ({"plus_ones": "3"}, InvalidInput),
])
def test_a_bad_item_halfway_stores_nothing(store: Store, target: Target, bad: dict[str, Any],
                                           error: type[Exception]) -> None:
    """Items are all checked before the first batch is written (before: the batches ahead of
    the bad item stayed stored)."""
    items = [item(n) for n in range(6)]
    items[4] = item(4, **bad)
    with pytest.raises(error) as caught:
        store.import_comments(items, city=CITY, batch=2)
    assert "import item 4 (0-based)" in caught.value.__notes__
    assert rows(target) == 0 and store.data_version(city=CITY) == 0


def test_a_missing_field_is_named(store: Store, target: Target) -> None:
    broken = item(0)
    del broken["text"]
    with pytest.raises(InvalidInput, match="missing field"):
        store.import_comments([broken], city=CITY)
    assert rows(target) == 0


def test_plus_ones_are_bounded_and_may_be_numpy_integers(store: Store, target: Target) -> None:
    got = store.import_comments([item(0, plus_ones=np.int64(3))], city=CITY)
    assert got[0].created and rows(target, "plus_ones") == 3
    assert MAX_IMPORTED_PLUS_ONES == 10_000


def test_an_import_checks_its_scenarios(store: Store, target: Target) -> None:
    _, _, here = scenario_of(store, CITY)
    _, _, elsewhere = scenario_of(store, "99999")
    with pytest.raises(InvalidInput, match="another city"):
        store.import_comments([item(0, scenario_id=here), item(1, scenario_id=elsewhere)],
                              city=CITY, batch=1)
    with pytest.raises(InvalidInput, match="No workshop scenario"):
        store.import_comments([item(0), item(1), item(2, scenario_id="made-up")], city=CITY,
                              batch=1)
    assert rows(target) == 0
    ok = store.import_comments([item(0, scenario_id=here)], city=CITY)
    assert store.list_comments(city=CITY, scenario_id=here)[0].id == ok[0].comment_id


# -- a comment's scenario ---------------------------------------------------------------


def test_a_comment_names_an_existing_scenario_of_its_city(store: Store, target: Target) -> None:
    _, _, here = scenario_of(store, CITY)
    _, _, elsewhere = scenario_of(store, "99999")
    with pytest.raises(InvalidInput, match="No workshop scenario"):
        store.post_comment(**comment_args(scenario_id="made-up"))
    with pytest.raises(InvalidInput, match="another city"):
        store.post_comment(**comment_args(scenario_id=elsewhere))
    assert rows(target) == 0
    ok = store.post_comment(**comment_args(scenario_id=here))
    assert store.list_comments(city=CITY, scenario_id=here)[0].id == ok.comment_id


def test_no_comment_on_a_deleted_session_but_replies_keep_their_parents_scenario(
        store: Store, target: Target) -> None:
    ws, key, sid = scenario_of(store, CITY)
    parent = store.post_comment(**comment_args(scenario_id=sid, session_id="a"))
    # the scenario goes (a group deletes it); the comment stays and can still be answered
    _, _, gone = scenario_of(store, CITY)
    kept = store.post_comment(**comment_args(scenario_id=gone, session_id="b"))
    with store.backend.write() as tx:
        tx.execute("DELETE FROM scenarios WHERE id = ?", [gone])
    answer = store.reply(parent_id=kept.comment_id, idempotency_key=uuid.uuid4().hex,
                         session_id="c", text="賛成です", consent=True)
    assert store.list_comments(city=CITY, scenario_id=gone)[-1].id == answer.comment_id
    with pytest.raises(InvalidInput):
        store.post_comment(**comment_args(scenario_id=gone, session_id="d"))
    # a deleted session takes its scenarios and their comments with it
    ws.delete_session(facilitator_token=key)
    with pytest.raises(InvalidInput):
        store.post_comment(**comment_args(scenario_id=sid, session_id="e"))
    assert store.list_comments(city=CITY, scenario_id=sid) == []
    assert parent.comment_id not in {c.id for c in store.list_comments(city=CITY)}


def test_a_retry_of_a_stored_comment_is_answered_after_its_scenario_went(
        store: Store) -> None:
    _, _, sid = scenario_of(store, CITY)
    args = comment_args(scenario_id=sid, cell=h3.cell_to_parent(TEST_CELL, 9))
    first = store.post_comment(**args)
    with store.backend.write() as tx:
        tx.execute("DELETE FROM scenarios WHERE id = ?", [sid])
    again = store.post_comment(**args)
    assert again.comment_id == first.comment_id and not again.created


def test_a_large_import_refreshes_the_planner_statistics_once(store: Store,
                                                              target: Target) -> None:
    """Without statistics SQLite reads top-level comments through the reply index; an import
    that grows the city past 1,000 comments gathers them, and a fresh set is not redone."""
    if target.backend != "sqlite":
        pytest.skip("PostgreSQL's autovacuum keeps its own statistics")
    cells = sorted(h3.grid_disk(TEST_CELL, 12))
    store.import_comments([item(n, cell=cells[n % len(cells)]) for n in range(1200)], city=CITY)
    stat = target.raw("SELECT stat FROM sqlite_stat1 WHERE tbl = 'comments' LIMIT 1")
    assert int(stat[0][0].split()[0]) == 1200
    assert store.backend.refresh_statistics() is False  # still fresh
