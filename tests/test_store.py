"""Tests of the comment store (geo.store), run on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import inspect
import io
import json
import sqlite3
import struct
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import h3
import pandas as pd
import pytest
from hostile_strings import ACCEPTED, REFUSED
from store_fixtures import (
    CITY,
    TEST_CELL,
    TEST_LAT,
    TEST_LNG,
    Target,
    comment_args,
    established,
    make_target,
    register_scenario,
    schema_before,
)

from geo.participation.store import (
    FACTORS,
    KINDS,
    CommentNotFound,
    IdempotencyConflict,
    InvalidAction,
    InvalidCell,
    InvalidInput,
    RateLimited,
    SchemaTooNew,
    Store,
    TokenMismatch,
    Workshop,
    open_store,
)
from geo.participation.store.backends import SQLITE_TS_FORMAT
from geo.participation.store.base import as_datetime
from geo.participation.store.export import PROPOSAL_COLUMNS
from geo.participation.store.migrations import (
    CITY_WINDOW,
    FOLD_EVERY,
    MIGRATIONS,
    SESSION_WINDOW,
    SUMMARY_RESOLUTIONS,
    VERSION_SHARDS,
)
from geo.text import (
    TextEmpty,
    TextTooLong,
    escape_for_csv_cell,
    escape_for_deck_tooltip,
    escape_for_html,
    sanitize_comment,
)

T0 = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(target: Target) -> Iterator[Store]:
    s = target.open()
    yield s
    s.close()


def post(store: Store, **overrides: Any) -> Any:
    return store.post_comment(**comment_args(**overrides))


def scenario(store: Store, name: str = "plan", city: str = CITY) -> str:
    """Id of a new workshop scenario of ``city`` (a comment's scenario must exist)."""
    ws = Workshop(store)
    made = ws.create_session(city=city, title="t", groups=["A"])
    token = next(iter(made.group_tokens.values()))
    return register_scenario(ws.create_scenario(group_token=token, name=name).id, token)


def count(target: Target, sql: str, params: tuple[Any, ...] = ()) -> int:
    return int(target.raw(sql, params)[0][0])


def csv_rows(data: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


# -- posting ---------------------------------------------------------------------------


def test_post_and_list_round_trip(store: Store, target: Target) -> None:
    plan = scenario(store)
    result = post(
        store,
        text="  駅前の歩道が\t狭い\r\n\r\n\r\n\r\n\r\nベビーカーが通れない  ",
        nickname=" さくら ",
        town_code="131010001",
        scenario_id=plan,
        now=T0,
    )
    assert result.created and result.status == "visible"
    assert result.edit_token and len(result.edit_token) >= 30
    frame = store.comments_frame(city=CITY)
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["id"] == result.comment_id
    assert row["text"] == "駅前の歩道が 狭い\n\n\nベビーカーが通れない"
    assert row["nickname"] == "さくら"
    assert row["cell"] == TEST_CELL and row["resolution"] == 10
    assert row["factor"] == "mobility" and row["factor_ja"] == "移動・交通"
    assert row["kind"] == "concern" and row["town_code"] == "131010001"
    assert row["scenario_id"] == plan and row["status"] == "visible"
    assert row["created_at"] == pd.Timestamp(T0)
    assert str(frame["created_at"].dt.tz) == "UTC"
    assert pd.isna(row["parent_id"]) and row["plus_ones"] == 0 and row["replies"] == 0
    # Only the SHA-256 of the edit token is stored.
    stored = target.raw("SELECT edit_token_hash FROM comments")[0][0]
    assert stored == hashlib.sha256(result.edit_token.encode()).hexdigest()


def test_double_submit_stores_one_row(store: Store, target: Target) -> None:
    args = comment_args()
    first = store.post_comment(**args)
    second = store.post_comment(**args)
    assert first.created and not second.created
    assert second.comment_id == first.comment_id and second.edit_token is None
    # A retry through another connection (another process) finds the same comment.
    other = target.open()
    try:
        third = other.post_comment(**{**args, "text": "edited on retry"})
    finally:
        other.close()
    assert not third.created and third.comment_id == first.comment_id
    assert count(target, "SELECT COUNT(*) FROM comments") == 1
    assert store.comments_frame(city=CITY)["text"].tolist() == [sanitize_comment(args["text"])]


def test_a_post_the_database_refuses_stores_nothing_and_the_next_goes_through(
        store: Store, target: Target) -> None:
    """A bare comment is one statement on PostgreSQL (no BEGIN, no COMMIT): when the
    database refuses it mid-way (here a trigger), no part of it stays (not the comment, not
    the city's data version, not the poster's activity) and the connection works on."""
    if target.backend == "sqlite":
        target.raw("CREATE TRIGGER refuse BEFORE INSERT ON comments WHEN NEW.body = 'boom' "
                   "BEGIN SELECT RAISE(ABORT, 'refused'); END")
    else:
        target.raw("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "IF NEW.body = 'boom' THEN RAISE EXCEPTION 'refused'; END IF; "
                   "RETURN NEW; END $$")
        target.raw("CREATE TRIGGER refuse BEFORE INSERT ON comments FOR EACH ROW "
                   "EXECUTE FUNCTION refuse()")
    version = store.data_version(city=CITY)
    with pytest.raises(Exception, match="refused"):
        post(store, text="boom")
    assert count(target, "SELECT COUNT(*) FROM comments") == 0
    assert count(target, "SELECT COUNT(*) FROM session_activity") == 0
    assert store.data_version(city=CITY) == version
    assert post(store, text="歩道が狭い").created
    assert count(target, "SELECT COUNT(*) FROM comments") == 1
    assert store.data_version(city=CITY) != version


def test_idempotency_key_of_another_session_conflicts(store: Store) -> None:
    args = comment_args()
    store.post_comment(**args)
    with pytest.raises(IdempotencyConflict):
        store.post_comment(**{**args, "session_id": "someone-else"})


def test_invalid_idempotency_key(store: Store) -> None:
    for key in ["", "a b", "x" * 129, None, 12]:
        with pytest.raises(InvalidInput):
            post(store, idempotency_key=key)


def test_rate_limit_is_per_session(store: Store, target: Target) -> None:
    keys = []
    for i in range(5):
        args = comment_args(now=T0 + timedelta(seconds=i))
        keys.append(args)
        assert store.post_comment(**args).created
    with pytest.raises(RateLimited) as info:
        post(store, now=T0 + timedelta(seconds=10))
    assert "待って" in str(info.value) and "5 comments" in str(info.value)
    assert 49 <= info.value.retry_after <= 51
    # Another session is not affected.
    assert post(store, session_id="session-b", now=T0 + timedelta(seconds=10)).created
    # Retrying an already-stored submission is never rate limited.
    again = store.post_comment(**{**keys[0], "now": T0 + timedelta(seconds=11)})
    assert not again.created
    # Once the window has passed the session may post again.
    assert post(store, now=T0 + timedelta(seconds=61)).created
    assert count(target, "SELECT COUNT(*) FROM comments") == 7


def test_rate_limit_is_configurable(target: Target) -> None:
    strict = target.open(rate_limit=2, rate_window_seconds=10)
    try:
        post(strict, now=T0)
        post(strict, now=T0)
        with pytest.raises(RateLimited):
            post(strict, now=T0 + timedelta(seconds=5))
        assert post(strict, now=T0 + timedelta(seconds=11)).created
    finally:
        strict.close()
    unlimited = target.open(rate_limit=None)
    try:
        for _ in range(12):
            assert post(unlimited, now=T0).created
    finally:
        unlimited.close()


def test_invalid_posts_are_refused_clearly(store: Store, target: Target) -> None:
    with pytest.raises(TextTooLong, match="1000文字以内"):
        post(store, text="あ" * 10_000)
    with pytest.raises(TextEmpty):
        post(store, text=" \u202e ")
    with pytest.raises(TextTooLong, match="ニックネーム"):
        post(store, nickname="n" * 41)
    with pytest.raises(InvalidInput, match="consent"):
        post(store, consent=False)
    with pytest.raises(InvalidInput, match="consent"):
        post(store, consent="yes")
    with pytest.raises(InvalidInput, match="factor"):
        post(store, factor="医療・福祉")
    with pytest.raises(InvalidInput, match="kind"):
        post(store, kind="bad")
    with pytest.raises(InvalidInput, match="city"):
        post(store, city="13101; DROP")
    with pytest.raises(InvalidInput, match="time zone"):
        post(store, now=datetime(2025, 1, 1))
    assert count(target, "SELECT COUNT(*) FROM comments") == 0


def test_factor_list_can_be_passed_in(target: Target) -> None:
    custom = target.open(factors=["walkability"])
    try:
        assert post(custom, factor="walkability").created
        with pytest.raises(InvalidInput):
            post(custom, factor="mobility")
        assert custom.comments_frame(city=CITY)["factor_ja"].tolist() == ["walkability"]
    finally:
        custom.close()


def test_the_24_factors() -> None:
    assert len(FACTORS) == 24
    assert len({f.key for f in FACTORS}) == 24
    groups = [f.group for f in FACTORS]
    assert groups.count("生活環境") == 16
    assert groups.count("地域の人間関係") == 2
    assert groups.count("自分らしい生き方") == 6
    assert [f.ja for f in FACTORS][:2] == ["医療・福祉", "買物・飲食"]
    assert FACTORS[-1].ja == "事業創造"
    assert all(f.en for f in FACTORS)


# -- coordinates are impossible --------------------------------------------------------


@pytest.mark.parametrize(
    "bad_cell",
    [
        35.681236,
        (35.681236, 139.767125),
        [35.681236, 139.767125],
        "35.681236,139.767125",
        "35.681236",
        h3.str_to_int(TEST_CELL),
        h3.latlng_to_cell(TEST_LAT, TEST_LNG, 11),
        h3.latlng_to_cell(TEST_LAT, TEST_LNG, 15),
        None,
        "",
        "zzzz",
        TEST_CELL + " ",
    ],
    ids=repr,
)
def test_raw_coordinates_and_fine_cells_are_refused(
    store: Store, target: Target, bad_cell: object
) -> None:
    with pytest.raises(InvalidCell):
        post(store, cell=bad_cell)
    with pytest.raises(InvalidCell):
        store.similar_nearby(city=CITY, cell=bad_cell, factor="mobility")  # type: ignore[arg-type]
    assert count(target, "SELECT COUNT(*) FROM comments") == 0


def test_api_takes_no_latitude_or_longitude(store: Store) -> None:
    banned = {"lat", "lon", "lng", "latitude", "longitude", "x", "y", "point", "coords"}
    for name in dir(Store):
        if name.startswith("_"):
            continue
        member = getattr(Store, name)
        if callable(member):
            assert banned.isdisjoint(inspect.signature(member).parameters), name
    with pytest.raises(TypeError):
        store.post_comment(**comment_args(), lat=TEST_LAT, lng=TEST_LNG)  # type: ignore[call-arg]


def test_coarser_cells_are_accepted(store: Store) -> None:
    cell7 = h3.cell_to_parent(TEST_CELL, 7)
    assert post(store, cell=cell7).created
    assert post(store, cell=TEST_CELL.upper()).created
    assert store.comments_frame(city=CITY)["cell"].tolist() == [cell7, TEST_CELL]


def _dump_tables(target: Target) -> str:
    parts = []
    for table in ["comments", "plus_ones", "reports", "moderation_audit", "schema_migrations"]:
        parts.append(repr(target.raw(f"SELECT * FROM {table}")))
    return "\n".join(parts)


def test_no_coordinates_or_raw_ids_in_database_or_exports(
    store: Store, target: Target, tmp_path: Path
) -> None:
    first = post(store, nickname="さくら", town_code="131010001")
    post(store, cell=h3.cell_to_parent(TEST_CELL, 8), kind="good", session_id="session-b")
    store.plus_one(comment_id=first.comment_id, session_id="session-c")
    store.report(comment_id=first.comment_id, session_id="session-d", reason="test")
    store.reply(
        parent_id=first.comment_id,
        idempotency_key="r1",
        session_id="session-e",
        text="同感です",
        consent=True,
    )
    # The point's own digits (to ~1 m); the cell's boundary vertices are other numbers.
    lat_texts = {f"{TEST_LAT}", f"{TEST_LAT:.5f}"}
    lng_texts = {f"{TEST_LNG}", f"{TEST_LNG:.5f}"}
    banned_text = lat_texts | lng_texts | {"session-a", "session-b", "session-c", "session-d"}
    exports = [
        store.export_csv(city=CITY).decode("utf-8-sig"),
        json.dumps(store.export_geojson(city=CITY)),
        store.export_decidim(city=CITY).decode("utf-8"),
        store.comments_frame(city=CITY, include_hidden=True).to_csv(),
        _dump_tables(target),
    ]
    for blob in exports:
        for needle in banned_text:
            assert needle not in blob, needle
    if target.backend == "sqlite":
        store.close()
        files = sorted(tmp_path.glob("comments.sqlite3*"))
        assert files
        raw = b"".join(p.read_bytes() for p in files)
        for needle in banned_text:
            assert needle.encode() not in raw, needle
        for value in (TEST_LAT, TEST_LNG):
            assert struct.pack(">d", value) not in raw
            assert struct.pack("<d", value) not in raw
        assert first.edit_token.encode() not in raw


# -- reactions -------------------------------------------------------------------------


def test_plus_one_once_per_session(store: Store, target: Target) -> None:
    cid = post(store).comment_id
    assert store.plus_one(comment_id=cid, session_id="s1") == 1
    assert store.plus_one(comment_id=cid, session_id="s1") == 1
    assert store.plus_one(comment_id=cid, session_id="s2") == 2
    assert store.comments_frame(city=CITY)["plus_ones"].tolist() == [2]
    assert count(target, "SELECT COUNT(*) FROM plus_ones") == 2
    with pytest.raises(CommentNotFound):
        store.plus_one(comment_id=cid + 1000, session_id="s1")
    store.moderate(comment_id=cid, action="hide", moderator="m", reason="test")
    with pytest.raises(InvalidAction):
        store.plus_one(comment_id=cid, session_id="s3")


def test_replies(store: Store, target: Target) -> None:
    parent = post(store, town_code="131010001", factor="childcare", kind="idea")
    reply = store.reply(
        parent_id=parent.comment_id,
        idempotency_key="reply-1",
        session_id="session-b",
        text="賛成です",
        consent=True,
    )
    assert reply.created
    again = store.reply(
        parent_id=parent.comment_id,
        idempotency_key="reply-1",
        session_id="session-b",
        text="賛成です",
        consent=True,
    )
    assert not again.created and again.comment_id == reply.comment_id
    frame = store.comments_frame(city=CITY).set_index("id")
    assert frame.loc[parent.comment_id, "replies"] == 1
    child = frame.loc[reply.comment_id]
    assert child["parent_id"] == parent.comment_id
    assert (child["cell"], child["factor"], child["kind"], child["town_code"]) == (
        TEST_CELL,
        "childcare",
        "idea",
        "131010001",
    )
    # post_comment with parent_id is the same thing.
    direct = post(store, parent_id=parent.comment_id, session_id="session-c", kind="good")
    assert store.comments_frame(city=CITY).set_index("id").loc[parent.comment_id, "replies"] == 2
    # Replies of a hidden comment disappear with it, and it cannot be replied to.
    store.moderate(comment_id=parent.comment_id, action="hide", moderator="m", reason="r")
    assert store.comments_frame(city=CITY).empty
    with pytest.raises(InvalidAction):
        post(store, parent_id=parent.comment_id, session_id="session-d")
    with pytest.raises(CommentNotFound):
        store.reply(parent_id=99_999, idempotency_key="x", session_id="s", text="t", consent=True)
    everything = store.comments_frame(city=CITY, include_hidden=True)
    assert set(everything["id"]) == {parent.comment_id, reply.comment_id, direct.comment_id}
    store.moderate(comment_id=parent.comment_id, action="restore", moderator="m", reason="r")
    assert len(store.comments_frame(city=CITY)) == 3
    with pytest.raises(InvalidInput, match="another city"):
        post(store, parent_id=parent.comment_id, city="27100", session_id="session-e")
    assert count(target, "SELECT COUNT(*) FROM comments") == 3


# -- reports and moderation ------------------------------------------------------------


def test_three_reports_hide_a_comment(store: Store, target: Target) -> None:
    established(store, "r1", "r2", "r3", "r4")
    cid = post(store).comment_id
    first = store.report(comment_id=cid, session_id="r1", reason="spam")
    assert first.recorded and first.reports == 1 and not first.hidden
    repeat = store.report(comment_id=cid, session_id="r1", reason="spam again")
    assert not repeat.recorded and repeat.reports == 1
    assert not store.report(comment_id=cid, session_id="r2", reason="").hidden
    assert len(store.comments_frame(city=CITY)) == 1
    third = store.report(comment_id=cid, session_id="r3", reason="<b>abuse</b>")
    assert third.hidden and third.reports == 3
    assert store.comments_frame(city=CITY).empty
    statuses = store.comments_frame(city=CITY, include_hidden=True)["status"].tolist()
    assert statuses == ["hidden_auto"]
    queue = store.moderation_queue()
    assert [q.comment.id for q in queue] == [cid]
    assert queue[0].reports == 3 and queue[0].comment.status == "hidden_auto"
    assert queue[0].reasons == ("spam", "-", "<b>abuse</b>")  # an empty reason shows as "-"
    audit = store.audit_log()
    assert [a.action for a in audit] == ["auto_hide"]
    assert audit[0].comment_id == cid and audit[0].actor == "system"
    # A fourth report changes nothing and writes no audit row.
    assert store.report(comment_id=cid, session_id="r4", reason="x").hidden
    assert len(store.audit_log()) == 1


def test_report_threshold_is_configurable(target: Target) -> None:
    quick = target.open(report_threshold=1)
    try:
        cid = post(quick).comment_id
        established(quick, "r1")
        assert quick.report(comment_id=cid, session_id="r1", reason="x").hidden
    finally:
        quick.close()


def test_moderator_restore_writes_audit(store: Store) -> None:
    established(store, *(f"r{i}" for i in range(6)))
    cid = post(store).comment_id
    for i in range(3):
        store.report(comment_id=cid, session_id=f"r{i}", reason="spam")
    status = store.moderate(
        comment_id=cid, action="restore", moderator="担当 山田", reason="問題なし", now=T0
    )
    assert status == "visible"
    assert store.comments_frame(city=CITY)["id"].tolist() == [cid]
    audit = store.audit_log(comment_id=cid)
    assert [a.action for a in audit] == ["auto_hide", "restore"]
    restore = audit[1]
    assert (restore.actor, restore.reason) == ("担当 山田", "問題なし")
    assert restore.detail == "hidden_auto -> visible"
    assert restore.created_at == T0
    # The reports are acknowledged: the queue is empty and it takes 3 new reports to hide.
    assert store.moderation_queue() == []
    assert not store.report(comment_id=cid, session_id="r3", reason="again").hidden
    assert [q.pending_reports for q in store.moderation_queue()] == [1]
    assert not store.report(comment_id=cid, session_id="r4", reason="again").hidden
    assert store.report(comment_id=cid, session_id="r5", reason="again").hidden


def test_the_queue_holds_exactly_the_auto_hidden_and_the_unanswered(store: Store) -> None:
    """Worked by hand: of nine comments in two cities the queue of CITY holds the one hidden
    by three reports, the one (and the reply) with a report not yet answered, and the one
    reported again after a moderator restored it; not the quiet one, the one whose report
    was dismissed, the deleted one, the one a moderator hid, nor the other city's."""
    established(store, *(f"r{i}" for i in range(4)))
    posted: list[int] = []

    def reported(n: int, **overrides: Any) -> int:
        cid = int(post(store, session_id=f"poster-{len(posted)}", **overrides).comment_id)
        posted.append(cid)
        for i in range(n):
            store.report(comment_id=cid, session_id=f"r{i}", reason=f"理由{i}")
        return cid

    def act(cid: int, action: str) -> int:
        store.moderate(comment_id=cid, action=action, moderator="m", reason="確認", now=T0)
        return cid

    auto = reported(3)
    pending = reported(1)
    reply = reported(1, parent_id=pending)
    again = act(reported(3), "restore")
    store.report(comment_id=again, session_id="r3", reason="再び")
    reported(0)  # quiet
    act(reported(1), "restore")  # the page's "dismiss": the reports answered, still shown
    act(reported(1), "delete")
    act(reported(1), "hide")
    other = reported(3, city="99999")
    queue = store.moderation_queue(city=CITY)
    assert sorted(q.comment.id for q in queue) == sorted([auto, pending, reply, again])
    assert queue[0].comment.id == auto  # the auto-hidden first
    by_id = {q.comment.id: q for q in queue}
    assert by_id[again].reasons == ("理由0", "理由1", "理由2", "再び")
    assert (by_id[again].reports, by_id[again].pending_reports) == (4, 1)
    assert {q.comment.id for q in store.moderation_queue()} == {auto, pending, reply, again,
                                                                other}


def test_a_timestamp_is_read_as_it_was_written_and_other_shapes_are_refused() -> None:
    """The backend's text timestamps read back as the same aware UTC time; any other text
    is refused as before (a shape the fast path would also take is not enough)."""
    at = datetime(2026, 11, 30, 3, 4, 5, 678901, tzinfo=UTC)
    written = at.strftime(SQLITE_TS_FORMAT)
    assert as_datetime(written) == at and as_datetime(written).tzinfo is not None
    for bad in ("2026-11-30 03:04:05.678901Z", "2026-11-30T03:04:05.6789012",
                "2026-11-30T03:04:05+09:00", "xxxxxxxxxxxxxxxxxxxxxxxxxxZ"):
        with pytest.raises(ValueError):
            as_datetime(bad)


def test_moderation_actions_each_write_one_audit_row(store: Store, target: Target) -> None:
    cid = post(store, nickname="太郎").comment_id
    assert store.moderate(comment_id=cid, action="hide", moderator="m1", reason="r1") == "hidden"
    assert len(store.audit_log()) == 1
    assert store.comments_frame(city=CITY).empty
    assert store.moderate(comment_id=cid, action="restore", moderator="m2", reason="r2") == (
        "visible"
    )
    assert store.moderate(comment_id=cid, action="delete", moderator="m3", reason="r3") == (
        "deleted"
    )
    audit = store.audit_log()
    assert [a.action for a in audit] == ["hide", "restore", "delete"]
    assert [a.actor for a in audit] == ["m1", "m2", "m3"]
    assert [a.action for a in store.audit_log(limit=2)] == ["restore", "delete"]
    assert target.raw("SELECT body, nickname, status FROM comments") == [("", None, "deleted")]
    with pytest.raises(InvalidAction):
        store.moderate(comment_id=cid, action="restore", moderator="m", reason="r")
    with pytest.raises(InvalidInput):
        store.moderate(comment_id=cid, action="purge", moderator="m", reason="r")  # type: ignore[arg-type]
    with pytest.raises(TextEmpty):
        store.moderate(comment_id=cid, action="hide", moderator="m", reason="  ")
    with pytest.raises(CommentNotFound):
        store.moderate(comment_id=cid + 1, action="hide", moderator="m", reason="r")
    assert len(store.audit_log()) == 3


def test_audit_rows_cannot_be_changed(store: Store, target: Target) -> None:
    cid = post(store).comment_id
    store.moderate(comment_id=cid, action="hide", moderator="m", reason="why")
    errors: tuple[type[BaseException], ...] = (sqlite3.DatabaseError,)
    if target.backend == "postgres":
        import psycopg

        errors = (psycopg.Error,)
    with pytest.raises(errors, match="append-only"):
        target.raw("UPDATE moderation_audit SET reason = 'rewritten'")
    with pytest.raises(errors, match="append-only"):
        target.raw("DELETE FROM moderation_audit")
    if target.backend == "postgres":
        with pytest.raises(errors, match="append-only"):
            target.raw("TRUNCATE moderation_audit")
    assert target.raw("SELECT reason FROM moderation_audit") == [("why",)]
    # The store offers no way to change the audit either.
    assert [m for m in dir(store) if "audit" in m and not m.startswith("_")] == ["audit_log"]


def test_delete_by_token(store: Store, target: Target) -> None:
    mine = post(store, nickname="さくら")
    other = post(store, session_id="session-b")
    with pytest.raises(TokenMismatch):
        store.delete_by_token(comment_id=mine.comment_id, token="wrong")
    with pytest.raises(TokenMismatch):
        store.delete_by_token(comment_id=mine.comment_id, token=other.edit_token)
    with pytest.raises(TokenMismatch):
        store.delete_by_token(comment_id=mine.comment_id, token=None)  # type: ignore[arg-type]
    assert len(store.comments_frame(city=CITY)) == 2
    assert store.audit_log() == []
    assert store.delete_by_token(comment_id=mine.comment_id, token=mine.edit_token)
    assert store.comments_frame(city=CITY)["id"].tolist() == [other.comment_id]
    body = target.raw(
        "SELECT body, nickname, status FROM comments WHERE id = ?", (mine.comment_id,)
    )
    assert body == [("", None, "deleted")]
    audit = store.audit_log()
    assert [a.action for a in audit] == ["delete_by_token"]
    assert audit[0].comment_id == mine.comment_id
    assert not store.delete_by_token(comment_id=mine.comment_id, token=mine.edit_token)
    assert len(store.audit_log()) == 1
    with pytest.raises(CommentNotFound):
        store.delete_by_token(comment_id=12345, token="x")


# -- retention -------------------------------------------------------------------------


def test_purge_removes_expired_rows_and_their_children(store: Store, target: Target) -> None:
    now = T0
    old = post(store, now=now - timedelta(days=400), session_id="old")
    keep = post(store, now=now - timedelta(days=10), session_id="new")
    store.plus_one(comment_id=old.comment_id, session_id="p1", now=now - timedelta(days=399))
    store.plus_one(comment_id=keep.comment_id, session_id="p1", now=now - timedelta(days=9))
    store.report(comment_id=old.comment_id, session_id="q1", reason="x")
    store.report(comment_id=keep.comment_id, session_id="q1", reason="y")
    late_reply = store.reply(
        parent_id=old.comment_id,
        idempotency_key="late-reply",
        session_id="replier",
        text="返信",
        consent=True,
        now=now - timedelta(days=5),
    )
    store.moderate(comment_id=old.comment_id, action="hide", moderator="m", reason="r")

    assert store.purge_expired(retention_days=365, now=now) == 2
    remaining = target.raw("SELECT id FROM comments")
    assert remaining == [(keep.comment_id,)]
    assert target.raw("SELECT comment_id FROM plus_ones") == [(keep.comment_id,)]
    assert target.raw("SELECT comment_id FROM reports") == [(keep.comment_id,)]
    assert late_reply.comment_id not in {r[0] for r in remaining}
    audit = store.audit_log()
    assert [a.action for a in audit] == ["hide", "purge"]  # the hide row is kept
    purge_row = audit[-1]
    assert purge_row.comment_id is None and "2 comments" in (purge_row.detail or "")
    assert store.purge_expired(retention_days=365, now=now) == 0
    assert [a.action for a in store.audit_log()] == ["hide", "purge", "purge"]
    assert target.open().integrity_check()
    with pytest.raises(InvalidInput):
        store.purge_expired(retention_days=0)


# -- reading ---------------------------------------------------------------------------


def _four_statuses(store: Store) -> dict[str, int]:
    ids = {}
    ids["visible"] = post(store, text="見える", session_id="a").comment_id
    ids["hidden"] = post(store, text="隠した", session_id="b").comment_id
    ids["hidden_auto"] = post(store, text="自動で隠れた", session_id="c").comment_id
    deleted = post(store, text="消した", session_id="d")
    ids["deleted"] = deleted.comment_id
    store.moderate(comment_id=ids["hidden"], action="hide", moderator="m", reason="r")
    established(store, "r0", "r1", "r2")
    for i in range(3):
        store.report(comment_id=ids["hidden_auto"], session_id=f"r{i}", reason="x")
    store.delete_by_token(comment_id=deleted.comment_id, token=deleted.edit_token)
    return ids


def test_hidden_comments_are_absent_everywhere(store: Store) -> None:
    ids = _four_statuses(store)
    secret = ["隠した", "自動で隠れた", "消した"]
    listed = store.comments_frame(city=CITY)
    assert listed["id"].tolist() == [ids["visible"]]
    summary = store.cell_summary(city=CITY)
    assert [c.count for c in summary] == [1]
    assert [c.count for c in store.cell_summary(city=CITY, include_replies=True)] == [1]
    near = store.similar_nearby(city=CITY, cell=TEST_CELL, factor="mobility")
    assert [c.id for c in near] == [ids["visible"]]
    page = store.comment_page(city=CITY)
    assert [c.id for c in page.items] == [ids["visible"]] and page.total == 1
    exports = [
        store.export_csv(city=CITY).decode("utf-8-sig"),
        json.dumps(store.export_geojson(city=CITY), ensure_ascii=False),
        store.export_decidim(city=CITY).decode(),
    ]
    for blob in exports:
        assert "見える" in blob
        for text in secret:
            assert text not in blob
    assert len(store.export_geojson(city=CITY)["features"]) == 1
    everything = store.comments_frame(city=CITY, include_hidden=True)
    assert dict(zip(everything["id"], everything["status"], strict=True)) == {
        v: k for k, v in ids.items()
    }


def test_list_filters(store: Store) -> None:
    a = post(store, factor="health", kind="good", town_code="t1", now=T0).comment_id
    b = post(store, factor="health", kind="idea", town_code="t2", now=T0 + timedelta(hours=1))
    far = h3.latlng_to_cell(34.7025, 135.4959, 10)  # Osaka
    c = post(store, cell=far, now=T0 + timedelta(hours=2), session_id="x").comment_id
    post(store, city="27100", session_id="y")
    assert len(store.comments_frame(city=CITY)) == 3
    assert store.comments_frame(city=CITY, factor="health")["id"].tolist() == [a, b.comment_id]
    assert store.comments_frame(city=CITY, kind="idea")["id"].tolist() == [b.comment_id]
    assert store.comments_frame(city=CITY, town_code="t1")["id"].tolist() == [a]
    window = store.comments_frame(
        city=CITY, since=T0 + timedelta(minutes=30), until=T0 + timedelta(hours=2)
    )
    assert window["id"].tolist() == [b.comment_id]
    by_parent = store.comments_frame(city=CITY, cells=[h3.cell_to_parent(far, 6)])
    assert by_parent["id"].tolist() == [c]
    assert store.comments_frame(city=CITY, cells=[TEST_CELL])["id"].tolist() == [a, b.comment_id]
    assert store.comments_frame(city=CITY, cells=[]).empty
    assert store.comments_frame(city="99999").empty
    with pytest.raises(InvalidCell):
        store.comments_frame(city=CITY, cells=[35.6])  # type: ignore[list-item]


def test_cell_summary_counts_and_coarsens(store: Store) -> None:
    neighbour = h3.grid_ring(TEST_CELL, 1)[0]
    coarse7 = h3.cell_to_parent(TEST_CELL, 7)
    plan = [
        (TEST_CELL, "concern"),
        (TEST_CELL, "concern"),
        (TEST_CELL, "good"),
        (neighbour, "idea"),
        (coarse7, "good"),
    ]
    ids = []
    for i, (cell, kind) in enumerate(plan):
        ids.append(post(store, cell=cell, kind=kind, session_id=f"s{i}").comment_id)
    store.plus_one(comment_id=ids[0], session_id="p")
    post(store, factor="health", session_id="other")
    fine = {c.cell: c for c in store.cell_summary(city=CITY, factor="mobility")}
    here = fine[TEST_CELL]
    assert [here.count, here.good, here.concern, here.idea] == [3, 1, 2, 0]
    assert here.dominant_kind == "concern"
    assert here.plus_ones == 1
    assert fine[neighbour].dominant_kind == "idea"
    assert fine[coarse7].resolution == 7
    assert sum(c.count for c in store.cell_summary(city=CITY)) == 6
    parent8 = h3.cell_to_parent(TEST_CELL, 8)
    for res in (8, 9):  # the stored parent columns (res 7-9) and the fallback agree
        coarse = {c.cell: c for c in store.cell_summary(city=CITY, factor="mobility",
                                                        resolution=res)}
        assert coarse[coarse7].count == 1  # coarser cells stay as they are
        assert sum(c.count for c in coarse.values()) == 5
        assert {c.resolution for c in coarse.values()} <= {7, res}
    coarse = {c.cell: c for c in store.cell_summary(city=CITY, factor="mobility", resolution=8)}
    if h3.cell_to_parent(neighbour, 8) == parent8:
        assert coarse[parent8].count == 4
    tie = store.cell_summary(city=CITY, factor="mobility", resolution=5)
    assert [c.count for c in tie] == [5]
    assert [c.dominant_kind for c in tie] == ["concern"]  # 2 concern vs 2 good: concern wins
    assert store.cell_summary(city="99999") == []
    with pytest.raises(InvalidInput):
        store.cell_summary(city=CITY, resolution=16)


def test_similar_nearby(store: Store) -> None:
    by_distance = {}
    for d in range(4):
        cell = TEST_CELL if d == 0 else h3.grid_ring(TEST_CELL, d)[0]
        by_distance[d] = post(store, cell=cell, session_id=f"s{d}").comment_id
    post(store, factor="health", session_id="other-factor")
    post(store, city="27100", session_id="other-city")
    store.reply(
        parent_id=by_distance[0], idempotency_key="rep", session_id="r", text="t", consent=True
    )
    store.plus_one(comment_id=by_distance[1], session_id="fan")
    near = store.similar_nearby(city=CITY, cell=TEST_CELL, factor="mobility", k=2)
    assert [c.id for c in near] == [by_distance[0], by_distance[1], by_distance[2]]
    assert [h3.grid_distance(TEST_CELL, c.cell) for c in near] == [0, 1, 2]
    assert near[1].plus_ones == 1 and near[0].replies == 1
    only_here = store.similar_nearby(city=CITY, cell=TEST_CELL, factor="mobility", k=0)
    assert [c.id for c in only_here] == [by_distance[0]]
    # A coarse query cell finds the fine comments inside its disk.
    parent6 = h3.cell_to_parent(TEST_CELL, 6)
    coarse = store.similar_nearby(city=CITY, cell=parent6, factor="mobility", k=1)
    assert {c.id for c in coarse} == set(by_distance.values())
    inside = store.similar_nearby(city=CITY, cell=parent6, factor="mobility", k=0)
    assert by_distance[0] in {c.id for c in inside}
    assert all(h3.cell_to_parent(c.cell, 6) == parent6 for c in inside)
    # A query cell finer than the pins (res 10) still finds the comment on its res-10 cell.
    assert by_distance[0] in {c.id for c in store.similar_nearby(
        city=CITY, cell=TEST_CELL, factor="mobility", k=0)}
    # A comment pinned on a coarse cell (res 6) is near the cells around its centre child,
    # whatever the resolution of the query cell (one indexed read finds it).
    coarse_pin = post(store, cell=parent6, session_id="coarse").comment_id
    centre = h3.cell_to_center_child(parent6, 10)
    for r in (10, 9, 8, 7):
        query = h3.cell_to_parent(centre, r)
        assert coarse_pin in {c.id for c in store.similar_nearby(
            city=CITY, cell=query, factor="mobility", k=0)}, r
    far = h3.grid_ring(h3.cell_to_parent(centre, 9), 3)[0]
    assert coarse_pin not in {c.id for c in store.similar_nearby(
        city=CITY, cell=far, factor="mobility", k=1)}


# -- exports ---------------------------------------------------------------------------


def test_export_formats(store: Store) -> None:
    long_text = "長い" * 100 + "\n二行目"
    first = post(store, text=long_text, town_code="131010001", nickname="花子")
    post(store, text="=1+1 は数式ではない", kind="idea", session_id="b", factor="health")
    rows = csv_rows(store.export_csv(city=CITY))
    assert store.export_csv(city=CITY).startswith(b"\xef\xbb\xbf")
    assert list(rows[0]) == [
        "id", "parent_id", "created_at", "city", "cell", "resolution", "town_code", "factor",
        "factor_ja", "kind", "text", "nickname", "plus_ones", "replies", "scenario_id",
        "photo", "shape", "shape_cells", *PROPOSAL_COLUMNS,
    ]  # fmt: skip
    assert rows[0]["text"] == long_text and rows[0]["nickname"] == "花子"
    assert rows[0]["id"] == str(first.comment_id) and rows[0]["cell"] == TEST_CELL
    assert rows[0]["created_at"].endswith("Z")
    assert rows[1]["text"] == "'=1+1 は数式ではない"

    geo = store.export_geojson(city=CITY)
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 2
    feature = geo["features"][0]
    assert feature["geometry"]["type"] == "Polygon"
    ring = feature["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 7
    lng, lat = h3.cell_to_latlng(TEST_CELL)[::-1]
    assert all(abs(x - lng) < 0.01 and abs(y - lat) < 0.01 for x, y in ring)
    assert feature["properties"]["text"] == long_text
    assert feature["properties"]["cell"] == TEST_CELL
    json.dumps(geo, allow_nan=False)

    decidim = csv_rows(
        store.export_decidim(
            city=CITY, category_ids={"mobility": 7}, scope_ids={"131010001": 3, CITY: 1}
        ),
        delimiter=";",
    )
    assert list(decidim[0]) == ["title/ja", "body/ja", "category/id", "scope/id"]
    assert decidim[0]["title/ja"] == ("長い" * 100)[:60]
    assert decidim[0]["body/ja"].startswith(long_text)
    assert "移動・交通" in decidim[0]["body/ja"]
    assert (decidim[0]["category/id"], decidim[0]["scope/id"]) == ("7", "3")
    assert (decidim[1]["category/id"], decidim[1]["scope/id"]) == ("", "1")
    assert decidim[1]["title/ja"] == "'=1+1 は数式ではない"
    assert not store.export_decidim(city=CITY).startswith(b"\xef\xbb\xbf")


@pytest.fixture
def hostile_posted(store: Store) -> dict[str, int]:
    ids = {}
    for i, case in enumerate(ACCEPTED):
        result = post(store, text=case.text, nickname=case.text[:40], session_id=f"h{i}")
        ids[case.name] = result.comment_id
    return ids


def test_hostile_strings_are_stored_as_inert_text(
    store: Store, target: Target, hostile_posted: dict[str, int]
) -> None:
    listed = store.comments_frame(city=CITY).set_index("id")
    csv_by_id = {int(r["id"]): r for r in csv_rows(store.export_csv(city=CITY))}
    geo_by_id = {f["id"]: f["properties"] for f in store.export_geojson(city=CITY)["features"]}
    decidim = csv_rows(store.export_decidim(city=CITY), delimiter=";")
    decidim_bodies = {r["body/ja"] for r in decidim}
    assert len(decidim) == len(ACCEPTED)
    for case in ACCEPTED:
        cid = hostile_posted[case.name]
        expected = sanitize_comment(case.text)
        assert listed.loc[cid, "text"] == expected, case.name
        assert geo_by_id[cid]["text"] == expected, case.name
        assert csv_by_id[cid]["text"] == escape_for_csv_cell(expected), case.name
        assert any(b.startswith(escape_for_csv_cell(expected)) for b in decidim_bodies)
        for ch in "\x00\u202e\u202d\u2066\u2069\x1b":
            assert ch not in listed.loc[cid, "text"]
        html_safe = escape_for_html(listed.loc[cid, "text"])
        assert "<" not in html_safe and ">" not in html_safe
        tooltip = escape_for_deck_tooltip(listed.loc[cid, "text"])
        assert "{" not in tooltip and "}" not in tooltip and "<" not in tooltip
    # SQL injection did nothing: every table is still there.
    assert count(target, "SELECT COUNT(*) FROM comments") == len(ACCEPTED)
    assert store.integrity_check()


@pytest.mark.parametrize("case", REFUSED, ids=lambda h: h.name)
def test_hostile_strings_refused_with_clear_message(
    store: Store, target: Target, case: Any
) -> None:
    expected = TextTooLong if case.outcome == "too_long" else TextEmpty
    with pytest.raises(expected) as info:
        post(store, text=case.text)
    if case.outcome == "too_long":
        assert "1000文字以内" in str(info.value) and "1,000 characters" in str(info.value)
    assert count(target, "SELECT COUNT(*) FROM comments") == 0


# -- schema ----------------------------------------------------------------------------


def test_the_rate_windows_are_those_migration_13_holds() -> None:
    """PostgreSQL's one-statement post (migration 13) holds a copy of both rate-limit queries,
    compiled into its function when a database is migrated: a change to either here would
    leave migrated databases on the old rule. Such a change needs a migration that replaces
    the function; then this test changes with it."""
    assert SESSION_WINDOW == (
        "SELECT created_at FROM comments WHERE session_hash = ? AND created_at > ? "
        "AND created_at <= ? ORDER BY created_at LIMIT ?")
    assert CITY_WINDOW == (
        "SELECT created_at FROM comments WHERE city = ? "
        "AND status IN ('visible', 'hidden_auto', 'hidden', 'deleted') "
        "AND created_at > ? AND created_at <= ? ORDER BY created_at DESC LIMIT ?")


def test_migrations_reopen_idempotently(store: Store, target: Target) -> None:
    assert store.migrations_applied == [m.version for m in MIGRATIONS]
    cid = post(store).comment_id
    for _ in range(2):
        again = target.open()
        try:
            assert again.migrations_applied == []
            assert again.comments_frame(city=CITY)["id"].tolist() == [cid]
        finally:
            again.close()
    assert target.raw("SELECT version FROM schema_migrations ORDER BY version") == [
        (m.version,) for m in MIGRATIONS]
    target.raw(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        (999, "from the future", "2099-01-01T00:00:00.000000Z"),
    )
    with pytest.raises(SchemaTooNew):
        target.open()


def test_integrity_check(store: Store) -> None:
    post(store)
    assert store.integrity_check() is True


# -- SQLite specifics ------------------------------------------------------------------


def test_sqlite_file_location_and_pragmas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIORAMA_DATABASE_URL", raising=False)
    monkeypatch.setenv("DIORAMA_DATA_DIR", str(tmp_path / "from-env"))
    with open_store() as s:
        assert s.path == tmp_path / "from-env" / "comments.sqlite3"
        assert s.dialect == "sqlite"
    assert (tmp_path / "from-env" / "comments.sqlite3").exists()
    with open_store(data_dir=tmp_path / "param") as s:
        assert s.path == tmp_path / "param" / "comments.sqlite3"
    with open_store(tmp_path / "param") as s:  # a folder
        assert s.path == tmp_path / "param" / "comments.sqlite3"
    with open_store(f"sqlite:///{tmp_path}/url.sqlite3") as s:
        assert s.path == tmp_path / "url.sqlite3"
    monkeypatch.delenv("DIORAMA_DATA_DIR")
    monkeypatch.chdir(tmp_path)
    with open_store() as s:
        assert s.path is not None and s.path.resolve() == tmp_path / "var" / "comments.sqlite3"
    conn = sqlite3.connect(tmp_path / "var" / "comments.sqlite3")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        triggers = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
        assert triggers == {"moderation_audit_no_update", "moderation_audit_no_delete",
                            *(f"comment_cells_{event}" for event in
                              ("insert", "update_old", "update_new", "delete")),
                            "comment_photos_on_delete", "comment_proposals_on_delete",
                            "comment_shape_cells_on_delete"}
    finally:
        conn.close()


def test_sqlite_enforces_foreign_keys(tmp_path: Path) -> None:
    with open_store(tmp_path) as s:
        cid = s.post_comment(**comment_args()).comment_id
        s.plus_one(comment_id=cid, session_id="p")
        s.purge_expired(retention_days=1, now=datetime.now(UTC) + timedelta(days=2))
        assert s.integrity_check()
    conn = sqlite3.connect(tmp_path / "comments.sqlite3")
    try:
        assert conn.execute("SELECT COUNT(*) FROM plus_ones").fetchone() == (0,)
    finally:
        conn.close()


# -- typed records, paging in SQL, data versions ------------------------------------------


def test_records_carry_none_never_nan(store: Store) -> None:
    """A city with a nicknamed and an anonymous comment and a reply: the records the pages
    get hold ``None`` for what is missing (a pandas frame turned it into a float NaN, which
    took the comments page down for every visitor)."""
    named = post(store, nickname="さくら", session_id="a", now=T0).comment_id
    anon = post(store, session_id="b", now=T0 + timedelta(minutes=1)).comment_id
    rep = store.reply(parent_id=anon, idempotency_key="r1", session_id="c", text="同感です",
                      consent=True, now=T0 + timedelta(minutes=2)).comment_id
    by_id = {c.id: c for c in store.list_comments(city=CITY)}
    assert by_id[named].nickname == "さくら"
    assert by_id[anon].nickname is None and by_id[anon].parent_id is None
    assert by_id[anon].town_code is None and by_id[anon].scenario_id is None
    assert by_id[rep].parent_id == anon and by_id[rep].nickname is None
    assert by_id[anon].replies == 1 and by_id[named].replies == 0
    assert all(isinstance(c.created_at, datetime) and c.created_at.tzinfo for c in by_id.values())
    assert by_id[named].factor_ja == "移動・交通"


def test_comment_page_pages_and_filters_in_sql(store: Store) -> None:
    ids = [post(store, session_id=f"s{i}", kind="idea" if i % 3 == 0 else "good",
                now=T0 + timedelta(minutes=i)).comment_id for i in range(45)]
    store.reply(parent_id=ids[-1], idempotency_key="rep-last", session_id="r", text="返信",
                consent=True, now=T0 + timedelta(hours=2))
    store.moderate(comment_id=ids[-2], action="hide", moderator="m", reason="r")
    first = store.comment_page(city=CITY, limit=20)
    assert first.total == 44 and first.pages == 3
    assert [c.id for c in first.items] == [ids[-1], *ids[-3:-22:-1]]  # newest first
    assert [c.text for c in first.replies[ids[-1]]] == ["返信"]
    last = store.comment_page(city=CITY, limit=20, offset=40)
    assert [c.id for c in last.items] == ids[3::-1]
    ideas = store.comment_page(city=CITY, kind="idea", limit=200)
    assert ideas.total == 15 and {c.kind for c in ideas.items} == {"idea"}
    assert store.comment_page(city="99999").total == 0
    with pytest.raises(InvalidInput):
        store.comment_page(city=CITY, limit=0)
    with pytest.raises(InvalidInput):
        store.comment_page(city=CITY, offset=-1)


def test_scenario_and_cell_filters(store: Store) -> None:
    plan_a, plan_b = scenario(store, "A"), scenario(store, "B")
    a = post(store, scenario_id=plan_a, session_id="a").comment_id
    post(store, scenario_id=plan_b, session_id="b")
    post(store, session_id="c")
    assert [c.id for c in store.list_comments(city=CITY, scenario_id=plan_a)] == [a]
    parent9 = h3.cell_to_parent(TEST_CELL, 9)
    assert len(store.list_comments(city=CITY, cells=[parent9])) == 3
    assert store.comment_page(city=CITY, cells=[parent9], scenario_id=plan_a).total == 1


def test_cell_filters_take_any_iterable(store: Store) -> None:
    """A generator of cells coarser than the parent columns (filtered in Python) was used up
    by the SQL filter before the Python one, so nothing matched."""
    post(store)
    coarse = h3.cell_to_parent(TEST_CELL, 6)
    assert len(store.list_comments(city=CITY, cells=(c for c in [coarse]))) == 1
    assert store.comment_page(city=CITY, cells=iter([coarse])).total == 1


def test_data_version_moves_with_every_public_change(store: Store) -> None:
    assert store.data_version(city=CITY) == 0
    seen = [0]

    def moved() -> bool:
        now = store.data_version(city=CITY)
        changed = now != seen[-1]
        seen.append(now)
        return changed

    cid = post(store, session_id="a").comment_id
    assert moved()
    store.plus_one(comment_id=cid, session_id="p")
    assert moved()
    store.plus_one(comment_id=cid, session_id="p")  # a repeated +1 changes nothing
    assert not moved()
    store.report(comment_id=cid, session_id="r1", reason="x")  # not hidden: nothing public
    assert not moved()
    store.moderate(comment_id=cid, action="hide", moderator="m", reason="r")
    assert moved()
    other = post(store, session_id="b")
    assert moved()
    store.delete_by_token(comment_id=other.comment_id, token=other.edit_token)
    assert moved()
    assert store.data_version(city="27100") == 0  # another city is untouched
    store.purge_expired(retention_days=1, now=T0 + timedelta(days=1000))
    assert moved()


def test_migration_3_backfills_parent_cells_and_counts(target: Target) -> None:
    """A database written by the version-2 schema gets its parent cells, +1 counters and
    data versions filled in, so its old comments show on the map and in the list."""
    from geo.participation.store.backends import apply_migrations

    old = target.open()
    cid = post(old, session_id="a").comment_id
    old.plus_one(comment_id=cid, session_id="p")
    # version 7's per-cell counts are kept by triggers that read version 3's columns, and
    # moved through version 17's table (PostgreSQL; empty on SQLite)
    target.raw("DROP TABLE comment_cell_moves")
    if target.backend == "sqlite":
        for name in ("insert", "update_old", "update_new", "delete"):
            target.raw(f"DROP TRIGGER comment_cells_{name}")
    else:
        target.raw("DROP TRIGGER comment_cells_sync ON comments")
        target.raw("DROP FUNCTION comment_cells_sync(), comment_cells_move(comments, integer)")
        target.raw("DROP FUNCTION comment_cells_fold_now(), comment_cells_fold()")
    target.raw("DROP TABLE comment_cells")
    target.raw("DROP TABLE comment_city_cells")  # version 16's, filled from version 7's
    # forget what version 3 wrote, as a database from before it would look
    target.raw("UPDATE comments SET cell7 = NULL, cell8 = NULL, cell9 = NULL, plus_count = 0")
    target.raw("DELETE FROM data_versions")
    target.raw("DELETE FROM schema_migrations WHERE version IN (3, 5, 7, 9, 16, 17, 18)")
    target.raw("DROP INDEX IF EXISTS comments_city_factor_cell9")  # version 9's, on cell9
    target.raw("DROP INDEX IF EXISTS comments_city_factor_kind_top")
    # version 5's indexes name the columns version 3 added
    for r in (7, 8, 9):
        target.raw(f"DROP INDEX IF EXISTS comments_city_cell{r}")
        target.raw(f"DROP INDEX IF EXISTS comments_summary_cell{r}")
        target.raw(f"DROP INDEX IF EXISTS comments_summary_all_cell{r}")
    for col in ("factor", "kind", "town_code"):
        target.raw(f"DROP INDEX IF EXISTS comments_city_{col}_top")
    target.raw("DROP INDEX IF EXISTS comments_parent")
    target.raw("CREATE INDEX comments_parent ON comments (parent_id)")
    target.raw("DROP INDEX IF EXISTS comments_city_top")
    for column in ("cell7", "cell8", "cell9", "plus_count"):
        target.raw(f"ALTER TABLE comments DROP COLUMN {column}")
    target.raw("DROP TABLE data_versions")
    assert apply_migrations(old.backend) == [3, 5, 7, 9, 16, 17, 18]
    assert [c.cell for c in old.cell_summary(city=CITY, resolution=9)] == [
        h3.cell_to_parent(TEST_CELL, 9)]
    assert old.list_comments(city=CITY)[0].plus_ones == 1
    assert old.data_version(city=CITY) >= 1
    old.close()


def test_cell_summary_in_sql_and_folded_in_python_agree(store: Store) -> None:
    """At the resolutions the database keeps counts for (7-9) the summary is added up,
    ordered and given its dominant kind in SQL; elsewhere Python folds finer cells. Both
    break ties alike (concern, then idea, then good; then by cell id) and order alike."""
    ring = h3.grid_ring(TEST_CELL, 2)
    cells = sorted({h3.cell_to_parent(c, 10) for c in ring})[:4]
    plan = {cells[0]: ["good", "idea"], cells[1]: ["good", "concern", "idea"],
            cells[2]: ["good", "good", "idea", "idea"], cells[3]: ["idea"]}
    n = 0
    for cell, kinds in plan.items():
        for kind in kinds:
            post(store, cell=cell, kind=kind, session_id=f"s{n}")
            n += 1
    # at res 10 (folded in Python) and at res 9 through its parents (SQL), the same verdicts
    by_python = store.cell_summary(city=CITY, resolution=10)
    assert [(c.cell, c.count, c.dominant_kind) for c in by_python] == sorted(
        [(cells[0], 2, "idea"), (cells[1], 3, "concern"), (cells[2], 4, "idea"),
         (cells[3], 1, "idea")], key=lambda r: (-r[1], r[0]))
    by_sql = store.cell_summary(city=CITY, resolution=9)
    folded: dict[str, list[str]] = {}
    for cell, kinds in plan.items():
        folded.setdefault(h3.cell_to_parent(cell, 9), []).extend(kinds)
    expected = []
    for cell, kinds in folded.items():
        top = max(kinds.count(k) for k in ("good", "concern", "idea"))
        dominant = next(k for k in ("concern", "idea", "good") if kinds.count(k) == top)
        expected.append((cell, len(kinds), dominant))
    assert [(c.cell, c.count, c.dominant_kind) for c in by_sql] == sorted(
        expected, key=lambda r: (-r[1], r[0]))


def test_migration_14_keeps_the_map_counts_and_their_triggers(
        target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database from before version 14 upgrades (SQLite copies the per-cell counts into a
    table stored in key order and puts its triggers back): the map's counts are the same,
    and they move on with the next post and +1."""

    schema_before(monkeypatch, 14)
    with target.open() as old:
        for i, kind in enumerate(["good", "concern", "concern", "idea"]):
            post(old, session_id=f"s{i}", kind=kind)
        # a factor's counts, made from the comments themselves (no replies here; the
        # counts the database keeps are read through version 17's table of moves)
        before = old.cell_summary(city=CITY, resolution=9, factor="mobility",
                                  include_replies=True)
    monkeypatch.undo()
    with target.open() as s:
        assert 14 in s.migrations_applied
        assert s.cell_summary(city=CITY, resolution=9, factor="mobility") == before
        assert s.cell_summary(city=CITY, resolution=9) == before  # version 16's, the same
        third = post(s, session_id="s9", kind="idea").comment_id
        s.plus_one(comment_id=third, session_id="fan")
        [after] = s.cell_summary(city=CITY, resolution=9, factor="mobility")
        assert s.cell_summary(city=CITY, resolution=9) == [after]
        assert (after.count, after.idea, after.plus_ones) == (before[0].count + 1, 2, 1)
    if target.backend == "sqlite":
        [(ddl,)] = target.raw("SELECT sql FROM sqlite_master WHERE name = 'comment_cells'")
        assert ddl.rstrip().endswith("WITHOUT ROWID")
        assert len(target.raw("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                              "AND name LIKE 'comment_cells_%'")) == 4


def test_migration_16_keeps_the_whole_city_counts_in_their_own_table(
        target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database from before version 16 upgrades: the whole city's per-cell counts move to a
    table of their own (kinds side by side) and equal a count made from the comments
    themselves, at every summary resolution and as the list's total; they move on with a
    post, a +1, a hidden comment and a deleted one, and the factors' counts stay."""
    from geo.participation.store import migrations

    schema_before(monkeypatch, 16)
    neighbour = h3.grid_ring(TEST_CELL, 1)[0]
    with target.open(rate_limit=None) as old:
        made = [post(old, cell=cell, kind=kind, factor=factor, session_id=f"s{i}").comment_id
                for i, (cell, kind, factor) in enumerate([
                    (TEST_CELL, "concern", "mobility"), (TEST_CELL, "good", "health"),
                    (neighbour, "idea", "mobility"), (neighbour, "idea", "housing")])]
        old.plus_one(comment_id=made[2], session_id="fan")
    monkeypatch.undo()

    def from_comments(s: Store, resolution: int) -> list[tuple[str, int, str, int]]:
        return [(c.cell, c.count, c.dominant_kind, c.plus_ones)
                for c in s.cell_summary(city=CITY, resolution=resolution, include_replies=False,
                                        factor=None)]

    def scanned(s: Store, resolution: int) -> list[tuple[str, int, str, int]]:
        # a resolution the database keeps no counts for, folded to this one (Python)
        folded: dict[str, list[int]] = {}
        for c in s.cell_summary(city=CITY, resolution=10):
            slot = folded.setdefault(h3.cell_to_parent(c.cell, resolution), [0, 0, 0, 0])
            for i, n in enumerate((c.good, c.concern, c.idea, c.plus_ones)):
                slot[i] += n
        out = []
        for cell, (good, concern, idea, plus) in folded.items():
            top = max(good, concern, idea)
            kind = "concern" if concern == top else "idea" if idea == top else "good"
            out.append((cell, good + concern + idea, kind, plus))
        return sorted(out, key=lambda r: (-r[1], r[0]))

    with target.open(rate_limit=None) as s:
        assert 16 in s.migrations_applied
        for step in range(4):
            for r in migrations.SUMMARY_RESOLUTIONS:
                assert from_comments(s, r) == scanned(s, r), (step, r)
            assert s.comment_page(city=CITY).total == len(s.list_comments(city=CITY,
                                                                           top_level=True))
            assert s.comment_page(city=CITY, kind="idea").total == len(
                s.list_comments(city=CITY, top_level=True, kind="idea"))
            [mobility] = [c for c in s.cell_summary(city=CITY, resolution=9, factor="mobility")
                          if c.cell == h3.cell_to_parent(TEST_CELL, 9)] or [None]
            if step == 0:
                assert mobility is not None and mobility.concern == 1
                post(s, cell=neighbour, kind="concern", session_id="later")
            elif step == 1:
                s.plus_one(comment_id=made[0], session_id="fan")
            elif step == 2:
                s.moderate(comment_id=made[2], action="hide", moderator="m", reason="test")
                assert from_comments(s, 9) == scanned(s, 9)
                s.moderate(comment_id=made[2], action="restore", moderator="m", reason="test")
                s.moderate(comment_id=made[3], action="hide", moderator="m", reason="test")
    if target.backend == "sqlite":
        [(ddl,)] = target.raw("SELECT sql FROM sqlite_master WHERE name = 'comment_city_cells'")
        assert ddl.rstrip().endswith("WITHOUT ROWID")
    assert target.raw("SELECT COUNT(*) FROM comment_cells WHERE factor = ?", ("*",)) == [(0,)]


def _summaries_add_up(s: Store) -> None:
    """The map's counts the database keeps (and the moves still to fold) equal counts made from
    the comments themselves, at every summary resolution, for the city and each factor, and
    as the list's totals (the city has no replies here: with them the count is a scan)."""
    for r in SUMMARY_RESOLUTIONS:
        for factor in (None, "mobility", "health"):
            assert (s.cell_summary(city=CITY, resolution=r, factor=factor)
                    == s.cell_summary(city=CITY, resolution=r, factor=factor,
                                      include_replies=True)), (r, factor)
    for factor in (None, "mobility"):
        for kind in (None, "idea"):
            assert s.comment_page(city=CITY, factor=factor, kind=kind).total == len(
                s.list_comments(city=CITY, factor=factor, kind=kind)), (factor, kind)


def test_migration_17_spreads_the_rows_every_post_moved(
        target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database from before version 17 upgrades: its city's data version keeps its value
    and still grows by exactly one with every write, now spread over shards; the map's counts
    stay what the comments say."""
    schema_before(monkeypatch, 17)
    with target.open(rate_limit=None) as old:
        made = [post(old, session_id=f"s{i}", kind=kind, factor=factor).comment_id
                for i, (kind, factor) in enumerate([("good", "mobility"), ("concern", "health"),
                                                    ("idea", "mobility")])]
        old.plus_one(comment_id=made[0], session_id="fan")
        version = old.data_version(city=CITY)
    monkeypatch.undo()
    assert version == 4
    with target.open(rate_limit=None) as s:
        assert 17 in s.migrations_applied
        assert s.data_version(city=CITY) == version
        _summaries_add_up(s)
        for i in range(40):
            post(s, session_id=f"n{i}", kind=KINDS[i % 3])
        s.moderate(comment_id=made[1], action="hide", moderator="m", reason="test")
        assert s.data_version(city=CITY) == version + 41
        _summaries_add_up(s)
    shards = [row[0] for row in target.raw("SELECT shard FROM data_versions WHERE city = ?",
                                           [CITY])]
    assert 1 < len(shards) <= VERSION_SHARDS and all(0 <= n < VERSION_SHARDS for n in shards)


def _counts(s: Store) -> dict[str, tuple[int, int, int, int]]:
    """The whole city's map at res 9: (good, concern, idea, +1s) per cell."""
    return {c.cell: (c.good, c.concern, c.idea, c.plus_ones)
            for c in s.cell_summary(city=CITY, resolution=9)}


def test_migration_18_keeps_the_counts_moving_and_indexes_only_workshop_comments(
        target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database from before version 18 upgrades: a new top-level comment moves its cell's
    count by one, a reply moves nothing, a +1 and a hide still move the counts; the index of
    scenarios holds only the comments that name one, and the workshop's query still reads
    through it."""
    schema_before(monkeypatch, 18)
    with target.open(rate_limit=None) as old:
        first = post(old, session_id="a", kind="good").comment_id
    monkeypatch.undo()
    cell9 = h3.cell_to_parent(TEST_CELL, 9)
    with target.open(rate_limit=None) as s:
        assert 18 in s.migrations_applied
        assert _counts(s) == {cell9: (1, 0, 0, 0)}
        second = post(s, session_id="b", kind="idea").comment_id
        assert _counts(s) == {cell9: (1, 0, 1, 0)}
        post(s, session_id="c", kind="concern", parent_id=first)  # a reply: not on the map
        assert _counts(s) == {cell9: (1, 0, 1, 0)}
        s.plus_one(comment_id=second, session_id="fan")
        s.moderate(comment_id=first, action="hide", moderator="m", reason="test")
        assert _counts(s) == {cell9: (0, 0, 1, 1)}
        _summaries_add_up(s)
    if target.backend == "sqlite":
        sql = target.raw("SELECT sql FROM sqlite_master WHERE name = 'comments_scenario'")[0][0]
        plan = " ".join(str(r[-1]) for r in target.raw(
            "EXPLAIN QUERY PLAN SELECT id FROM comments WHERE scenario_id = ? "
            "AND status <> 'deleted'", ["s1"]))
    else:
        sql = target.raw("SELECT indexdef FROM pg_indexes WHERE indexname = 'comments_scenario' "
                         "AND schemaname = current_schema()")[0][0]
        plan = " ".join(str(r[0]) for r in target.raw(  # three rows: a scan would do
            "EXPLAIN SELECT id FROM comments WHERE scenario_id = ? AND status <> 'deleted'",
            ["s1"], setup=["SET enable_seqscan = off", "SET enable_bitmapscan = off"]))
    assert "WHERE scenario_id IS NOT NULL" in sql.replace("(", "").replace(")", "")
    assert "comments_scenario" in plan, plan


def test_many_posts_fold_their_moves_of_the_counts_and_the_map_adds_up(target: Target) -> None:
    """On PostgreSQL a comment moves the per-cell counts by a row appended to a table of its
    own, and every FOLD_EVERY-th such row folds the ones before it into the counts (SQLite
    moves them at once). Before and after a fold, with a +1, a hidden and a deleted comment,
    the map and the totals equal counts made from the comments."""
    cells = sorted(h3.grid_disk(TEST_CELL, 6))
    with target.open(rate_limit=None) as s:
        items = [{k: v for k, v in comment_args(
            cell=cells[i * 7 % len(cells)], kind=KINDS[i % 3],
            factor=("mobility", "health", "housing")[i % 4 % 3]).items()
            if k not in ("city", "consent")} for i in range(FOLD_EVERY + 40)]
        made = [r.comment_id for r in s.import_comments(items, city=CITY)]
        pending = target.raw("SELECT COUNT(*) FROM comment_cell_moves")[0][0]
        if target.backend == "postgres":  # one fold at the FOLD_EVERY-th move
            assert 0 < pending < FOLD_EVERY
        else:
            assert pending == 0
        _summaries_add_up(s)
        s.plus_one(comment_id=made[0], session_id="fan")
        s.moderate(comment_id=made[1], action="hide", moderator="m", reason="test")
        s.moderate(comment_id=made[2], action="delete", moderator="m", reason="test")
        _summaries_add_up(s)
        for i in range(FOLD_EVERY):  # past the next fold
            post(s, session_id=f"p{i}", cell=cells[i % len(cells)], kind=KINDS[i % 3])
        _summaries_add_up(s)
    assert target.raw("SELECT COUNT(*) FROM comment_cell_moves")[0][0] < FOLD_EVERY + 10


@pytest.mark.postgres
def test_a_fold_leaves_the_moves_of_a_writer_not_yet_committed_to_the_next(
        tmp_path: Path) -> None:
    """A fold takes the moves committed when it runs and no others: a writer's move still
    open then is counted once, after its commit, from the table of moves until the next fold
    (a fold by id would have lost it or counted it twice). A second fold while one runs
    leaves its work to the next."""
    import psycopg
    from psycopg import sql as pgsql

    target = make_target("postgres", tmp_path)
    try:
        with target.open(rate_limit=None) as s:
            post(s, session_id="first", kind="good")
            moved = ("INSERT INTO comment_cell_moves (city, factor, kind, cell7, cell8, cell9, "
                     "n, plus) VALUES (%s, 'mobility', 'idea', %s, %s, %s, 1, 0)")
            parents = [h3.cell_to_parent(TEST_CELL, r) for r in SUMMARY_RESOLUTIONS]

            def connect() -> psycopg.Connection[Any]:
                conn = psycopg.connect(target.location)
                conn.execute(pgsql.SQL("SET search_path TO {}").format(
                    pgsql.Identifier(target.schema)))
                conn.commit()
                return conn

            with connect() as writer, connect() as folder, connect() as other:
                writer.execute(moved, [CITY, *parents])  # open, not committed
                folder.execute("SELECT comment_cells_fold()")  # takes the lock, folds
                other.execute("SELECT comment_cells_fold()")  # a second fold: skips at once
                other.commit()
                folder.commit()
                writer.commit()
            [kept] = target.raw("SELECT good + concern + idea FROM comment_city_cells "
                                "WHERE city = ? AND resolution = 9", [CITY])
            assert kept == (1,)  # the first comment, folded
            assert target.raw("SELECT COUNT(*) FROM comment_cell_moves") == [(1,)]
            [cell] = s.cell_summary(city=CITY, resolution=9)
            assert (cell.count, cell.good, cell.idea) == (2, 1, 1)
            target.raw("SELECT comment_cells_fold()")
            assert target.raw("SELECT COUNT(*) FROM comment_cell_moves") == [(0,)]
            assert s.cell_summary(city=CITY, resolution=9) == [cell]
    finally:
        target.drop()


def test_a_read_at_once_sees_what_is_committed_and_inside_a_write_what_it_wrote(
        target: Target) -> None:
    """One read statement alone (PostgreSQL: no BEGIN/COMMIT round trips) sees every
    committed comment and leaves no transaction open; inside a write it sees that write's
    own rows, which nobody else sees until the commit."""
    with target.open() as s, target.open() as other:
        post(s)
        count = "SELECT COUNT(*) FROM comments"
        assert s._backend.read_at_once(count) == [(1,)]
        with s._backend.write() as tx:
            tx.execute("UPDATE comments SET body = ? WHERE id = (SELECT MIN(id) FROM comments)",
                       ["書き換え"])
            assert s._backend.read_at_once("SELECT body FROM comments") == [("書き換え",)]
            assert other._backend.read_at_once("SELECT body FROM comments") != [("書き換え",)]
        post(other, session_id="other")
        assert s._backend.read_at_once(count) == [(2,)]  # no snapshot kept from before
        if target.backend == "postgres":
            import psycopg

            assert s._backend._conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_a_write_at_once_binds_and_returns_typed_values_and_a_failure_writes_nothing(
        target: Target) -> None:
    """One write statement alone (PostgreSQL: prepared once, then sent through libpq with
    psycopg's adapters) binds text with quotes and question marks, numbers, booleans, aware
    times, NULLs and arrays, returns them typed, and commits; a failing one raises the
    driver's error, writes nothing and leaves the connection ready for the next."""
    when = datetime(2026, 12, 2, 3, 4, 5, tzinfo=UTC)
    with target.open() as s:
        b = s._backend
        echo = ("SELECT ?::text, ?::integer, ?::boolean, ?::timestamptz, ?::text"
                if target.backend == "postgres" else "SELECT ?, ?, ?, ?, ?")
        for text in ("it's ?a; 'x' -- 歩道", "二度目"):  # the second run: the prepared one
            row = b.write_at_once(echo, [text, 7, True, when, None])
            assert row is not None and row[0] == text and row[1] == 7 and row[4] is None
            if target.backend == "postgres":
                assert row[2] is True and row[3] == when
        assert b.write_at_once("SELECT 1 WHERE 1 = ?", [2]) is None
        post(s)
        update = "UPDATE comments SET body = ? WHERE id = (SELECT MIN(id) FROM comments) "
        if target.backend == "postgres":
            import psycopg

            assert b.write_at_once(update + "RETURNING array_length(?::bigint[], 1)",
                                   ["書き換え", [1, 2, 3]]) == (3,)
            with pytest.raises(psycopg.errors.DivisionByZero):
                b.write_at_once(update + "RETURNING 1 / ?::integer", ["消えるはず", 0])
            assert b._conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        else:
            assert b.write_at_once(update + "RETURNING 3", ["書き換え"]) == (3,)
            with pytest.raises(sqlite3.IntegrityError):
                b.write_at_once("UPDATE comments SET kind = ? RETURNING 1", ["消えるはず"])
        assert b.read_at_once("SELECT body FROM comments") == [("書き換え",)]
        plus_one = "SELECT ?::integer + 1" if target.backend == "postgres" else "SELECT ? + 1"
        assert b.write_at_once(plus_one, [41]) == (42,)
        if target.backend == "postgres":  # psycopg deallocates all after a rollback of its own
            for _ in range(6):  # its cursor prepares a statement from the fifth run on
                b.read_at_once("SELECT COUNT(*) FROM comments")
            with pytest.raises(RuntimeError), b.write() as tx:
                tx.execute("UPDATE comments SET body = ?", ["消えるはず"])
                raise RuntimeError
            assert b.write_at_once(plus_one, [1]) == (2,)
            assert post(s, session_id="after").created  # the post's statement, prepared again
            assert b.write_at_once("UPDATE comments SET body = body WHERE id = ?", [0]) is None
            # the server gone: the error the pages take for "the database is unavailable"
            pid = b.read_at_once("SELECT pg_backend_pid()")[0][0]
            with target.open() as admin:
                admin._backend.read_at_once("SELECT pg_terminate_backend(?::integer)", [pid])
            with pytest.raises(psycopg.OperationalError):
                b.write_at_once(plus_one, [1])


def test_migration_15_lists_a_town_by_factor_and_kind_from_its_own_index(
        target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database from before version 15 upgrades (PostgreSQL: the town's index holds top-level
    comments only, with factor and kind): a town's list by factor and kind is the same page,
    newest first, before and after (replies and other towns stay out)."""

    schema_before(monkeypatch, 15)
    town, other = "10201001000", "10201002000"
    with target.open(rate_limit=None) as old:
        made = [post(old, town_code=town, factor=f, kind=k, session_id=f"s{i}").comment_id
                for i, (f, k) in enumerate([("mobility", "concern"), ("health", "concern"),
                                            ("mobility", "idea"), ("mobility", "concern")])]
        post(old, town_code=other, factor="mobility", kind="concern")
        reply = post(old, town_code=town, factor="mobility", kind="concern",
                     parent_id=made[0]).comment_id
        wanted = {"city": CITY, "town_code": town, "factor": "mobility", "kind": "concern"}
        before = old.comment_page(**wanted)
    monkeypatch.undo()
    with target.open() as s:
        assert 15 in s.migrations_applied
        after = s.comment_page(**wanted)
    assert after == before
    assert [c.id for c in after.items] == [made[3], made[0]] and after.total == 2
    assert [c.id for c in after.replies[made[0]]] == [reply]
    if target.backend == "sqlite":  # keeps its index (see migrations._V15_POSTGRES)
        names = target.raw("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                           "AND name LIKE ?", ("comments_%town%",))
        assert [name for name, _ in names] == ["comments_city_town_code_top"]
        return
    [(name, ddl)] = target.raw("SELECT indexname, indexdef FROM pg_indexes WHERE indexname "
                               "LIKE ? AND schemaname = current_schema()", ("comments_%town%",))
    assert name == "comments_town_top"
    assert "INCLUDE (factor, kind) WHERE (parent_id IS NULL)" in ddl


def test_migration_12_lets_a_database_post_in_one_call(
        target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database from before versions 12 and 13 upgrades; a post then stores its row, moves
    the data version on and notes the poster (PostgreSQL: one statement, version 13 calling
    version 12)."""
    from geo.participation.store.base import session_hash

    schema_before(monkeypatch, 12)
    with target.open() as old:
        item = {k: v for k, v in comment_args().items() if k not in ("city", "consent")}
        first = old.import_comments([item], city=CITY)[0].comment_id
        assert 12 not in old.migrations_applied
    monkeypatch.undo()
    with target.open() as s:
        assert {12, 13} <= set(s.migrations_applied)
        version = s.data_version(city=CITY)
        args = comment_args(session_id="poster")
        made = s.post_comment(**args)
        assert made.created and made.comment_id > first and made.edit_token
        assert s.data_version(city=CITY) == version + 1
        again = s.post_comment(**args)
        assert (again.comment_id, again.created, again.edit_token) == (made.comment_id, False,
                                                                       None)
        assert s.data_version(city=CITY) == version + 1  # a retry changes nothing
        with pytest.raises(IdempotencyConflict):
            s.post_comment(**{**args, "session_id": "another"})
        s.post_comment(**comment_args(session_id="poster"))
        activity = target.raw("SELECT actions FROM session_activity WHERE session_hash = ?",
                              [session_hash("poster")])
        assert activity == [(2,)]
        assert {first, made.comment_id} <= {c.id for c in s.list_comments(city=CITY)}
        if target.backend == "postgres":  # committed with its last statement: nothing after
            with s.backend.write() as tx:
                assert tx.commit_with("SELECT 1") == (1,)
                with pytest.raises(RuntimeError, match="committed"):
                    tx.execute("SELECT 1")


def test_the_kept_cell_counts_equal_a_count_of_the_comments(store: Store) -> None:
    """The map reads per-cell counts that triggers keep (migration 7). After a seeded mix of
    posts, replies, +1s, hides, restores, deletions, imports and a purge, in two cities, they
    equal a GROUP BY over the comments themselves, for every factor and resolution."""
    import contextlib
    import random

    refused = (InvalidAction, InvalidInput, CommentNotFound)  # e.g. a +1 on a hidden comment
    rng = random.Random(7)
    cells = sorted(h3.grid_disk(TEST_CELL, 6))
    kinds = ("good", "concern", "idea")
    stored: list[Any] = []
    for i in range(160):
        city = CITY if i % 5 else "27100"
        roll = rng.random()
        if roll < 0.45 or not stored:
            when = T0 if i % 7 else T0 - timedelta(days=800)  # some old enough to purge
            stored.append(post(store, session_id=f"s{i}", city=city, cell=rng.choice(cells),
                               factor=rng.choice(("mobility", "health")),
                               kind=rng.choice(kinds), now=when))
        elif roll < 0.55:
            with contextlib.suppress(*refused):
                store.reply(parent_id=rng.choice(stored).comment_id, idempotency_key=f"r{i}",
                            session_id=f"s{i}", text="返信", consent=True)
        elif roll < 0.75:
            with contextlib.suppress(*refused):
                store.plus_one(comment_id=rng.choice(stored).comment_id, session_id=f"p{i}")
        elif roll < 0.85:
            with contextlib.suppress(*refused):
                store.moderate(comment_id=rng.choice(stored).comment_id,
                               action=rng.choice(("hide", "restore")), moderator="m",
                               reason="r")
        else:
            gone = stored.pop(rng.randrange(len(stored)))
            store.delete_by_token(comment_id=gone.comment_id, token=gone.edit_token)
    store.import_comments([{"idempotency_key": f"imp{i}", "session_id": f"i{i}",
                            "cell": rng.choice(cells), "factor": "health", "kind": "idea",
                            "text": "取り込み", "created_at": T0} for i in range(20)], city=CITY)
    store.purge_expired(retention_days=365, now=T0 + timedelta(days=30))

    def scanned(city: str, factor: str | None, resolution: int) -> dict[str, tuple[int, ...]]:
        where, params, _ = store._where(city=city, factor=factor, top_level=True)
        with store.backend.read() as tx:
            rows = tx.fetchall(store._cell_scan_sql(where, resolution), params)
        return {str(cell): tuple(int(x or 0) for x in rest) for cell, *rest in rows}

    checked = 0
    for city in (CITY, "27100"):
        for factor in (None, "mobility", "health"):
            for resolution in (7, 8, 9):
                want = scanned(city, factor, resolution)
                kept = {c.cell: (c.good, c.concern, c.idea, c.plus_ones)
                        for c in store.cell_summary(city=city, factor=factor,
                                                    resolution=resolution)}
                assert kept == {c: v for c, v in want.items() if sum(v[:3])}
                checked += len(kept)
    assert checked > 60  # the mix reached many cells
    # the list's total comes from the same kept counts when only factor and kind filter it
    for city in (CITY, "27100"):
        for factor in (None, "mobility", "health"):
            for kind in (None, *kinds):
                page = store.comment_page(city=city, factor=factor, kind=kind, limit=5)
                listed = store.list_comments(city=city, factor=factor, kind=kind,
                                             top_level=True)
                assert page.total == len(listed), (city, factor, kind)
