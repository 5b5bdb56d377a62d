"""Versioned schema migrations of the comment store, for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from geo.grid import ids

if TYPE_CHECKING:
    from geo.participation.store.backends import Tx

__all__ = ["BUMP_SQL", "CITY_WINDOW", "FOLD_EVERY", "MIGRATIONS", "POST_AT_ONCE_ARGUMENTS",
           "POST_AT_ONCE_FUNCTION", "POST_ROW_ARGUMENTS", "POST_ROW_FUNCTION", "SESSION_WINDOW",
           "VERSION_SHARDS", "Dialect", "Migration", "migration_table_sql"]

Dialect = Literal["sqlite", "postgres"]

# Column types that differ between the two databases; everything else is shared SQL.
_TYPES: dict[Dialect, dict[str, str]] = {
    "sqlite": {
        "pk": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "ref": "INTEGER",
        "ts": "TEXT",
        "bool": "INTEGER",
        "true": "1",
    },
    "postgres": {
        "pk": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "ref": "BIGINT",
        "ts": "TIMESTAMPTZ",
        "bool": "BOOLEAN",
        "true": "TRUE",
    },
}

_AUDIT_ACTIONS = "'hide', 'restore', 'delete', 'auto_hide', 'delete_by_token', 'purge'"

_V1_SHARED = [
    """CREATE TABLE comments (
        id {pk},
        idempotency_key TEXT NOT NULL UNIQUE,
        session_hash TEXT NOT NULL,
        city TEXT NOT NULL,
        cell TEXT NOT NULL,
        resolution INTEGER NOT NULL CHECK (resolution BETWEEN 0 AND 10),
        town_code TEXT,
        factor TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('good', 'concern', 'idea')),
        body TEXT NOT NULL,
        nickname TEXT,
        created_at {ts} NOT NULL,
        parent_id {ref} REFERENCES comments (id) ON DELETE CASCADE,
        status TEXT NOT NULL DEFAULT 'visible'
            CHECK (status IN ('visible', 'hidden_auto', 'hidden', 'deleted')),
        edit_token_hash TEXT NOT NULL,
        consent {bool} NOT NULL CHECK (consent = {true}),
        scenario_id TEXT,
        reports_acknowledged INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX comments_city_status_created ON comments (city, status, created_at)",
    "CREATE INDEX comments_session_created ON comments (session_hash, created_at)",
    "CREATE INDEX comments_parent ON comments (parent_id)",
    "CREATE INDEX comments_created ON comments (created_at)",
    """CREATE TABLE plus_ones (
        comment_id {ref} NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
        session_hash TEXT NOT NULL,
        created_at {ts} NOT NULL,
        PRIMARY KEY (comment_id, session_hash)
    )""",
    """CREATE TABLE reports (
        id {pk},
        comment_id {ref} NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
        session_hash TEXT NOT NULL,
        reason TEXT NOT NULL,
        created_at {ts} NOT NULL,
        UNIQUE (comment_id, session_hash)
    )""",
    # No foreign key on comment_id: audit rows outlive the comments they are about.
    """CREATE TABLE moderation_audit (
        id {pk},
        created_at {ts} NOT NULL,
        comment_id {ref},
        action TEXT NOT NULL CHECK (action IN ("""
    + _AUDIT_ACTIONS
    + """)),
        actor TEXT NOT NULL,
        reason TEXT NOT NULL,
        detail TEXT
    )""",
    "CREATE INDEX moderation_audit_comment ON moderation_audit (comment_id)",
]

_V1_APPEND_ONLY: dict[Dialect, list[str]] = {
    "sqlite": [
        """CREATE TRIGGER moderation_audit_no_update BEFORE UPDATE ON moderation_audit
        BEGIN SELECT RAISE(ABORT, 'moderation_audit is append-only'); END""",
        """CREATE TRIGGER moderation_audit_no_delete BEFORE DELETE ON moderation_audit
        BEGIN SELECT RAISE(ABORT, 'moderation_audit is append-only'); END""",
    ],
    "postgres": [
        """CREATE FUNCTION moderation_audit_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'moderation_audit is append-only'
                USING ERRCODE = 'insufficient_privilege';
        END
        $$""",
        """CREATE TRIGGER moderation_audit_no_change
        BEFORE UPDATE OR DELETE ON moderation_audit
        FOR EACH ROW EXECUTE FUNCTION moderation_audit_append_only()""",
        """CREATE TRIGGER moderation_audit_no_truncate
        BEFORE TRUNCATE ON moderation_audit
        FOR EACH STATEMENT EXECUTE FUNCTION moderation_audit_append_only()""",
    ],
}


# Workshop sessions, their groups and the groups' scenarios (geo.access.modification as
# JSON). Tokens are stored as SHA-256 only. ``version`` is the optimistic-concurrency counter:
# a write names the version it read and is refused when another write came first.
_V2_SHARED = [
    """CREATE TABLE workshop_sessions (
        id TEXT PRIMARY KEY,
        city TEXT NOT NULL,
        title TEXT NOT NULL,
        agenda TEXT NOT NULL,
        facilitator_token_hash TEXT NOT NULL UNIQUE,
        created_at {ts} NOT NULL
    )""",
    """CREATE TABLE workshop_groups (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES workshop_sessions (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        UNIQUE (session_id, position)
    )""",
    """CREATE TABLE scenarios (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES workshop_sessions (id) ON DELETE CASCADE,
        group_id TEXT NOT NULL REFERENCES workshop_groups (id) ON DELETE CASCADE,
        city TEXT NOT NULL,
        name TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('line', 'network')),
        modifications TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        created_at {ts} NOT NULL,
        updated_at {ts} NOT NULL
    )""",
    "CREATE INDEX workshop_groups_session ON workshop_groups (session_id)",
    "CREATE INDEX scenarios_session ON scenarios (session_id)",
    "CREATE INDEX scenarios_group ON scenarios (group_id)",
    "CREATE INDEX comments_scenario ON comments (scenario_id)",
]


# Answers in SQL (issue: the store answers in SQL and hands the UI typed records): each
# comment keeps its parent cells at the map's resolutions 7-9 (a cell already coarser is its
# own "parent", as the map summary has always treated it), a +1 counter kept in the same
# transaction as the +1, the indexes the list and the map summary use, and a per-city data
# version bumped by every write so that pages can cache what they read.
SUMMARY_RESOLUTIONS: tuple[int, ...] = (7, 8, 9)
"""Resolutions at which each comment's parent cell is stored (``cell7``, ``cell8``, ``cell9``)."""

_V3_SHARED = [
    *(f"ALTER TABLE comments ADD COLUMN cell{r} TEXT" for r in SUMMARY_RESOLUTIONS),
    "ALTER TABLE comments ADD COLUMN plus_count INTEGER NOT NULL DEFAULT 0",
    "CREATE INDEX comments_city_top ON comments (city, status, parent_id, created_at)",
    *(f"CREATE INDEX comments_city_cell{r} ON comments (city, cell{r})"
      for r in SUMMARY_RESOLUTIONS),
    """CREATE TABLE data_versions (
        city TEXT PRIMARY KEY,
        version {ref} NOT NULL
    )""",
]


def parent_cells(cell: str) -> tuple[str, ...]:
    """The cell's parents at :data:`SUMMARY_RESOLUTIONS` (itself where it is coarser).

    Parameters
    ----------
    cell
        A valid H3 cell id.

    Returns
    -------
    tuple of str
        One cell id per summary resolution, in order.
    """
    return tuple(ids.parent_string(cell, r) for r in SUMMARY_RESOLUTIONS)


def _v3_backfill(tx: Tx) -> None:
    """Fill the parent cells, +1 counters and data versions of comments stored before v3."""
    rows = tx.fetchall("SELECT id, cell FROM comments")
    sets = ", ".join(f"cell{r} = ?" for r in SUMMARY_RESOLUTIONS)
    for cid, cell in rows:
        tx.execute(f"UPDATE comments SET {sets} WHERE id = ?",  # noqa: S608 - constant columns
                   [*parent_cells(str(cell)), cid])
    tx.execute("UPDATE comments SET plus_count = "
               "(SELECT COUNT(*) FROM plus_ones p WHERE p.comment_id = comments.id)")
    tx.execute("INSERT INTO data_versions (city, version) "
               "SELECT city, COUNT(*) FROM comments GROUP BY city")


# Join links the facilitator can show again (issue "Every journey holds in a real room"): a
# group's token is derived from the facilitator key and its link generation, so only the
# generation is stored next to the token's hash (NULL for groups made before: their random
# tokens stay valid until renewed). Renewing a link moves the old hash to
# workshop_retired_links, so the old link is refused with "this link was replaced" rather
# than "not a valid link".
_V4_SHARED = [
    "ALTER TABLE workshop_groups ADD COLUMN link_generation INTEGER",
    """CREATE TABLE workshop_retired_links (
        token_hash TEXT PRIMARY KEY,
        group_id TEXT NOT NULL REFERENCES workshop_groups (id) ON DELETE CASCADE,
        retired_at {ts} NOT NULL
    )""",
    "CREATE INDEX workshop_retired_links_group ON workshop_retired_links (group_id)",
]


@dataclass(frozen=True)
class Migration:
    """One numbered step of the schema.

    Parameters
    ----------
    version
        Position of the step; steps are applied in increasing order, each once.
    name
        Short description, recorded in ``schema_migrations``.
    shared
        Statements for both databases, with ``{pk} {ref} {ts} {bool} {true}`` placeholders
        for the column types that differ.
    specific
        Extra statements per dialect (triggers and functions).
    backfill
        Optional Python step run after the statements, in the same transaction (for data
        that SQL alone cannot compute, such as H3 parent cells).
    """

    version: int
    name: str
    shared: tuple[str, ...]
    specific: tuple[tuple[Dialect, tuple[str, ...]], ...] = ()
    backfill: Callable[[Tx], None] | None = None

    def statements(self, dialect: Dialect) -> list[str]:
        """Return this step's SQL statements for one database.

        Parameters
        ----------
        dialect
            ``"sqlite"`` or ``"postgres"``.

        Returns
        -------
        list of str
            Statements to run in order, inside one transaction.
        """
        types = _TYPES[dialect]
        out = [s.format(**types) for s in self.shared]
        for d, extra in self.specific:
            if d == dialect:
                out.extend(extra)
        return out


# City-scale reading (100,000 comments): the list filtered by factor, kind or town counts and
# pages on an index of its own, and the map's per-cell summary reads an index alone (the
# parent cell and the kind ride in the index, so the table is never visited).
_V5_SHARED = [
    *(f"CREATE INDEX comments_city_{col}_top ON comments (city, {col}, status, parent_id, "
      "created_at)" for col in ("factor", "kind", "town_code")),
    *(f"CREATE INDEX comments_summary_cell{r} ON comments (city, status, parent_id, factor, "
      f"cell{r}, kind, plus_count)" for r in SUMMARY_RESOLUTIONS),
    # the map of all factors (the page's default) reads its groups in order, without a sort
    *(f"CREATE INDEX comments_summary_all_cell{r} ON comments (city, status, parent_id, "
      f"cell{r}, kind, plus_count)" for r in SUMMARY_RESOLUTIONS),
    # replies only: "parent_id IS NULL" (top-level comments, most rows) must not be planned
    # through it
    "DROP INDEX comments_parent",
    "CREATE INDEX comments_parent ON comments (parent_id) WHERE parent_id IS NOT NULL",
]
_V5_STATISTICS: dict[Dialect, tuple[str, ...]] = {
    "sqlite": ("ANALYZE",),
    "postgres": ("ANALYZE comments",),
}


# Abuse that anonymity invites (issue 16): failed logins kept per secret and browser session
# (the back-off and its audit), what each anonymous session has done and since when (a report
# counts towards the automatic hide only from a session that has been around and done
# something else), whether each report counted, and alerts for the moderators (a burst of
# failed logins, a city's comment ceiling reached, a burst of reports from new sessions). The
# audit learns two actions, "login" and "login_failed": its CHECK is widened (PostgreSQL
# alters the constraint; SQLite cannot, so the table is copied with its triggers and index).
_AUDIT_ACTIONS_V6 = _AUDIT_ACTIONS + ", 'login', 'login_failed'"
_V6_SHARED = [
    """CREATE TABLE login_attempts (
        id {pk},
        created_at {ts} NOT NULL,
        secret TEXT NOT NULL,
        purpose TEXT NOT NULL,
        session_hash TEXT NOT NULL,
        ok {bool} NOT NULL
    )""",
    "CREATE INDEX login_attempts_secret ON login_attempts (secret, ok, created_at)",
    "CREATE INDEX login_attempts_session ON login_attempts (secret, session_hash, ok, created_at)",
    """CREATE TABLE session_activity (
        session_hash TEXT PRIMARY KEY,
        first_seen {ts} NOT NULL,
        last_seen {ts} NOT NULL,
        actions INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX session_activity_last ON session_activity (last_seen)",
    "ALTER TABLE reports ADD COLUMN counts {bool} NOT NULL DEFAULT {true}",
    """CREATE TABLE alerts (
        id {pk},
        city TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('login_burst', 'comment_ceiling', 'report_burst')),
        first_at {ts} NOT NULL,
        last_at {ts} NOT NULL,
        hits INTEGER NOT NULL,
        detail TEXT NOT NULL
    )""",
    "CREATE INDEX alerts_city_kind_last ON alerts (city, kind, last_at)",
]
_V6_AUDIT: dict[Dialect, tuple[str, ...]] = {
    "sqlite": (
        """CREATE TABLE moderation_audit_v6 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        comment_id INTEGER,
        action TEXT NOT NULL CHECK (action IN (""" + _AUDIT_ACTIONS_V6 + """)),
        actor TEXT NOT NULL,
        reason TEXT NOT NULL,
        detail TEXT
    )""",
        "INSERT INTO moderation_audit_v6 (id, created_at, comment_id, action, actor, reason, "
        "detail) SELECT id, created_at, comment_id, action, actor, reason, detail "
        "FROM moderation_audit ORDER BY id",
        # the triggers go with the table before its rows do: nothing fires
        "DROP TABLE moderation_audit",
        "ALTER TABLE moderation_audit_v6 RENAME TO moderation_audit",
        "CREATE INDEX moderation_audit_comment ON moderation_audit (comment_id)",
        *_V1_APPEND_ONLY["sqlite"],
    ),
    "postgres": (
        "ALTER TABLE moderation_audit DROP CONSTRAINT moderation_audit_action_check",
        "ALTER TABLE moderation_audit ADD CONSTRAINT moderation_audit_action_check "
        "CHECK (action IN (" + _AUDIT_ACTIONS_V6 + "))",
    ),
}


# The map's per-cell counts kept by the database itself (version 7): one row per city, factor
# (and "*" for all factors), summary resolution, cell and kind, moved on by triggers on every
# insert, status or +1 change and delete of a comment, so the map reads a few thousand rows
# however many comments a city holds, whatever code path wrote them. A comment counts when it
# is top-level and visible.
CELLS_ALL_FACTORS: Final = "*"

_V7_SHARED = [
    """CREATE TABLE comment_cells (
        city TEXT NOT NULL,
        factor TEXT NOT NULL,
        resolution INTEGER NOT NULL,
        cell TEXT NOT NULL,
        kind TEXT NOT NULL,
        n INTEGER NOT NULL,
        plus INTEGER NOT NULL,
        PRIMARY KEY (city, factor, resolution, cell, kind)
    )""",
    *(f"INSERT INTO comment_cells (city, factor, resolution, cell, kind, n, plus) "  # noqa: S608 - constants only
      f"SELECT city, {factor}, {r}, cell{r}, kind, COUNT(*), SUM(plus_count) FROM comments "
      f"WHERE parent_id IS NULL AND status = 'visible' GROUP BY city, {group}cell{r}, kind"
      for r in SUMMARY_RESOLUTIONS
      for factor, group in (("factor", "factor, "), (f"'{CELLS_ALL_FACTORS}'", ""))),
    # the covering indexes of version 5 that the map read are no longer needed
    *(f"DROP INDEX IF EXISTS comments_summary_{which}cell{r}"
      for r in SUMMARY_RESOLUTIONS for which in ("", "all_")),
]


def _cells_rows(row: str, sign: str) -> str:
    """The six comment_cells rows one comment moves (factor and all, at each resolution)."""
    return ", ".join(
        f"({row}.city, {factor}, {r}, {row}.cell{r}, {row}.kind, {sign}, {sign} * "
        f"{row}.plus_count)"
        for r in SUMMARY_RESOLUTIONS for factor in (f"{row}.factor", f"'{CELLS_ALL_FACTORS}'"))


_CELLS_UPSERT = ("INSERT INTO comment_cells (city, factor, resolution, cell, kind, n, plus) "
                 "VALUES {rows} ON CONFLICT (city, factor, resolution, cell, kind) DO UPDATE "
                 "SET n = comment_cells.n + excluded.n, plus = comment_cells.plus + excluded.plus")
_COUNTED = "{row}.parent_id IS NULL AND {row}.status = 'visible'"
_CELLS_COLUMNS = "status, plus_count, parent_id, city, factor, kind, cell7, cell8, cell9"



def _sqlite_cells_triggers(moves: Callable[[str, str], str]) -> tuple[str, ...]:
    """SQLite's four triggers that move the per-cell counts: ``moves(row, sign)`` gives the
    statements for the comment's old (-1) or new (+1) row."""
    return tuple(
        f"CREATE TRIGGER comment_cells_{name} AFTER {event} ON comments "
        f"WHEN {_COUNTED.format(row=row)} BEGIN {moves(row, sign)} END"
        for name, event, row, sign in (
            ("insert", "INSERT", "NEW", "1"),
            ("update_old", f"UPDATE OF {_CELLS_COLUMNS}", "OLD", "-1"),
            ("update_new", f"UPDATE OF {_CELLS_COLUMNS}", "NEW", "1"),
            ("delete", "DELETE", "OLD", "-1"),
        )
    )


_V7_TRIGGERS: dict[Dialect, tuple[str, ...]] = {
    "sqlite": _sqlite_cells_triggers(
        lambda row, sign: f"{_CELLS_UPSERT.format(rows=_cells_rows(row, sign))};"),
    "postgres": (
        f"""CREATE FUNCTION comment_cells_move(c comments, step integer) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            IF {_COUNTED.format(row="c")} THEN
                {_CELLS_UPSERT.format(rows=_cells_rows("c", "step"))};
            END IF;
        END
        $$""",
        """CREATE FUNCTION comment_cells_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM comment_cells_move(OLD, -1); END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM comment_cells_move(NEW, 1); END IF;
            RETURN NULL;
        END
        $$""",
        f"""CREATE TRIGGER comment_cells_sync
        AFTER INSERT OR UPDATE OF {_CELLS_COLUMNS} OR DELETE ON comments
        FOR EACH ROW EXECUTE FUNCTION comment_cells_sync()""",
    ),
}


# A photo with a comment (issue 15, version 8): at most one per comment, stored as the JPEG
# that geo.participation.photos re-encoded (no metadata) with its thumbnail; never exported
# until a moderator approves it. It goes with its comment: a row deleted (purge, a reply's
# parent purged) cascades, and a trigger drops it the moment the comment's status becomes
# "deleted" (by its poster or a moderator), whatever code path did it. The audit learns the
# photo actions (SQLite copies the table again, as for version 6).
_AUDIT_ACTIONS_V8 = _AUDIT_ACTIONS_V6 + ", 'photo_approve', 'photo_withdraw', 'photo_delete'"
_V8_TYPES: dict[Dialect, dict[str, str]] = {
    "sqlite": {"blob": "BLOB", "false": "0"},
    "postgres": {"blob": "BYTEA", "false": "FALSE"},
}
_V8_PHOTOS = """CREATE TABLE comment_photos (
        comment_id {ref} PRIMARY KEY REFERENCES comments (id) ON DELETE CASCADE,
        bytes {blob} NOT NULL,
        thumbnail {blob} NOT NULL,
        mime TEXT NOT NULL CHECK (mime IN ('image/jpeg')),
        width INTEGER NOT NULL CHECK (width >= 1),
        height INTEGER NOT NULL CHECK (height >= 1),
        approved_for_export {bool} NOT NULL DEFAULT {false},
        created_at {ts} NOT NULL
    )"""
_V8_SPECIFIC: dict[Dialect, tuple[str, ...]] = {
    "sqlite": (
        _V8_PHOTOS.format(**_TYPES["sqlite"], **_V8_TYPES["sqlite"]),
        """CREATE TRIGGER comment_photos_on_delete AFTER UPDATE OF status ON comments
        WHEN NEW.status = 'deleted'
        BEGIN DELETE FROM comment_photos WHERE comment_id = NEW.id; END""",
        """CREATE TABLE moderation_audit_v8 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        comment_id INTEGER,
        action TEXT NOT NULL CHECK (action IN (""" + _AUDIT_ACTIONS_V8 + """)),
        actor TEXT NOT NULL,
        reason TEXT NOT NULL,
        detail TEXT
    )""",
        "INSERT INTO moderation_audit_v8 (id, created_at, comment_id, action, actor, reason, "
        "detail) SELECT id, created_at, comment_id, action, actor, reason, detail "
        "FROM moderation_audit ORDER BY id",
        "DROP TABLE moderation_audit",
        "ALTER TABLE moderation_audit_v8 RENAME TO moderation_audit",
        "CREATE INDEX moderation_audit_comment ON moderation_audit (comment_id)",
        *_V1_APPEND_ONLY["sqlite"],
    ),
    "postgres": (
        _V8_PHOTOS.format(**_TYPES["postgres"], **_V8_TYPES["postgres"]),
        """CREATE FUNCTION comment_photos_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM comment_photos WHERE comment_id = NEW.id;
            RETURN NULL;
        END
        $$""",
        """CREATE TRIGGER comment_photos_on_delete AFTER UPDATE OF status ON comments
        FOR EACH ROW WHEN (NEW.status = 'deleted')
        EXECUTE FUNCTION comment_photos_on_delete()""",
        "ALTER TABLE moderation_audit DROP CONSTRAINT moderation_audit_action_check",
        "ALTER TABLE moderation_audit ADD CONSTRAINT moderation_audit_action_check "
        "CHECK (action IN (" + _AUDIT_ACTIONS_V8 + "))",
    ),
}


# A facility proposed with an "idea" comment (issue 15, version 10): kept with the comment it
# came with (one per comment, keyed by its id), the facility's kind, the cell it would stand at
# (a res-10 cell at the centre of the comment's pin: a planning object, never a home) and the
# figures the scenario engine computed when it was posted (people newly within walking
# distance, cells gained, the city's rate of the kind before and after, the towns that gain and
# the Well-Being factors it moves, both as JSON). Figures are NULL when they could not be
# computed. It is shown only while its comment is visible, dropped by a trigger the moment the
# comment is deleted (by its poster or a moderator) and by cascade when the comment is purged.
_V10_TYPES: dict[Dialect, dict[str, str]] = {
    "sqlite": {"real": "REAL"},
    "postgres": {"real": "DOUBLE PRECISION"},
}
_V10_PROPOSALS = """CREATE TABLE comment_proposals (
        comment_id {ref} PRIMARY KEY REFERENCES comments (id) ON DELETE CASCADE,
        city TEXT NOT NULL,
        facility_kind TEXT NOT NULL,
        facility_cell TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('line', 'network')),
        people_gained INTEGER CHECK (people_gained >= 0),
        cells_gained INTEGER CHECK (cells_gained >= 0),
        rate_before {real} CHECK (rate_before BETWEEN 0 AND 1),
        rate_after {real} CHECK (rate_after BETWEEN 0 AND 1),
        towns TEXT NOT NULL,
        factors TEXT NOT NULL,
        created_at {ts} NOT NULL
    )"""
_V10_SPECIFIC: dict[Dialect, tuple[str, ...]] = {
    "sqlite": (
        _V10_PROPOSALS.format(**_TYPES["sqlite"], **_V10_TYPES["sqlite"]),
        "CREATE INDEX comment_proposals_city ON comment_proposals (city)",
        """CREATE TRIGGER comment_proposals_on_delete AFTER UPDATE OF status ON comments
        WHEN NEW.status = 'deleted'
        BEGIN DELETE FROM comment_proposals WHERE comment_id = NEW.id; END""",
    ),
    "postgres": (
        _V10_PROPOSALS.format(**_TYPES["postgres"], **_V10_TYPES["postgres"]),
        "CREATE INDEX comment_proposals_city ON comment_proposals (city)",
        """CREATE FUNCTION comment_proposals_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM comment_proposals WHERE comment_id = NEW.id;
            RETURN NULL;
        END
        $$""",
        """CREATE TRIGGER comment_proposals_on_delete AFTER UPDATE OF status ON comments
        FOR EACH ROW WHEN (NEW.status = 'deleted')
        EXECUTE FUNCTION comment_proposals_on_delete()""",
    ),
}


# Comments on an area or a route (issue 15, version 11): ``comments.shape`` says whether a
# comment is about its one cell ("point", every comment before), an area or a route; the
# shape's res-9 cells are rows of comment_shape_cells in order (seq 0, 1, ...). The comment's
# cell stays its representative cell, so counts, filters and summaries are unchanged. The
# cells are read only through their visible comment, dropped by a trigger the moment it is
# deleted (by its poster or a moderator) and by cascade when it is purged.
_V11_SHARED = (
    "ALTER TABLE comments ADD COLUMN shape TEXT NOT NULL DEFAULT 'point' "
    "CHECK (shape IN ('point', 'area', 'route'))",
    """CREATE TABLE comment_shape_cells (
        comment_id {ref} NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL CHECK (seq >= 0),
        cell TEXT NOT NULL,
        PRIMARY KEY (comment_id, seq)
    )""",
)
_V11_SPECIFIC: dict[Dialect, tuple[str, ...]] = {
    "sqlite": (
        """CREATE TRIGGER comment_shape_cells_on_delete AFTER UPDATE OF status ON comments
        WHEN NEW.status = 'deleted'
        BEGIN DELETE FROM comment_shape_cells WHERE comment_id = NEW.id; END""",
    ),
    "postgres": (
        """CREATE FUNCTION comment_shape_cells_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM comment_shape_cells WHERE comment_id = NEW.id;
            RETURN NULL;
        END
        $$""",
        """CREATE TRIGGER comment_shape_cells_on_delete AFTER UPDATE OF status ON comments
        FOR EACH ROW WHEN (NEW.status = 'deleted')
        EXECUTE FUNCTION comment_shape_cells_on_delete()""",
    ),
}


# A new comment stored in one statement on PostgreSQL (version 12): the row, its city's data
# version and its poster's activity, in this order, as three statements would. A post then
# sends this call with its COMMIT in one message (``Tx.commit_with``): the rows every writer
# of a city updates (its data version, the map's counts of busy cells) are locked only for
# the time the server takes, never while it waits for the app's next statement (with 8 writers
# they had queued on those locks most of the time). SQLite runs the three statements
# (comments.py); its writers are serialised anyway.
POST_ROW_FUNCTION: Final = "post_comment_row"
POST_ROW_ARGUMENTS: Final = (
    ("key", "text"), ("session", "text"), ("city", "text"), ("cell", "text"),
    ("resolution", "integer"), ("town", "text"), ("factor", "text"), ("kind", "text"),
    ("body", "text"), ("nickname", "text"), ("created", "timestamptz"), ("parent", "bigint"),
    ("token", "text"), ("consent", "boolean"), ("scenario", "text"), ("cell7", "text"),
    ("cell8", "text"), ("cell9", "text"), ("plus", "integer"),
)
"""The function's arguments, in the order of ``comments._INSERT``'s parameters."""


def _parameters(arguments: tuple[tuple[str, str], ...]) -> str:
    """A PL/pgSQL function's parameter list: ``p_name type, ...``."""
    return ", ".join(f"p_{name} {type_}" for name, type_ in arguments)


def _post_row_function(create: str, bump: str) -> str:
    """Version 12's function (``create``: ``CREATE`` or ``CREATE OR REPLACE``) with ``bump``,
    the statement that moves the city's data version on (version 17 spreads it)."""
    return f"""{create} FUNCTION {POST_ROW_FUNCTION}({_parameters(POST_ROW_ARGUMENTS)})
    RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE
        new_id bigint;
    BEGIN
        INSERT INTO comments (idempotency_key, session_hash, city, cell, resolution, town_code,
            factor, kind, body, nickname, created_at, parent_id, status, edit_token_hash,
            consent, scenario_id, cell7, cell8, cell9, plus_count)
        VALUES (p_key, p_session, p_city, p_cell, p_resolution, p_town, p_factor, p_kind,
            p_body, p_nickname, p_created, p_parent, 'visible', p_token, p_consent, p_scenario,
            p_cell7, p_cell8, p_cell9, p_plus)
        ON CONFLICT (idempotency_key) DO NOTHING RETURNING id INTO new_id;
        IF new_id IS NULL THEN  -- the key is stored already (a retry, or another session's)
            RETURN NULL;
        END IF;
        {bump};
        INSERT INTO session_activity (session_hash, first_seen, last_seen, actions)
            VALUES (p_session, p_created, p_created, 1)
            ON CONFLICT (session_hash) DO UPDATE SET
            actions = session_activity.actions + excluded.actions,
            first_seen = CASE WHEN excluded.first_seen < session_activity.first_seen
                THEN excluded.first_seen ELSE session_activity.first_seen END,
            last_seen = CASE WHEN excluded.last_seen > session_activity.last_seen
                THEN excluded.last_seen ELSE session_activity.last_seen END;
        RETURN new_id;
    END
    $$"""  # noqa: S608 - constant names and types only


_V12_POSTGRES = (_post_row_function(
    "CREATE", "INSERT INTO data_versions (city, version) VALUES (p_city, 1) "
    "ON CONFLICT (city) DO UPDATE SET version = data_versions.version + 1"),)


# The windows of the two rate limits (version 13 reads them; comments.py runs them on SQLite
# and on the full path): a session's comments (session, after, until, limit), a city's
# comments (city, after, until, limit). Changing either needs a migration that replaces
# the function below (tests/test_store.py holds them as migrated).
SESSION_WINDOW: Final = ("SELECT created_at FROM comments WHERE session_hash = ? "
                         "AND created_at > ? AND created_at <= ? ORDER BY created_at LIMIT ?")
CITY_WINDOW: Final = ("SELECT created_at FROM comments WHERE city = ? "
                      "AND status IN ('visible', 'hidden_auto', 'hidden', 'deleted') "
                      "AND created_at > ? AND created_at <= ? ORDER BY created_at DESC LIMIT ?")


def _bound(sql: str, *names: str) -> str:
    """``sql`` with its ``?`` placeholders replaced by PL/pgSQL variable ``names``, in order."""
    parts = sql.split("?")
    if len(parts) != len(names) + 1:
        raise ValueError(f"{len(parts) - 1} placeholders for {len(names)} names")
    return "".join(part + name for part, name in zip(parts, names, strict=False)) + parts[-1]


# A bare comment (no parent, scenario, photo, proposal or shape) in one statement on
# PostgreSQL (version 13): the advisory locks, both rate limits, then version 12's call.
# One statement runs as its own transaction without BEGIN or COMMIT, and as a prepared
# statement (its plan kept by the connection): with 8 writers on 2 cores, posts made in one
# round trip were acknowledged ~1.3x as often as in three. NULL when a limit refuses the
# comment or its key is stored: nothing is written, and the app's full path decides.
POST_AT_ONCE_FUNCTION: Final = "post_comment_at_once"
POST_AT_ONCE_ARGUMENTS: Final = (*POST_ROW_ARGUMENTS, ("locks", "bigint[]"),
                                 ("rate_limit", "integer"), ("city_limit", "integer"),
                                 ("after", "timestamptz"))
"""Version 12's arguments, then the advisory-lock keys to take in order, the session's and
the city's limits (NULL: none) and the start of their window."""
_V13_POSTGRES = (
    f"""CREATE FUNCTION {POST_AT_ONCE_FUNCTION}(
        {_parameters(POST_AT_ONCE_ARGUMENTS)})
    RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE
        lock_key bigint;
    BEGIN
        FOREACH lock_key IN ARRAY p_locks LOOP
            PERFORM pg_advisory_xact_lock(lock_key);
        END LOOP;
        IF p_rate_limit IS NOT NULL AND (SELECT COUNT(*) FROM ({_bound(
            SESSION_WINDOW, "p_session", "p_after", "p_created", "p_rate_limit")}) r)
                >= p_rate_limit THEN
            RETURN NULL;
        END IF;
        IF p_city_limit IS NOT NULL AND (SELECT COUNT(*) FROM ({_bound(
            CITY_WINDOW, "p_city", "p_after", "p_created", "p_city_limit")}) c)
                >= p_city_limit THEN
            RETURN NULL;
        END IF;
        RETURN {POST_ROW_FUNCTION}({", ".join(f"p_{name}" for name, _ in POST_ROW_ARGUMENTS)});
    END
    $$""",  # noqa: S608 - constant names, types and queries only
)


# The map's two reads on every page after a write, at 100,000 comments (version 14):
# - a city's few areas and routes went through the list's index of every visible comment
#   (47 ms of the page's 20) — now a partial index holds only them;
# - on SQLite the per-cell counts (7,755 rows for the whole city at res 9) were looked up
#   row by row from their key's index into the table (21 ms); stored in key order
#   (WITHOUT ROWID) the read is one range of the table (8 ms). The table is copied; its
#   triggers on comments name it, so they go first and come back as version 7 made them.
_V14_SHARED = ("CREATE INDEX comments_shaped ON comments (city, status, parent_id, factor, "
               "created_at) WHERE shape <> 'point'",)
_V14_SQLITE = (
    *(f"DROP TRIGGER comment_cells_{name}"
      for name in ("insert", "update_old", "update_new", "delete")),
    _V7_SHARED[0].replace("CREATE TABLE comment_cells", "CREATE TABLE comment_cells_v14", 1)
    + " WITHOUT ROWID",
    "INSERT INTO comment_cells_v14 (city, factor, resolution, cell, kind, n, plus) "
    "SELECT city, factor, resolution, cell, kind, n, plus FROM comment_cells",
    "DROP TABLE comment_cells",
    "ALTER TABLE comment_cells_v14 RENAME TO comment_cells",
    *_V7_TRIGGERS["sqlite"],
    # SQLite's planner takes a new index only with its statistics (else the shapes were
    # read through the list's index again); PostgreSQL estimates from the table's
    "ANALYZE comments",
)


# The list of one town with a factor and a kind chosen too (version 15, PostgreSQL): no index
# holds all three, and the planner walked every comment of the city newest first through the
# index of creation times, filtering (26,876 rows for 20: 12 ms of the page at 100,000
# comments) rather than the town's comments through the town's index and the table. The
# town's index now holds top-level comments only (partial) and carries factor and kind: the
# count is read from the index alone (3 -> 0.5 ms) and the page goes through the town's
# comments newest first (12 -> 2 ms). As many indexes as before to keep on every post. SQLite
# keeps its index: given this one, its planner counted through factor and kind (8 ms, not 4).
_V15_POSTGRES = (
    "DROP INDEX comments_city_town_code_top",
    "CREATE INDEX comments_town_top ON comments (city, town_code, status, created_at) "
    "INCLUDE (factor, kind) WHERE parent_id IS NULL",
)


# The whole city's per-cell counts in a table of their own, one row per cell with the kinds
# side by side (version 16). The map of a city with every factor is the page's largest read
# after a write: in ``comment_cells`` its rows (one per cell and kind, 7,755 at res 9 for
# 100,000 comments) lay between the factors' rows, spread over all of the table's pages on
# PostgreSQL, and were added up per cell on every read. Here the read is a range of 2,868
# rows with nothing to add: 10.3 -> 4.7 ms at res 9. The factors' rows stay in
# ``comment_cells``; every comment still moves six rows (three here, three there).
_CITY_CELLS_TABLE = """CREATE TABLE comment_city_cells (
        city TEXT NOT NULL,
        resolution INTEGER NOT NULL,
        cell TEXT NOT NULL,
        good INTEGER NOT NULL,
        concern INTEGER NOT NULL,
        idea INTEGER NOT NULL,
        plus INTEGER NOT NULL,
        PRIMARY KEY (city, resolution, cell)
    )"""
_KINDS: Final = ("good", "concern", "idea")
# rows of (kind, n) added up per kind, as columns good, concern, idea
_PER_KIND_SUMS = ", ".join(f"SUM(CASE WHEN kind = '{k}' THEN n ELSE 0 END)" for k in _KINDS)
_CITY_CELLS_FILL = (
    "INSERT INTO comment_city_cells (city, resolution, cell, good, concern, idea, plus) "  # noqa: S608 - constants only
    f"SELECT city, resolution, cell, {_PER_KIND_SUMS}"
    + f", SUM(plus) FROM comment_cells WHERE factor = '{CELLS_ALL_FACTORS}' "
    "GROUP BY city, resolution, cell"
)
_CITY_CELLS_MOVE = (
    "INSERT INTO comment_city_cells (city, resolution, cell, good, concern, idea, plus) "
    "VALUES {rows} ON CONFLICT (city, resolution, cell) DO UPDATE SET "
    + ", ".join(f"{c} = comment_city_cells.{c} + excluded.{c}" for c in (*_KINDS, "plus"))
)


def _v16_moves(row: str, sign: str) -> str:
    """The statements one comment runs from version 16: its factor's rows in comment_cells,
    the city's rows (all factors) in comment_city_cells."""
    factor_rows = ", ".join(
        f"({row}.city, {row}.factor, {r}, {row}.cell{r}, {row}.kind, {sign}, {sign} * "
        f"{row}.plus_count)" for r in SUMMARY_RESOLUTIONS)
    per_kind = ", ".join(f"CASE WHEN {row}.kind = '{k}' THEN {sign} ELSE 0 END" for k in _KINDS)
    city_rows = ", ".join(f"({row}.city, {r}, {row}.cell{r}, {per_kind}, {sign} * "
                          f"{row}.plus_count)" for r in SUMMARY_RESOLUTIONS)
    return (f"{_CELLS_UPSERT.format(rows=factor_rows)}; "
            f"{_CITY_CELLS_MOVE.format(rows=city_rows)};")


_V16_SPECIFIC: dict[Dialect, tuple[str, ...]] = {
    "sqlite": (
        *(f"DROP TRIGGER comment_cells_{name}"
          for name in ("insert", "update_old", "update_new", "delete")),
        _CITY_CELLS_TABLE + " WITHOUT ROWID",
        _CITY_CELLS_FILL,
        f"DELETE FROM comment_cells WHERE factor = '{CELLS_ALL_FACTORS}'",  # noqa: S608 - a constant
        *_sqlite_cells_triggers(_v16_moves),
    ),
    "postgres": (
        _CITY_CELLS_TABLE,
        _CITY_CELLS_FILL,
        f"DELETE FROM comment_cells WHERE factor = '{CELLS_ALL_FACTORS}'",  # noqa: S608 - a constant
        f"""CREATE OR REPLACE FUNCTION comment_cells_move(c comments, step integer)
        RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            IF {_COUNTED.format(row="c")} THEN
                {_v16_moves("c", "step")}
            END IF;
        END
        $$""",
    ),
}



# Every post moved rows that every other post moves too: the city's data version, and its
# per-cell counts at res 7 and 8 (a city has a few dozen res-7 cells) in ``comment_cells``
# and ``comment_city_cells``. A row updated stays locked until its transaction is flushed to
# disk, so on a durable PostgreSQL 8 writers queued on those rows, and the six upserts of the
# trigger cost 0.25 ms of the server's CPU per comment. Version 17 spreads both:
# - the data version in VERSION_SHARDS rows per city, each bump on one chosen at random, read
#   as their sum (it still grows by one with every committed bump, whatever the order);
# - on PostgreSQL a comment's move of the counts is one row appended to
#   ``comment_cell_moves`` (nobody else's row), and every FOLD_EVERY-th appended row folds
#   the moves committed so far into the counts in one statement (a DELETE ... RETURNING
#   feeding both upserts: a move is counted in the table or in the counts, never both or
#   neither, for any one reader's snapshot). One fold at a time (a try-lock: a writer that
#   finds one running leaves its moves to the next). The readers add the moves still
#   pending (queries.py). Measured with 8 writer processes on a durable server: 1,038-1,177
#   -> 1,665-2,238 acknowledged comments/s.
# SQLite's writers are serialised anyway: its triggers keep moving the counts at once and its
# table of moves stays empty.
VERSION_SHARDS: Final = 16
"""Rows per city that share its data version (see :meth:`Store.data_version`)."""
BUMP_SQL: Final = ("INSERT INTO data_versions (city, shard, version) VALUES ({city}, {shard}, 1) "
                   "ON CONFLICT (city, shard) DO UPDATE SET version = data_versions.version + 1")
"""A data version's bump on one shard (``{city}`` and ``{shard}`` are SQL expressions)."""
FOLD_EVERY: Final = 256
"""PostgreSQL folds the pending moves of per-cell counts at every this many appended moves."""
_FOLD_LOCK: Final = 0x636F6D6D656E74  # a fixed advisory-lock key for the fold
_CELL_COLUMNS = ", ".join(f"cell{r}" for r in SUMMARY_RESOLUTIONS)


def _append_move(row: str, step: str) -> str:
    """The statement that appends the move of ``row`` (a comment) by ``step`` to
    ``comment_cell_moves`` (PostgreSQL, from version 17)."""
    return (f"INSERT INTO comment_cell_moves (city, factor, kind, {_CELL_COLUMNS}, n, plus)\n"  # noqa: S608 - constant names only
            f"            VALUES ({row}.city, {row}.factor, {row}.kind,\n"
            f"                {', '.join(f'{row}.cell{r}' for r in SUMMARY_RESOLUTIONS)}, "
            f"{step}, {step} * {row}.plus_count);")


_V17_SHARED = (
    """CREATE TABLE data_versions_v17 (
        city TEXT NOT NULL,
        shard INTEGER NOT NULL,
        version {ref} NOT NULL,
        PRIMARY KEY (city, shard)
    )""",
    "INSERT INTO data_versions_v17 (city, shard, version) SELECT city, 0, version "
    "FROM data_versions",
    "DROP TABLE data_versions",
    "ALTER TABLE data_versions_v17 RENAME TO data_versions",
    f"""CREATE TABLE comment_cell_moves (
        id {{pk}},
        city TEXT NOT NULL,
        factor TEXT NOT NULL,
        kind TEXT NOT NULL,
        {", ".join(f"cell{r} TEXT NOT NULL" for r in SUMMARY_RESOLUTIONS)},
        n INTEGER NOT NULL,
        plus INTEGER NOT NULL
    )""",
)


# the moves being folded (``d``) as rows per summary resolution
_FOLDED = " UNION ALL ".join(
    f"SELECT {r} AS resolution, city, factor, kind, cell{r} AS cell, n, plus FROM d"  # noqa: S608 - constants only
    for r in SUMMARY_RESOLUTIONS)
_FOLD_FACTORS = _CELLS_UPSERT.replace(
    "VALUES {rows}", "SELECT city, factor, resolution, cell, kind, SUM(n), SUM(plus) FROM r "
    "GROUP BY city, factor, resolution, cell, kind")
_FOLD_CITY = _CITY_CELLS_MOVE.replace(
    "VALUES {rows}", f"SELECT city, resolution, cell, {_PER_KIND_SUMS}, SUM(plus) FROM r "  # noqa: S608 - constants only
    "GROUP BY city, resolution, cell")
_V17_POSTGRES = (
    _post_row_function("CREATE OR REPLACE", BUMP_SQL.format(
        city="p_city", shard=f"floor(random() * {VERSION_SHARDS})::integer")),
    f"""CREATE OR REPLACE FUNCTION comment_cells_move(c comments, step integer)
    RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        IF {_COUNTED.format(row="c")} THEN
            {_append_move("c", "step")}
        END IF;
    END
    $$""",
    f"""CREATE FUNCTION comment_cells_fold() RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        IF pg_try_advisory_xact_lock({_FOLD_LOCK}) THEN
            WITH d AS (DELETE FROM comment_cell_moves RETURNING *),
            r AS ({_FOLDED}),
            f AS ({_FOLD_FACTORS})
            {_FOLD_CITY};
        END IF;
    END
    $$""",  # noqa: S608 - constant names only
    """CREATE FUNCTION comment_cells_fold_now() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM comment_cells_fold();
        RETURN NULL;
    END
    $$""",
    f"""CREATE TRIGGER comment_cells_fold AFTER INSERT ON comment_cell_moves
    FOR EACH ROW WHEN (NEW.id % {FOLD_EVERY} = 0) EXECUTE FUNCTION comment_cells_fold_now()""",
)

# What every post costs the server (version 18), measured with 8 clients of a durable server:
# - version 7's trigger ran each new comment's move as a second PL/pgSQL call with the whole
#   row copied into it (``PERFORM comment_cells_move(NEW, 1)``): 0.02-0.05 ms of the machine's
#   CPU of the ~0.5 ms a post costs the server (``pgbench``, 4 of 5 alternating rounds). The
#   trigger now appends an inserted comment's move itself; an update or a delete still goes
#   through ``comment_cells_move``.
# - the index of workshop scenarios held every comment, though only a workshop's comments
#   name one: every post wrote a NULL into it. It now holds those comments only (every query
#   of it asks ``scenario_id = ?``, which both planners prove implies ``IS NOT NULL``).
_V18_SHARED = (
    "DROP INDEX comments_scenario",
    "CREATE INDEX comments_scenario ON comments (scenario_id) WHERE scenario_id IS NOT NULL",
)
_V18_POSTGRES = (
    f"""CREATE OR REPLACE FUNCTION comment_cells_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF {_COUNTED.format(row="NEW")} THEN
                {_append_move("NEW", "1")}
            END IF;
            RETURN NULL;
        END IF;
        PERFORM comment_cells_move(OLD, -1);
        IF TG_OP = 'UPDATE' THEN PERFORM comment_cells_move(NEW, 1); END IF;
        RETURN NULL;
    END
    $$""",
)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        name="comments, plus-ones, reports and append-only moderation audit",
        shared=tuple(_V1_SHARED),
        specific=tuple((d, tuple(s)) for d, s in _V1_APPEND_ONLY.items()),
    ),
    Migration(
        version=2,
        name="workshop sessions, groups and scenarios",
        shared=tuple(_V2_SHARED),
    ),
    Migration(
        version=3,
        name="parent cells, +1 counter, list/summary indexes and data versions",
        shared=tuple(_V3_SHARED),
        backfill=_v3_backfill,
    ),
    Migration(
        version=4,
        name="workshop join links derived from the facilitator key; retired links",
        shared=tuple(_V4_SHARED),
    ),
    Migration(
        version=5,
        name="indexes for filtered lists and an index-only map summary at city scale",
        shared=tuple(_V5_SHARED),
        specific=tuple(_V5_STATISTICS.items()),
    ),
    Migration(
        version=6,
        name="login back-off, session activity, counted reports, alerts; audit of logins",
        shared=tuple(_V6_SHARED),
        specific=tuple(_V6_AUDIT.items()),
    ),
    Migration(
        version=7,
        name="per-cell comment counts kept by triggers, for the map at city scale",
        shared=tuple(_V7_SHARED),
        specific=tuple(_V7_TRIGGERS.items()),
    ),
    Migration(
        version=8,
        name="a photo with a comment (re-encoded, no metadata), approved for export or not",
        shared=(),
        specific=tuple(_V8_SPECIFIC.items()),
    ),
    Migration(
        version=9,
        name="indexes for the list filtered by factor and kind, and for similar comments nearby",
        # with one index per filter, factor and kind together read a factor's comments
        # one by one from the table (17 ms at 100,000 comments instead of 0.4); the similar
        # comments near a pin (res 9) are a factor's comments in a few cells (12 ms -> 2)
        shared=("CREATE INDEX comments_city_factor_kind_top ON comments (city, factor, kind, "
                "status, parent_id, created_at)",
                "CREATE INDEX comments_city_factor_cell9 ON comments (city, factor, cell9, "
                "status, parent_id)"),
    ),
    Migration(
        version=10,
        name="a facility proposed with an idea, and the figures computed when it was posted",
        shared=(),
        specific=tuple(_V10_SPECIFIC.items()),
    ),
    Migration(
        version=11,
        name="comments on an area or a route: the shape and its cells",
        shared=_V11_SHARED,
        specific=tuple(_V11_SPECIFIC.items()),
    ),
    Migration(
        version=12,
        name="a comment, its data version and its poster's activity in one call (PostgreSQL)",
        shared=(),
        specific=(("postgres", _V12_POSTGRES),),
    ),
    Migration(
        version=13,
        name="a bare comment, its locks and its rate limits in one statement (PostgreSQL)",
        shared=(),
        specific=(("postgres", _V13_POSTGRES),),
    ),
    Migration(
        version=14,
        name="the map's reads at city scale: areas and routes indexed; cell counts in key order",
        shared=_V14_SHARED,
        specific=(("sqlite", _V14_SQLITE),),
    ),
    Migration(
        version=15,
        name="the list of a town filtered by factor and kind: its index of top-level comments",
        shared=(),
        specific=(("postgres", _V15_POSTGRES),),
    ),
    Migration(
        version=16,
        name="the whole city's per-cell counts in a table of their own, kinds side by side",
        shared=(),
        specific=tuple(_V16_SPECIFIC.items()),
    ),
    Migration(
        version=17,
        name="the hot rows of every post spread: data versions in shards, per-cell counts "
             "moved by rows appended and folded in batches (PostgreSQL)",
        shared=_V17_SHARED,
        specific=(("postgres", _V17_POSTGRES),),
    ),
    Migration(
        version=18,
        name="a post's cost to the server: its move of the map's counts appended by the "
             "trigger itself (PostgreSQL); the scenarios' index holds workshop comments only",
        shared=_V18_SHARED,
        specific=(("postgres", _V18_POSTGRES),),
    ),
)
"""Every schema step, oldest first."""


def migration_table_sql(dialect: Dialect) -> str:
    """Return the statement that creates the ``schema_migrations`` bookkeeping table.

    Parameters
    ----------
    dialect
        ``"sqlite"`` or ``"postgres"``.

    Returns
    -------
    str
        A ``CREATE TABLE IF NOT EXISTS`` statement.
    """
    return (
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at {ts} NOT NULL)"
    ).format(**_TYPES[dialect])
